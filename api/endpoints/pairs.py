"""Applications and relationships: metadata only. A relationship's record (meetings' notes,
agendas, messages, private notes, goals) never leaves through the API: only its meeting count."""

from datetime import date, datetime
from typing import Literal

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from api.core import ERRORS, WRITE_ERRORS, ObjectId, in_program, page, requires
from api.endpoints.programs import PageQuery
from api.models import READ, WRITE
from api.services.tokens import audit_call
from mentorship.validators import multi_line_error
from programs.models import Application, ApplicationStatus
from programs.services.applications import DECISION_MESSAGE_MAX_LENGTH, application_decide
from relationships.models import Mentorship, MentorshipStatus

router = Router()


class DecisionIn(Schema):
    decision: Literal["accepted", "waitlisted", "declined"]
    message: str = Field("", max_length=DECISION_MESSAGE_MAX_LENGTH, description="Sent to the applicant by email.")

    @field_validator("message")
    @classmethod
    def plain_text(cls, value: str) -> str:
        error = multi_line_error(value)
        if error:
            raise ValueError(error)
        return value


class ApplicationFilter(PageQuery):
    program_id: int | None = Field(None, ge=1, le=2**62)
    status: ApplicationStatus | None = None


class ApplicationOut(Schema):
    id: int
    program_id: int
    member_id: int
    role: str
    status: str
    eligible: bool | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_after: int | None


def application_row(application: Application) -> dict:
    return {
        "id": application.pk,
        "program_id": application.program_id,
        "member_id": application.membership_id,
        "role": application.role,
        "status": application.status,
        "eligible": application.eligible,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
        "created_at": application.created_at,
    }


@router.get(
    "/applications", response={200: ApplicationPage, **ERRORS}, summary="List applications", tags=["applications"]
)
@requires("applications", READ)
def list_applications(request, q: Query[ApplicationFilter]):
    applications = Application.objects.all()
    applications = in_program(applications, q.program_id)
    if q.status is not None:
        applications = applications.filter(status=q.status)
    return page(applications, q.after, q.limit, application_row)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="An application (its status, not its answers)",
    tags=["applications"],
)
@requires("applications", READ)
def get_application(request, application_id: ObjectId):
    return application_row(get_object_or_404(Application, pk=application_id))


@router.post(
    "/applications/{application_id}/decision",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="Accept, waitlist or decline an eligible application (the applicant is emailed)",
    tags=["applications"],
)
@requires("applications", WRITE)
def decide_application(request, application_id: ObjectId, body: DecisionIn):
    application = get_object_or_404(
        Application.objects.select_related("membership__user", "program"), pk=application_id
    )
    decided = application_decide(
        actor=request.auth.created_by, application=application, decision=body.decision, message=body.message
    )
    audit_call(
        request.auth,
        action="application.decided",
        summary=f"{body.decision} application {application.pk}",
        application=application.pk,
    )
    return application_row(decided)


class RelationshipFilter(PageQuery):
    program_id: int | None = Field(None, ge=1, le=2**62)
    status: MentorshipStatus | None = None


class RelationshipOut(Schema):
    id: int
    program_id: int
    mentor_id: int
    mentee_id: int
    status: str
    stage: str
    origin: str
    started_on: date
    planned_end_on: date
    ended_at: datetime | None
    end_reason: str
    meeting_count: int
    created_at: datetime


class RelationshipPage(Schema):
    items: list[RelationshipOut]
    next_after: int | None


def relationship_row(mentorship: Mentorship) -> dict:
    return {
        "id": mentorship.pk,
        "program_id": mentorship.program_id,
        "mentor_id": mentorship.mentor_id,
        "mentee_id": mentorship.mentee_id,
        "status": mentorship.status,
        "stage": mentorship.stage,
        "origin": mentorship.origin,
        "started_on": mentorship.started_on,
        "planned_end_on": mentorship.planned_end_on,
        "ended_at": mentorship.ended_at,
        "end_reason": mentorship.end_reason,
        "meeting_count": mentorship.meeting_count,
        "created_at": mentorship.created_at,
    }


def relationships():
    # Only ids, states and dates are read: never a text column of the record.
    return Mentorship.objects.only(
        "id",
        "program_id",
        "mentor_id",
        "mentee_id",
        "status",
        "stage",
        "origin",
        "started_on",
        "planned_end_on",
        "ended_at",
        "end_reason",
        "created_at",
        "organization_id",
    ).annotate(meeting_count=Count("meetings"))


@router.get(
    "/relationships",
    response={200: RelationshipPage, **ERRORS},
    summary="List relationships (metadata only)",
    tags=["relationships"],
)
@requires("relationships", READ)
def list_relationships(request, q: Query[RelationshipFilter]):
    rows = relationships()
    rows = in_program(rows, q.program_id)
    if q.status is not None:
        rows = rows.filter(status=q.status)
    return page(rows, q.after, q.limit, relationship_row)


@router.get(
    "/relationships/{relationship_id}",
    response={200: RelationshipOut, **ERRORS},
    summary="A relationship (metadata only)",
    tags=["relationships"],
)
@requires("relationships", READ)
def get_relationship(request, relationship_id: ObjectId):
    return relationship_row(get_object_or_404(relationships(), pk=relationship_id))
