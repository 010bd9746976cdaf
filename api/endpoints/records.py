"""Agreements (status and the sealed PDF), survey results (only what the anonymity rules
release: ``surveys.services.results``) and the REDCap export."""

import io
from datetime import datetime

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from agreements.models import Agreement, AgreementStatus
from api.core import ERRORS, Error, ObjectId, page, requires
from api.endpoints.programs import PageQuery
from api.models import READ
from api.services.downloads import record_pdf_download
from mentorship.clientaddr import client_ip
from programs.models import Program, Role
from relationships.models import Mentorship
from surveys import redcap
from surveys.models import Survey
from surveys.services.results import survey_results

router = Router()

SIGNED = (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED)


class AgreementFilter(PageQuery):
    relationship_id: int | None = Field(None, ge=1, le=2**62)


class AgreementOut(Schema):
    id: int
    relationship_id: int
    version: int
    status: str
    signed_at: datetime | None
    content_hash: str
    sealed_pdf: bool
    created_at: datetime


class AgreementPage(Schema):
    items: list[AgreementOut]
    next_after: int | None


def agreement_row(agreement: Agreement) -> dict:
    return {
        "id": agreement.pk,
        "relationship_id": agreement.mentorship_id,
        "version": agreement.version,
        "status": agreement.status,
        "signed_at": agreement.signed_at,
        "content_hash": agreement.content_hash,
        "sealed_pdf": bool(agreement.pdf) and agreement.status in SIGNED,
        "created_at": agreement.created_at,
    }


def agreements():
    # The status, never the sections' text.
    return Agreement.objects.only(
        "id", "mentorship_id", "version", "status", "signed_at", "content_hash", "pdf", "created_at", "organization_id"
    )


@router.get("/agreements", response={200: AgreementPage, **ERRORS}, summary="List agreements", tags=["agreements"])
@requires("agreements", READ)
def list_agreements(request, q: Query[AgreementFilter]):
    rows = agreements()
    if q.relationship_id is not None:
        get_object_or_404(Mentorship, pk=q.relationship_id)  # another organization's relationship: 404
        rows = rows.filter(mentorship_id=q.relationship_id)
    return page(rows, q.after, q.limit, agreement_row)


@router.get(
    "/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS}, summary="An agreement", tags=["agreements"]
)
@requires("agreements", READ)
def get_agreement(request, agreement_id: ObjectId):
    return agreement_row(get_object_or_404(agreements(), pk=agreement_id))


@router.get(
    "/agreements/{agreement_id}/pdf",
    response={200: None, 409: Error, **ERRORS},
    summary="The sealed PDF of a signed agreement",
    tags=["agreements"],
    openapi_extra={"responses": {200: {"description": "The sealed PDF/A", "content": {"application/pdf": {}}}}},
)
@requires("agreements", READ)
def agreement_pdf(request, agreement_id: ObjectId):
    agreement = get_object_or_404(agreements(), pk=agreement_id, status__in=SIGNED)
    if not agreement.pdf:
        raise HttpError(409, "The sealed PDF is being prepared; try again in a minute.")
    try:
        handle = agreement.pdf.open("rb")
    except FileNotFoundError:
        raise HttpError(409, "The sealed PDF's file is missing; the program office can help.") from None
    # Logged as the web page logs it: who (the token's maker, the token named), when, from where.
    record_pdf_download(
        token=request.auth,
        agreement=agreement,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return FileResponse(handle, content_type="application/pdf", filename=f"agreement-{agreement.pk}.pdf")


# --- Surveys -----------------------------------------------------------------------------


class SurveyOut(Schema):
    id: int
    program_id: int | None
    title: str
    anonymous: bool
    status: str


class SurveyPage(Schema):
    items: list[SurveyOut]
    next_after: int | None


class ResultsQuery(Schema):
    wave_id: int | None = Field(None, ge=1, le=2**62)
    role: Role | None = None


class ChoiceCount(Schema):
    label: str
    count: int
    percent: float


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    answered: int
    choices: list[ChoiceCount]
    mean: float | None
    written_answers: list[str]
    written_total: int
    written_pooled: bool


class SurveyResultsOut(Schema):
    survey_id: int
    anonymous: bool
    invited: int
    responded: int
    released: int
    pending: int
    hidden: str
    questions: list[QuestionOut]


def survey_row(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "program_id": survey.program_id,
        "title": survey.title,
        "anonymous": survey.anonymous,
        "status": survey.status,
    }


@router.get("/surveys", response={200: SurveyPage, **ERRORS}, summary="List surveys", tags=["surveys"])
@requires("surveys", READ)
def list_surveys(request, q: Query[PageQuery]):
    return page(Survey.objects.all(), q.after, q.limit, survey_row)


@router.get(
    "/surveys/{survey_id}/results",
    response={200: SurveyResultsOut, **ERRORS},
    summary="A survey's results: only what its anonymity rules release",
    tags=["surveys"],
)
@requires("surveys", READ)
def get_survey_results(request, survey_id: ObjectId, q: Query[ResultsQuery]):
    survey = get_object_or_404(Survey, pk=survey_id)
    result = survey_results(survey, wave_id=q.wave_id, role=q.role or "")
    hidden = bool(result.hidden)
    return {
        "survey_id": survey.pk,
        "anonymous": survey.anonymous,
        "invited": result.invited,
        "responded": result.responded,
        "released": result.released,
        "pending": result.pending,
        "hidden": result.hidden,
        "questions": []
        if hidden
        else [
            {
                "id": item.question.pk,
                "text": item.question.text,
                "kind": item.question.kind,
                "answered": item.answered,
                "choices": [
                    {"label": str(label), "count": count, "percent": float(percent)}
                    for label, count, percent in item.rows
                ],
                "mean": item.mean,
                "written_answers": [str(text) for text in item.texts],
                "written_total": item.text_total,
                "written_pooled": item.texts_pooled,
            }
            for item in result.questions
        ],
    }


# --- The REDCap export -------------------------------------------------------------------


class ExportQuery(Schema):
    program_id: int | None = Field(None, ge=1, le=2**62)


CSV_RESPONSE = {200: {"description": "CSV (REDCap's format)", "content": {"text/csv": {}}}}


@router.get(
    "/exports/redcap/records",
    response={200: None, **ERRORS},
    summary="The REDCap records (one row per relationship), as CSV",
    tags=["exports"],
    openapi_extra={"responses": CSV_RESPONSE},
)
@requires("exports", READ)
def redcap_records(request, q: Query[ExportQuery]):
    organization = request.auth.organization
    program = get_object_or_404(Program, pk=q.program_id) if q.program_id is not None else None
    out = io.StringIO()
    redcap.write_csv(out, [f.name for f in redcap.fields(organization)], redcap.record_rows(organization, program))
    return HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")


@router.get(
    "/exports/redcap/dictionary",
    response={200: None, **ERRORS},
    summary="The REDCap data dictionary, as CSV",
    tags=["exports"],
    openapi_extra={"responses": CSV_RESPONSE},
)
@requires("exports", READ)
def redcap_dictionary(request):
    return HttpResponse(redcap.dictionary_csv(request.auth.organization), content_type="text/csv; charset=utf-8")
