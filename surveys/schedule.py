"""The meeting schedule of active pairings, worked out in the database.

The rule is ``relationships.services.record.next_contact_due`` (as ``surveys.dashboard.due_state``
has it for one row): before the first held meeting a pairing is due ``first_meeting_days``
after its start; afterwards the last held meeting's day (in the current time zone) plus the
program's interval. Here the same rule is an SQL expression, so the dashboard counts every
pairing with one aggregate and lists only the most overdue ones (``LIMIT``), and a CSV streams
its rows from a cursor: memory does not grow with the number of pairings.

A senior mentor's pairing with a hub mentor follows its own 6-monthly review
(``surveys.rules.senior_review_due``, calendar months): those rows are read with
``.iterator()`` and judged in Python. Only the overdue ones are kept in memory, and only up
to the number shown when a list is shown.

Every row a page or a CSV shows goes through ``due_state`` again in Python, so what is
displayed is exactly what the one rule says; SQL only chooses and orders the rows.
"""

import heapq
from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import Func
from django.db.models.functions import TruncDate
from django.utils import timezone

from programs.models import Cadence, Organization, Program
from relationships.models import Meeting, MeetingStatus, Mentorship, MentorshipStatus, Origin, Stage
from relationships.services.record import CADENCE_DAYS, next_contact_due
from surveys.rules import display_name, senior_review_due

EPOCH = date(1970, 1, 1)
PAIR_FIELDS = {
    "program_name": F("program__name"),
    "program_slug": F("program__slug"),
    "cadence": F("program__meeting_cadence"),
    "first_meeting_days": F("program__first_meeting_days"),
    "mentor_name": F("mentor__user__full_name"),
    "mentor_email": F("mentor__user__email"),
    "mentee_name": F("mentee__user__full_name"),
    "mentee_email": F("mentee__user__email"),
}
ROW_FIELDS = ("pk", "stage", "started_on", "origin", "program_id", "last_held")
CHUNK = 2000


