"""Roster import: a coordinator uploads a CSV or XLSX of members, previews, then confirms.

Reading and checking a file writes nothing but a ``RosterImport`` and its rows
(``RosterImportRow``, encrypted), each with its errors, notices and planned action.
Confirming (``programs.services.roster.roster_confirm``) queues the ``programs.apply_roster_import`` task once; only
that task (``run_roster_import``) writes memberships, profiles and invitations, in batches,
and only when every row is valid: it re-checks the whole file against the database as it
is *now*, inside one transaction, and writes nothing if anything is in error or would
differ from what the coordinator saw.
"""

import csv
import io
import re
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from mentorship.exceptions import ServiceError
from mentorship.validators import single_line_error
from programs.models import (
    PROFILE_IMPORT_FIELDS,
    Invitation,
    InvitationStatus,
    Membership,
    MemberStatus,
    Organization,
    PracticeSetting,
    Profile,
    RosterImport,
    RosterImportRow,
    RosterImportStatus,
    member_status_phrase,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit

MAX_ROWS = 5000
MAX_BLANK_ROWS = 1000  # blank rows tolerated between data rows in a workbook
MAX_BYTES = 2 * 1024 * 1024
MAX_COLUMNS = 100
# An .xlsx is a zip: refuse one that would expand to far more than a 2 MB sheet can hold.
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MIN_YEAR = 1940

FIELDS = ["email", "full_name", "member_status", *PROFILE_IMPORT_FIELDS]
PROFILE_FIELDS = list(PROFILE_IMPORT_FIELDS)
YEAR_FIELDS = ("year_started_practice", "graduation_year")
FIELD_LABELS = {
    "email": "Email",
    "full_name": "Full name",
    "member_status": "Member status",
    "specialty": "Specialty",
    "practice_setting": "Practice setting",
    "year_started_practice": "Year started practice",
    "graduation_year": "Graduation year",
    "institution": "Institution",
    "city": "City",
    "region": "Region",
    "country": "Country",
}
MAX_LENGTHS = {"email": 254, "full_name": 150} | {
    name: Profile._meta.get_field(name).max_length for name in ("specialty", "institution", "city", "region", "country")
}

ACTION_INVITE = "invite"
ACTION_UPDATE = "update"
ACTION_ALREADY_INVITED = "already_invited"
ACTION_UNCHANGED = "unchanged"
ACTION_ERROR = "error"
ACTIONS = (ACTION_INVITE, ACTION_UPDATE, ACTION_ALREADY_INVITED, ACTION_UNCHANGED, ACTION_ERROR)


def _normalize_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


_ALIASES = {
    "email": ["email", "e-mail", "email address", "e-mail address", "mail"],
    "full_name": ["full_name", "full name", "fullname", "name", "member name"],
    "member_status": ["member_status", "member status", "status", "membership status", "membership"],
    "specialty": ["specialty", "speciality", "specialism"],
    "practice_setting": ["practice_setting", "practice setting", "setting", "practice type"],
    "year_started_practice": [
        "year_started_practice",
        "year started practice",
        "year started",
        "started practice",
        "practice start year",
        "year started independent practice",
    ],
    "graduation_year": ["graduation_year", "graduation year", "year of graduation", "grad year", "graduated"],
    "institution": ["institution", "current institution", "hospital", "employer"],
    "city": ["city", "town"],
    "region": ["region", "state", "province", "state / province / region", "state/province"],
    "country": ["country"],
}
HEADER_ALIASES = {_normalize_header(alias): field for field, aliases in _ALIASES.items() for alias in aliases}


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        lookup[label.lower()] = value
    return lookup


STATUS_LOOKUP = _choice_lookup(MemberStatus)
SETTING_LOOKUP = _choice_lookup(PracticeSetting)

TEMPLATE_EXAMPLE = {
    "email": "jane.doe@example.org",
    "full_name": "Jane Doe",
    "member_status": "Candidate member",
    "specialty": "General surgery",
    "practice_setting": "Academic",
    "year_started_practice": "2015",
    "graduation_year": "2009",
    "institution": "St. Mary's Hospital",
    "city": "Portland",
    "region": "Oregon",
    "country": "United States",
}


class RosterFileError(ServiceError):
    """The file as a whole cannot be read; shown on the upload form."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


# --- Reading files ------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith(b"PK\x03\x04"):
        raise RosterFileError("This file is an Excel workbook, not a CSV. Rename it to .xlsx or save it as CSV.")
    if b"\x00" in data:
        raise RosterFileError("This file is not a CSV text file. Upload a CSV (UTF-8) or an Excel .xlsx file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterFileError(
            "This CSV is not UTF-8 text. In your spreadsheet program, save it as “CSV UTF-8” and upload it again."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        return [
            [cell.strip() for cell in row[:MAX_COLUMNS]] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise RosterFileError(f"This CSV file could not be read ({error}). Check it and upload it again.") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    unreadable = RosterFileError(
        "This file could not be read as an Excel workbook (.xlsx). Check it or save it as CSV."
    )
    if not data.startswith(b"PK\x03\x04"):
        raise unreadable
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise RosterFileError("This workbook is too large. Keep it under 5,000 rows and 2 MB.")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except RosterFileError:
        raise
    except Exception:  # any failure to open an uploaded workbook is the file's fault
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return []
        rows = []
        non_blank = 0
        # Read a bounded number of rows of any kind: a tiny file can declare a million
        # empty rows, and openpyxl would yield every one of them.
        row_cap = MAX_ROWS + 1 + MAX_BLANK_ROWS
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=row_cap, values_only=True):
            row = [_cell_text(value) for value in values]
            rows.append(row)
            if any(row):
                non_blank += 1
                if non_blank > MAX_ROWS + 1:  # header + too many rows: stop reading
                    break
        return rows
    except Exception:  # a broken workbook can fail anywhere while reading
        raise unreadable from None
    finally:
        workbook.close()


def read_table(*, filename: str, data: bytes) -> list[list[str]]:
    """The file's cells as text, row by row. Raises ``RosterFileError`` for unusable files."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("csv", "xlsx"):
        raise RosterFileError("Upload a CSV (.csv) or Excel (.xlsx) file.")
    if not data:
        raise RosterFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise RosterFileError("The file is larger than 2 MB. Split it into smaller files.")
    return _read_csv(data) if extension == "csv" else _read_xlsx(data)


def parse_table(table: list[list[str]]) -> tuple[list[dict], dict]:
    """Map the header row to our fields and return ``(rows, file_info)``.

    Each row is ``{"row": <line number in the file>, "values": {field: text}}``; blank
    lines are skipped but keep the numbering the coordinator sees in their spreadsheet.
    """
    numbered = [(number, row) for number, row in enumerate(table, start=1) if any(cell for cell in row)]
    if not numbered:
        raise RosterFileError("The file is empty.")
    _, header = numbered[0]
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    ignored = []
    for index, title in enumerate(header):
        if not title:
            continue
        field = HEADER_ALIASES.get(_normalize_header(title))
        if field is None:
            ignored.append(title)
            continue
        if field in seen:
            raise RosterFileError(
                f"The columns “{seen[field]}” and “{title}” both mean {FIELD_LABELS[field].lower()}. Keep only one."
            )
        seen[field] = title
        columns[index] = field
    if "email" not in seen:
        raise RosterFileError(
            "The file has no email column. The first row must name the columns, for example: "
            "email, full_name, member_status. Download the template to start from."
        )
    data_rows = numbered[1:]
    if not data_rows:
        raise RosterFileError("The file has a header row but no members in it.")
    if len(data_rows) > MAX_ROWS:
        raise RosterFileError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    rows = []
    for number, cells in data_rows:
        values = dict.fromkeys(seen, "")
        for index, field in columns.items():
            values[field] = cells[index].strip() if index < len(cells) else ""
        rows.append({"row": number, "values": values})
    return rows, {"columns": list(seen), "ignored_columns": ignored}


# --- Checking rows ---------------------------------------------------------------------


def _clean_row(values: dict, current_year: int) -> tuple[dict, list[str]]:
    """Check one row on its own (no database). Returns cleaned values and errors."""
    errors = []
    for field, text in values.items():
        message = single_line_error(text) if field in FIELD_LABELS else None
        if message:  # a line break in a name would split every CSV record it lands in
            errors.append(f"{FIELD_LABELS[field]}: {message}")
    cleaned: dict = {}
    email = values.get("email", "").strip().lower()
    if not email:
        errors.append("Email is missing.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"“{values['email']}” is not a valid email address.")
    cleaned["email"] = email
    cleaned["full_name"] = " ".join(values.get("full_name", "").split())

    status = values.get("member_status", "").strip()
    cleaned["member_status"] = ""
    if status:
        cleaned["member_status"] = STATUS_LOOKUP.get(status.lower(), "")
        if not cleaned["member_status"]:
            options = ", ".join(label for _, label in MemberStatus.choices)
            errors.append(f"Unknown member status “{status}”. Use one of: {options}.")

    setting = values.get("practice_setting", "").strip()
    cleaned["practice_setting"] = ""
    if setting:
        cleaned["practice_setting"] = SETTING_LOOKUP.get(setting.lower(), "")
        if not cleaned["practice_setting"]:
            options = ", ".join(label for _, label in PracticeSetting.choices)
            errors.append(f"Unknown practice setting “{setting}”. Use one of: {options}.")

    for field in YEAR_FIELDS:
        text = values.get(field, "").strip()
        cleaned[field] = None
        if not text:
            continue
        year = int(text) if re.fullmatch(r"\d{1,4}", text) else None
        if year is None or not MIN_YEAR <= year <= current_year:
            errors.append(f"{FIELD_LABELS[field]} “{text}” must be a year between {MIN_YEAR} and {current_year}.")
        else:
            cleaned[field] = year

    for field in ("specialty", "institution", "city", "region", "country"):
        cleaned[field] = values.get(field, "").strip()
    for field, limit in MAX_LENGTHS.items():
        if len(cleaned[field]) > limit:
            errors.append(f"{FIELD_LABELS[field]} is too long (at most {limit} characters).")
    return cleaned, errors


def _profile_values(cleaned: dict) -> dict:
    """The row's non-empty profile fields, with Profile's field names and types."""
    return {field: cleaned[field] for field in PROFILE_FIELDS if cleaned[field] not in ("", None)}


def _display(field: str, value) -> str:
    if field == "practice_setting" and value:
        return PracticeSetting(value).label
    if field == "member_status" and value:
        return MemberStatus(value).label
    return "—" if value in ("", None) else str(value)


def plan_rows(organization: Organization, rows: list[dict], *, lock: bool = False) -> tuple[list[dict], dict]:
    """Check every row and decide what confirming would do, against the database now.

    Runs two queries whatever the size of the file. With ``lock`` (at confirmation) the
    memberships concerned are locked until the transaction ends.
    """
    current_year = timezone.now().year
    cleaned_rows = []
    first_row_for: dict[str, int] = {}
    for row in rows:
        cleaned, errors = _clean_row(row["values"], current_year)
        email = cleaned["email"]
        if email:
            if email in first_row_for:
                errors.append(f"This email is already on row {first_row_for[email]}; each person may appear once.")
            else:
                first_row_for[email] = row["row"]
        cleaned_rows.append((row, cleaned, errors))

    emails = list(first_row_for)
    memberships = Membership.objects.filter(organization=organization)
    if lock:
        memberships = memberships.select_for_update(of=("self",))
    by_email: dict[str, Membership] = {}
    for membership in (
        memberships.annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails)
        .select_related("user", "profile")
        .order_by("is_active", "pk")  # an active membership wins over a removed one
    ):
        by_email[membership.email_lower] = membership
    pending = {
        invitation.email_lower: invitation
        for invitation in Invitation.objects.filter(organization=organization, status=InvitationStatus.PENDING)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
    }

    planned = []
    summary = dict.fromkeys(ACTIONS, 0)
    for row, cleaned, errors in cleaned_rows:
        notices: list[str] = []
        changes: list[str] = []
        membership = by_email.get(cleaned["email"])
        invitation = pending.get(cleaned["email"])
        profile_values = _profile_values(cleaned)
        name = cleaned["full_name"]
        if membership is not None and membership.is_active:
            action = ACTION_UPDATE
            name = membership.user.full_name or name
            if cleaned["full_name"] and cleaned["full_name"].casefold() != membership.user.full_name.casefold():
                notices.append(
                    f"The name in the file differs from the member's account ({membership.user.full_name}); "
                    "names are not changed by an import."
                )
            if cleaned["member_status"] and cleaned["member_status"] != membership.status:
                changes.append(
                    f"Member status: {_display('member_status', membership.status)} → "
                    f"{_display('member_status', cleaned['member_status'])}"
                )
            profile = getattr(membership, "profile", None)
            for field, value in profile_values.items():
                old = getattr(profile, field) if profile is not None else None
                if old != value:
                    changes.append(f"{FIELD_LABELS[field]}: {_display(field, old)} → {_display(field, value)}")
            if not changes:
                action = ACTION_UNCHANGED
        elif invitation is not None:
            action = ACTION_ALREADY_INVITED
            if invitation.is_expired:
                notices.append("An invitation was sent earlier but has expired; resend it from Invitations.")
            else:
                notices.append("An invitation is already pending for this address; nothing new is sent.")
        else:
            action = ACTION_INVITE
            if membership is not None:
                name = name or membership.user.full_name
                notices.append("This person was removed from the organization earlier; they will be invited to rejoin.")
            elif not name and cleaned["email"]:
                errors.append("Full name is missing; it is required for people who are not yet members.")
            status = cleaned["member_status"] or MemberStatus.MEMBER
            changes.append(f"Invite as {member_status_phrase(status)}")
        if errors:
            action = ACTION_ERROR
            changes = []
        summary[action] += 1
        planned.append(
            {
                "row": row["row"],
                "values": row["values"],
                "email": cleaned["email"],
                "name": name,
                "member_status": cleaned["member_status"],
                "profile": profile_values,
                "membership": membership.pk if membership is not None and action == ACTION_UPDATE else None,
                "action": action,
                "errors": errors,
                "notices": notices,
                "changes": changes,
            }
        )
    summary["total"] = len(planned)
    return planned, summary


# --- Services ----------------------------------------------------------------------------

# Rows written per statement (bulk_create / bulk_update), and per step of the progress bar.
BATCH_SIZE = 500


def check_owner(actor: Membership, roster_import: RosterImport) -> Organization:
    organization = actor.organization
    require_coordinator(actor, organization)
    if roster_import.organization_id != organization.pk:
        raise PermissionDenied("That import belongs to another organization.")
    return organization


def _row_objects(roster_import: RosterImport, planned: list[dict]) -> list[RosterImportRow]:
    return [
        RosterImportRow(
            organization_id=roster_import.organization_id,
            roster_import=roster_import,
            number=row["row"],
            action=row["action"],
            has_error=bool(row["errors"]),
            data=row,
        )
        for row in planned
    ]


@transaction.atomic
def roster_import_create(*, actor: Membership, uploaded_file) -> RosterImport:
    """Read and check an uploaded roster; store the preview (its rows encrypted). Writes no member data."""
    organization = actor.organization
    require_coordinator(actor, organization)
    filename = (getattr(uploaded_file, "name", "") or "roster").rsplit("/", 1)[-1][-255:]
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise RosterFileError("The file is larger than 2 MB. Split it into smaller files.")
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_BYTES + 1)
    rows, file_info = parse_table(read_table(filename=filename, data=data))
    planned, summary = plan_rows(organization, rows)
    roster_import = RosterImport.objects.create(
        organization=organization, created_by=actor, filename=filename, summary=summary | file_info
    )
    RosterImportRow.objects.bulk_create(_row_objects(roster_import, planned), batch_size=BATCH_SIZE)
    audit(
        organization=organization,
        actor=actor.user,
        action="roster.previewed",
        summary=f"Uploaded the roster {filename} ({summary['total']} rows)",
        roster_import=roster_import.pk,
        counts={action: summary[action] for action in ACTIONS},
    )
    return roster_import


@transaction.atomic
def roster_discard(*, actor: Membership, roster_import: RosterImport) -> RosterImport:
    """Set a previewed import aside; nothing from it can be applied afterwards."""
    organization = check_owner(actor, roster_import)
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status == RosterImportStatus.APPLIED:
        raise ServiceError("This import was already applied; it cannot be discarded.")
    if roster_import.is_running:
        raise ServiceError("This import is being applied; it cannot be discarded now.")
    if roster_import.status in (RosterImportStatus.PREVIEWED, RosterImportStatus.FAILED):
        roster_import.status = RosterImportStatus.DISCARDED
        roster_import.save(update_fields=["status"])
        audit(
            organization=organization,
            actor=actor.user,
            action="roster.discarded",
            summary=f"Discarded the roster import {roster_import.filename}",
            roster_import=roster_import.pk,
        )
    return roster_import


def template_rows() -> list[list[str]]:
    """The downloadable template: the header row and one example."""
    return [FIELDS, [TEMPLATE_EXAMPLE[field] for field in FIELDS]]
