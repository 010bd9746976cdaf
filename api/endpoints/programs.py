"""Programs and members: reads, a member's status and roles, and the roster import."""

from datetime import datetime

from django.core.files.base import ContentFile
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field, field_validator

from api.core import DEFAULT_PAGE, ERRORS, MAX_PAGE, WRITE_ERRORS, ObjectId, page, requires
from api.models import READ, WRITE
from api.services.tokens import audit_call
from mentorship.validators import single_line_error
from programs.models import Membership, MemberStatus, Program, RosterImport, RosterImportRow
from programs.roster import roster_import_create
from programs.services.organizations import membership_update
from programs.services.roster import roster_confirm

router = Router()


class PageQuery(Schema):
    after: int = Field(
        0, ge=0, le=2**62, description="The id after which the page starts (the last page's next_after)."
    )
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"Rows per page, at most {MAX_PAGE}.")


class ProgramOut(Schema):
    id: int
    name: str
    slug: str
    model: str
    is_published: bool
    applications_open: datetime | None
    applications_close: datetime | None
    created_at: datetime


class ProgramPage(Schema):
    items: list[ProgramOut]
    next_after: int | None


def program_row(program: Program) -> dict:
    return {
        "id": program.pk,
        "name": program.name,
        "slug": program.slug,
        "model": program.model,
        "is_published": program.is_published,
        "applications_open": program.applications_open,
        "applications_close": program.applications_close,
        "created_at": program.created_at,
    }


@router.get("/programs", response={200: ProgramPage, **ERRORS}, summary="List the programs", tags=["programs"])
@requires("programs", READ)
def list_programs(request, q: Query[PageQuery]):
    return page(Program.objects.all(), q.after, q.limit, program_row)


@router.get("/programs/{program_id}", response={200: ProgramOut, **ERRORS}, summary="A program", tags=["programs"])
@requires("programs", READ)
def get_program(request, program_id: ObjectId):
    return program_row(get_object_or_404(Program, pk=program_id))


# --- Members -----------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    email: str
    name: str
    status: str
    is_coordinator: bool
    is_committee: bool
    is_active: bool
    joined_at: datetime


class MemberPage(Schema):
    items: list[MemberOut]
    next_after: int | None


class MemberUpdate(Schema):
    status: MemberStatus | None = None
    is_coordinator: bool | None = None
    is_committee: bool | None = None
    is_active: bool | None = None


def member_row(membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "email": membership.user.email,
        "name": membership.user.full_name,
        "status": membership.status,
        "is_coordinator": membership.is_coordinator,
        "is_committee": membership.is_committee,
        "is_active": membership.is_active,
        "joined_at": membership.joined_at,
    }


@router.get("/members", response={200: MemberPage, **ERRORS}, summary="List the members", tags=["members"])
@requires("members", READ)
def list_members(request, q: Query[PageQuery]):
    return page(Membership.objects.select_related("user"), q.after, q.limit, member_row)


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS}, summary="A member", tags=["members"])
@requires("members", READ)
def get_member(request, member_id: ObjectId):
    return member_row(get_object_or_404(Membership.objects.select_related("user"), pk=member_id))


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="Change a member's status or roles",
    tags=["members"],
)
@requires("members", WRITE)
def update_member(request, member_id: ObjectId, body: MemberUpdate):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
    updated = membership_update(
        actor=request.auth.created_by,
        membership=membership,
        status=body.status if body.status is not None else membership.status,
        is_coordinator=membership.is_coordinator if body.is_coordinator is None else body.is_coordinator,
        is_committee=membership.is_committee if body.is_committee is None else body.is_committee,
        is_active=membership.is_active if body.is_active is None else body.is_active,
    )
    audit_call(
        request.auth, action="member.updated", summary=f"updated member {membership.pk}", membership=membership.pk
    )
    return member_row(updated)


# --- The roster import -------------------------------------------------------------------


class RosterIn(Schema):
    filename: str = Field("roster.csv", max_length=255, description="Its extension says the format: .csv")
    content: str = Field(..., max_length=2_100_000, description="The roster as CSV text (the template's columns).")

    @field_validator("filename")
    @classmethod
    def one_line(cls, value: str) -> str:
        error = single_line_error(value)
        if error:
            raise ValueError(error)
        return value


class RowErrors(Schema):
    row: int
    errors: list[str]


class RosterImportOut(Schema):
    id: int
    filename: str
    status: str
    summary: dict
    progress: int
    outcome: dict
    created_at: datetime
    finished_at: datetime | None
    row_errors: list[RowErrors]


ROW_ERRORS_SHOWN = 100


def roster_row(roster_import: RosterImport) -> dict:
    rows = RosterImportRow.objects.filter(roster_import=roster_import, has_error=True).order_by("number")
    return {
        "id": roster_import.pk,
        "filename": roster_import.filename,
        "status": roster_import.status,
        "summary": roster_import.summary,
        "progress": roster_import.progress,
        "outcome": roster_import.outcome,
        "created_at": roster_import.created_at,
        "finished_at": roster_import.finished_at,
        "row_errors": [
            {"row": row.number, "errors": [str(error) for error in row.data.get("errors", [])]}
            for row in rows[:ROW_ERRORS_SHOWN]
        ],
    }


@router.post(
    "/roster-imports",
    response={201: RosterImportOut, **WRITE_ERRORS},
    summary="Upload a roster: checked and previewed, nothing written yet",
    tags=["members"],
)
@requires("members", WRITE)
def create_import(request, body: RosterIn):
    upload = ContentFile(body.content.encode("utf-8", "replace"), name=body.filename.rsplit("/", 1)[-1] or "roster")
    roster_import = roster_import_create(actor=request.auth.created_by, uploaded_file=upload)
    audit_call(
        request.auth,
        action="roster.previewed",
        summary=f"uploaded the roster {roster_import.filename}",
        roster_import=roster_import.pk,
    )
    return Status(201, roster_row(roster_import))


@router.get(
    "/roster-imports/{import_id}",
    response={200: RosterImportOut, **ERRORS},
    summary="A roster import: its preview, progress and outcome",
    tags=["members"],
)
@requires("members", READ)
def get_import(request, import_id: ObjectId):
    return roster_row(get_object_or_404(RosterImport, pk=import_id))


@router.post(
    "/roster-imports/{import_id}/confirm",
    response={202: RosterImportOut, **WRITE_ERRORS},
    summary="Apply a previewed roster (invites new people, updates members) in the background",
    tags=["members"],
)
@requires("members", WRITE)
def confirm_import(request, import_id: ObjectId):
    roster_import = get_object_or_404(RosterImport, pk=import_id)
    result = roster_confirm(actor=request.auth.created_by, roster_import=roster_import)
    audit_call(
        request.auth,
        action="roster.confirmed",
        summary=f"confirmed the roster {roster_import.filename}",
        roster_import=roster_import.pk,
        outcome=result.outcome,
    )
    return Status(202, roster_row(result.roster_import))
