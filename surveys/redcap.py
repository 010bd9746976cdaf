"""A REDCap-compatible export of the pairings: a data dictionary (the instrument) and a
records file that uses its variable names and coded values, for departments that keep
their program data in REDCap.

Import order in REDCap: upload the data dictionary first (Project Setup → Data
Dictionary), then the records (Data Import Tool). Metadata only: who, which program,
when, how many meetings — never what was said.
"""

import io
import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from agreements.models import Agreement, AgreementStatus
from mentorship import csvexport
from programs.models import Organization, Program
from relationships.models import EndReason, MeetingStatus, Mentorship, MentorshipStatus, Origin, Stage
from surveys.schedule import due_state

# REDCap's data dictionary columns, exactly as REDCap writes and reads them.
DICTIONARY_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
FORM = "mentorship"
_CHOICE_UNSAFE = re.compile(r"[|\r\n]+")
VARIABLE = re.compile(r"^[a-z][a-z0-9_]{0,25}$")  # REDCap: lowercase, starts with a letter, at most 26

# Stable codes: REDCap stores the number, the dictionary says what it means.
STATUS_CODES = {
    MentorshipStatus.ACTIVE: 1,
    MentorshipStatus.PAUSED: 2,
    MentorshipStatus.CONCLUDED: 3,
    MentorshipStatus.ENDED: 4,
}
STAGE_CODES = {Stage.EXPLORATION: 1, Stage.UNDERSTANDING: 2, Stage.ACTION_PLANNING: 3}
ORIGIN_CODES = {Origin.PROPOSAL: 1, Origin.REQUEST: 2, Origin.MANUAL: 3, Origin.SENIOR: 4}
END_REASON_CODES = {EndReason.NO_FAULT: 1, EndReason.CONCLUDED: 2, EndReason.REMOVED: 3}
YESNO = {True: 1, False: 0}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # REDCap field type: text, dropdown, yesno
    label: str
    choices: tuple[tuple[int, str], ...] = ()
    validation: str = ""
    identifier: bool = False
    note: str = ""
    section: str = ""
    required: bool = False
    annotation: str = ""

    def choices_text(self) -> str:
        # "|" separates choices in REDCap; a label must not contain one (or a line break).
        return " | ".join(f"{code}, {_CHOICE_UNSAFE.sub('/', label)}" for code, label in self.choices)

    def valid_codes(self) -> set[str]:
        if self.kind == "yesno":
            return {"0", "1"}
        return {str(code) for code, _ in self.choices}


def _coded(codes: dict, labels: dict) -> tuple[tuple[int, str], ...]:
    return tuple((code, str(labels[value])) for value, code in codes.items())


def fields(organization: Organization) -> list[Field]:
    """The instrument: one field per records column, in order. One query (the programs)."""
    programs = tuple(
        (pk, name)
        for pk, name in Program.objects.filter(organization=organization).order_by("pk").values_list("pk", "name")
    )
    date_note = "YYYY-MM-DD"
    return [
        Field("record_id", "text", "Pairing ID", required=True, annotation="The pairing's number in the program app."),
        Field("program", "dropdown", "Program", choices=programs, required=True),
        Field("mentor_name", "text", "Mentor's name", identifier=True, section="People"),
        Field("mentor_email", "text", "Mentor's email", validation="email", identifier=True),
        Field("mentee_name", "text", "Mentee's name", identifier=True),
        Field("mentee_email", "text", "Mentee's email", validation="email", identifier=True),
        Field(
            "status",
            "dropdown",
            "Status",
            choices=_coded(STATUS_CODES, dict(MentorshipStatus.choices)),
            section="Pairing",
            required=True,
        ),
        Field("stage", "dropdown", "Stage", choices=_coded(STAGE_CODES, dict(Stage.choices))),
        Field("origin", "dropdown", "How the pair was formed", choices=_coded(ORIGIN_CODES, dict(Origin.choices))),
        Field("started_on", "text", "Started on", validation="date_ymd", note=date_note),
        Field("planned_end_on", "text", "Planned end", validation="date_ymd", note=date_note),
        Field("ended_on", "text", "Ended or concluded on", validation="date_ymd", note=date_note),
        Field("end_reason", "dropdown", "Why it ended", choices=_coded(END_REASON_CODES, dict(EndReason.choices))),
        Field(
            "meetings_held",
            "text",
            "Meetings held",
            validation="integer",
            section="Meetings",
            note="Meetings the pair logged as held.",
        ),
        Field("first_meeting_on", "text", "First meeting held on", validation="date_ymd", note=date_note),
        Field("last_meeting_on", "text", "Last meeting held on", validation="date_ymd", note=date_note),
        Field(
            "on_schedule",
            "yesno",
            "Meeting on schedule",
            note="Active pairings only: the next meeting is not overdue at the program's cadence.",
        ),
        Field("days_overdue", "text", "Days overdue", validation="integer", note="Active pairings only."),
        Field(
            "agreement_signed_on",
            "text",
            "Agreement signed on",
            validation="date_ymd",
            note="The latest signed version. " + date_note,
            section="Agreement",
        ),
    ]