class DayNumber(Func):
    """Days since 1970-01-01 of a date expression, as an integer (PostgreSQL and SQLite)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - DATE '1970-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


def day_number(day: date) -> int:
    return (day - EPOCH).days


def _cadence_days() -> Case:
    default = CADENCE_DAYS[Cadence.QUARTERLY]
    return Case(
        *[When(program__meeting_cadence=cadence, then=Value(days)) for cadence, days in CADENCE_DAYS.items()],
        default=Value(default),
        output_field=IntegerField(),
    )


def active_pairings(organization: Organization, program: Program | None, today: date) -> QuerySet:
    """The active pairings of the organization (or one program) with ``last_held``, and for
    the regular ones ``days_late``: today minus the day the next contact is due (positive
    when overdue). Not yet ordered."""
    queryset = Mentorship.objects.filter(organization=organization, status=MentorshipStatus.ACTIVE)
    if program is not None:
        queryset = queryset.filter(program=program)
    last_held = Meeting.objects.filter(mentorship=OuterRef("pk"), status=MeetingStatus.HELD).order_by("-starts_at")
    zone = timezone.get_current_timezone()
    return queryset.annotate(
        last_held=Subquery(last_held.values("starts_at")[:1]),
        due_day=Case(
            When(last_held__isnull=True, then=DayNumber(F("started_on")) + F("program__first_meeting_days")),
            default=DayNumber(TruncDate("last_held", tzinfo=zone)) + _cadence_days(),
            output_field=IntegerField(),
        ),
        days_late=Value(day_number(today)) - F("due_day"),
    )


def _regular(queryset: QuerySet) -> QuerySet:
    return queryset.exclude(origin=Origin.SENIOR)


def _senior(queryset: QuerySet) -> QuerySet:
    return queryset.filter(origin=Origin.SENIOR)


def _values(queryset: QuerySet) -> QuerySet:
    return queryset.values(*ROW_FIELDS, **PAIR_FIELDS)


def due_state(
    *,
    started_on: date,
    first_meeting_days: int,
    cadence: str,
    last_held: datetime | None,
    today: date,
    origin: str = "",
) -> dict:
    """The rule of ``relationships.services.record.cadence_status`` for one row: before the
    first held meeting the deadline is ``started_on + first_meeting_days``; afterwards the
    last held meeting's date plus the program's interval. Overdue when today is past it.
    A senior mentor's pairing with a hub mentor follows its own 6-monthly review instead
    (``surveys.rules``), as the reminders do."""
    last_held_on = timezone.localdate(last_held) if last_held else None
    if origin == Origin.SENIOR:
        due_on = senior_review_due(started_on, last_held_on, today)
        days_overdue = max((today - due_on).days, 0)
        return {
            "last_held_on": last_held_on,
            "due_on": due_on,
            "days_overdue": days_overdue,
            "overdue": days_overdue > 0,
            "senior": True,
        }
    due_on = next_contact_due(
        started_on=started_on, first_meeting_days=first_meeting_days, cadence=cadence, last_held_on=last_held_on
    )
    days_overdue = max((today - due_on).days, 0)
    return {"last_held_on": last_held_on, "due_on": due_on, "days_overdue": days_overdue, "overdue": days_overdue > 0}


def pair_row(row: dict, today: date) -> dict:
    """One pairing as the dashboard shows it: its cadence state by the one rule."""
    row = dict(row)
    state = due_state(
        started_on=row["started_on"],
        first_meeting_days=row["first_meeting_days"],
        cadence=row["cadence"],
        last_held=row.pop("last_held"),
        today=today,
        origin=row["origin"],
    )
    return {
        **row,
        **state,
        "first_meeting": state["last_held_on"] is None and not state.get("senior"),
        "stage_label": STAGE_LABELS.get(row["stage"], row["stage"]),
        "mentor": display_name(row["mentor_name"], row["mentor_email"]),
        "mentee": display_name(row["mentee_name"], row["mentee_email"]),
    }


STAGE_LABELS = dict(Stage.choices)


def order_key(row: dict) -> tuple:
    """Most overdue first, then the earliest due, then the oldest pairing."""
    return (-row["days_overdue"], row["due_on"], row["pk"])


def _senior_overdue(queryset: QuerySet, today: date) -> Iterator[dict]:
    for row in _values(_senior(queryset)).order_by().iterator(chunk_size=CHUNK):
        pair = pair_row(row, today)
        if pair["overdue"]:
            yield pair


def counts(organization: Organization, program: Program | None, today: date, *, shown: int = 0) -> tuple[dict, list]:
    """Active, overdue and first-meeting-missed counts by program (one aggregate over the
    regular pairings; the senior reviews judged row by row, one query), and the ``shown``
    most overdue senior reviews for ``overdue(..., seniors=)``."""
    queryset = active_pairings(organization, program, today)
    by_program: dict[int, dict] = {}
    for row in (
        _regular(queryset)
        .values("program_id", program_name=F("program__name"))
        .annotate(
            active=Count("pk"),
            overdue=Count("pk", filter=Q(days_late__gt=0)),
            first_missed=Count("pk", filter=Q(days_late__gt=0, last_held__isnull=True)),
        )
        .order_by()
    ):
        by_program[row["program_id"]] = {
            "program": row["program_name"],
            "active": row["active"],
            "overdue": row["overdue"],
            "first_missed": row["first_missed"],
        }
    seniors: list[tuple] = []  # a heap of the most overdue: (negated order key, row)
    for row in _values(_senior(queryset)).order_by().iterator(chunk_size=CHUNK):
        pair = pair_row(row, today)
        entry = by_program.setdefault(
            row["program_id"], {"program": row["program_name"], "active": 0, "overdue": 0, "first_missed": 0}
        )
        entry["active"] += 1
        entry["overdue"] += pair["overdue"]
        if pair["overdue"] and shown:
            item = (_Reversed(order_key(pair)), pair)
            if len(seniors) < shown:
                heapq.heappush(seniors, item)
            elif item[0] > seniors[0][0]:
                heapq.heapreplace(seniors, item)
    return by_program, sorted((pair for _, pair in seniors), key=order_key)


class _Reversed:
    """An order key compared the other way round: a min-heap that keeps the smallest keys."""

    __slots__ = ("key",)

    def __init__(self, key: tuple):
        self.key = key

    def __lt__(self, other: "_Reversed") -> bool:
        return self.key > other.key

    def __gt__(self, other: "_Reversed") -> bool:
        return self.key < other.key


def overdue(
    organization: Organization,
    program: Program | None,
    today: date,
    *,
    limit: int | None = None,
    first_meeting_only: bool = False,
    seniors: list[dict] | None = None,
) -> Iterator[dict]:
    """The overdue active pairings, most overdue first (``order_key``): the first ``limit``
    of them, or every one streamed from the database. ``first_meeting_only``: the pairs that
    have not held their first meeting by the deadline (never a senior review). ``seniors``:
    the overdue senior reviews when the caller has them already (``counts``), else they are
    read here."""
    queryset = active_pairings(organization, program, today)
    regular = _regular(queryset).filter(days_late__gt=0)
    if first_meeting_only:
        regular = regular.filter(last_held__isnull=True)
    regular = _values(regular).order_by(F("days_late").desc(), "due_day", "pk")
    if limit is not None:
        rows = [pair_row(row, today) for row in regular[:limit]]
        if first_meeting_only:
            return iter(rows)
        if seniors is None:
            seniors = heapq.nsmallest(limit, _senior_overdue(queryset, today), key=order_key)
        return iter(heapq.nsmallest(limit, [*rows, *seniors], key=order_key))
    rows = (pair_row(row, today) for row in regular.iterator(chunk_size=CHUNK))
    if first_meeting_only:
        return rows
    # Senior reviews overdue are a few per hub mentor: sorted in memory, merged into the stream.
    if seniors is None:
        seniors = sorted(_senior_overdue(queryset, today), key=order_key)
    return heapq.merge(rows, seniors, key=order_key)