def dictionary_rows(field_list: list[Field]) -> list[list[str]]:
    rows = []
    for f in field_list:
        rows.append(
            [
                f.name,
                FORM,
                f.section,
                f.kind,
                f.label,
                f.choices_text(),
                f.note,
                f.validation,
                "",
                "",
                "y" if f.identifier else "",
                "",
                "y" if f.required else "",
                "",
                "",
                "",
                "",
                f.annotation,
            ]
        )
    return rows


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def record_rows(organization: Organization, program: Program | None = None, today: date | None = None):
    """One row per pairing (every status), in the dictionary's field order, with coded
    values. One query."""
    today = today or timezone.localdate()
    held = Q(meetings__status=MeetingStatus.HELD)
    signed = (
        Agreement.objects.filter(
            mentorship=OuterRef("pk"), status__in=[AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED]
        )
        .exclude(signed_at=None)
        .order_by("-signed_at")
        .values("signed_at")[:1]
    )
    queryset = Mentorship.objects.filter(organization=organization)
    if program is not None:
        queryset = queryset.filter(program=program)
    rows = (
        queryset.annotate(
            held_count=Count("meetings", filter=held),
            first_held=Min("meetings__starts_at", filter=held),
            last_held=Max("meetings__starts_at", filter=held),
            signed_at=Subquery(signed),
        )
        .values(
            "pk",
            "program_id",
            "status",
            "stage",
            "origin",
            "started_on",
            "planned_end_on",
            "ended_at",
            "end_reason",
            "held_count",
            "first_held",
            "last_held",
            "signed_at",
            cadence=F("program__meeting_cadence"),
            first_meeting_days=F("program__first_meeting_days"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=2000):
        on_schedule = days_overdue = ""
        if row["status"] == MentorshipStatus.ACTIVE:
            state = due_state(
                started_on=row["started_on"],
                first_meeting_days=row["first_meeting_days"],
                cadence=row["cadence"],
                last_held=row["last_held"],
                today=today,
                origin=row["origin"],
            )
            on_schedule, days_overdue = YESNO[not state["overdue"]], state["days_overdue"]
        yield [
            row["pk"],
            row["program_id"],
            row["mentor_name"],
            row["mentor_email"],
            row["mentee_name"],
            row["mentee_email"],
            STATUS_CODES.get(row["status"], ""),
            STAGE_CODES.get(row["stage"], ""),
            ORIGIN_CODES.get(row["origin"], ""),
            _d(row["started_on"]),
            _d(row["planned_end_on"]),
            _d(timezone.localdate(row["ended_at"]) if row["ended_at"] else None),
            END_REASON_CODES.get(row["end_reason"], ""),
            row["held_count"],
            _d(timezone.localdate(row["first_held"]) if row["first_held"] else None),
            _d(timezone.localdate(row["last_held"]) if row["last_held"] else None),
            on_schedule,
            days_overdue,
            _d(timezone.localdate(row["signed_at"]) if row["signed_at"] else None),
        ]


def write_csv(out, header: list[str], rows) -> None:
    """REDCap's CSV: comma-separated, no byte-order mark (REDCap would read it into the
    first column's name), CRLF records with every cell holding CR or LF quoted,
    formula-looking cells neutralised (``mentorship.csvexport``)."""
    writer = csvexport.writer(out)
    writer.writerow(header)
    writer.writerows(rows)


def dictionary_csv(organization: Organization) -> str:
    out = io.StringIO()
    write_csv(out, DICTIONARY_HEADER, dictionary_rows(fields(organization)))
    return out.getvalue()
