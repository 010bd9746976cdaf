"""Program health for coordinators: one selector per dashboard panel.

Every selector reads the organization's data (optionally one program's) inside the
active tenancy scope and runs a fixed number of queries whatever the number of
applications, pairings or reminders: counts are grouped in the database, and the few
rules that need Python (the meeting cadence, a request's half-time) run over
``.values()`` rows fetched in one query.

Metadata only: names, programs, stages, dates and counts. Nothing here reads a meeting's
agenda, summary or location, a private note, a goal note or a survey's free text.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from agreements.models import Agreement, AgreementStatus, Signature
from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus, Response
from programs.models import Application, ApplicationStatus, Organization, Program, Role
from relationships.models import LIVE_STATUSES, MeetingStatus, Mentorship, MentorshipStatus, Stage
from relationships.responsiveness import quiet_mentorships, quiet_state
from surveys import schedule as pair_schedule
from surveys.models import Reminder, ReminderKind, ReminderStatus
from surveys.rules import display_name
from surveys.schedule import due_state  # noqa: F401  (re-exported: the one rule for one row)
from surveys.services.due import CONSENT_STALE_DAYS, DRAFT_STALE_DAYS, SIGNATURE_STALE_DAYS

OVERDUE_SHOWN = 50  # the page lists the most overdue pairs; the CSV has them all
STALE_SHOWN = 50
QUIET_SHOWN = 50
REMINDER_WEEKS = 12
SATISFACTION_MONTHS = 12


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _scoped(queryset, organization: Organization, program: Program | None, program_field: str = "program"):
    queryset = queryset.filter(organization=organization)
    if program is not None:
        queryset = queryset.filter(**{program_field: program})
    return queryset


# --- Programs (the filter) -------------------------------------------------------------------


def program_choices(organization: Organization) -> list[dict]:
    """Every program of the organization, for the filter select. One query."""
    return list(Program.objects.filter(organization=organization).order_by("name").values("pk", "slug", "name"))


# --- Applications ----------------------------------------------------------------------------


def applications(organization: Organization, program: Program | None = None) -> dict:
    """Applications by state and role, and how many people applied. Two queries."""
    queryset = _scoped(Application.objects.all(), organization, program)
    counts = {
        (row["status"], row["role"]): row["n"]
        for row in queryset.values("status", "role").annotate(n=Count("pk")).order_by()
    }
    rows = []
    for status, label in ApplicationStatus.choices:
        mentees, mentors = counts.get((status, Role.MENTEE), 0), counts.get((status, Role.MENTOR), 0)
        peers = counts.get((status, Role.PEER), 0)  # a peer program's applicants have no side
        rows.append(
            {
                "status": status,
                "label": label,
                "mentees": mentees,
                "mentors": mentors,
                "peers": peers,
                "total": mentees + mentors + peers,
            }
        )
    applicants = queryset.exclude(status=ApplicationStatus.DRAFT).aggregate(n=Count("membership", distinct=True))["n"]
    return {
        "rows": rows,
        "applicants": applicants,
        "total": sum(r["total"] for r in rows),
        "chart_rows": [(r["label"], r["total"]) for r in rows if r["total"]],
    }


# --- Proposals and requests ------------------------------------------------------------------


def proposals(organization: Organization, program: Program | None = None) -> dict:
    """Pairings waiting for the committee or for consent, and open mentoring requests.
    Two queries."""
    offered = Q(status=ProposalStatus.OFFERED)
    mentor_pending, mentee_pending = Q(mentor_response=Response.PENDING), Q(mentee_response=Response.PENDING)
    counts = _scoped(Proposal.objects.all(), organization, program).aggregate(
        committee=Count("pk", filter=Q(status=ProposalStatus.PROPOSED)),
        consent=Count("pk", filter=offered),
        both=Count("pk", filter=offered & mentor_pending & mentee_pending),
        mentor=Count("pk", filter=offered & mentor_pending & ~mentee_pending),
        mentee=Count("pk", filter=offered & ~mentor_pending & mentee_pending),
    )
    open_requests = (
        _scoped(MentorshipRequest.objects.all(), organization, program).filter(status=RequestStatus.OPEN).count()
    )
    rows = [
        {"key": "committee", "label": "Awaiting the committee", "count": counts["committee"]},
        {"key": "consent_both", "label": "Offered, neither has answered", "count": counts["both"]},
        {"key": "consent_mentor", "label": "Offered, waiting for the mentor", "count": counts["mentor"]},
        {"key": "consent_mentee", "label": "Offered, waiting for the mentee", "count": counts["mentee"]},
        {"key": "requests", "label": "Mentoring requests waiting for the mentor", "count": open_requests},
    ]
    return {
        "awaiting_committee": counts["committee"],
        "awaiting_consent": counts["consent"],
        "open_requests": open_requests,
        "rows": rows,
        "total": sum(r["count"] for r in rows),
    }


# --- Pairings by stage -----------------------------------------------------------------------


def stages(organization: Organization, program: Program | None = None) -> dict:
    """Live pairings by stage (active and paused), and how many have ended. One query."""
    counts = Counter()
    for row in (
        _scoped(Mentorship.objects.all(), organization, program)
        .values("status", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(row["status"], row["stage"])] += row["n"]
    rows = []
    for stage, label in Stage.choices:
        active, paused = counts[(MentorshipStatus.ACTIVE, stage)], counts[(MentorshipStatus.PAUSED, stage)]
        rows.append({"stage": stage, "label": label, "active": active, "paused": paused, "total": active + paused})
    by_status = Counter()
    for (status, _), n in counts.items():
        by_status[status] += n
    return {
        "rows": rows,
        "active": by_status[MentorshipStatus.ACTIVE],
        "paused": by_status[MentorshipStatus.PAUSED],
        "concluded": by_status[MentorshipStatus.CONCLUDED],
        "ended": by_status[MentorshipStatus.ENDED],
        "live": by_status[MentorshipStatus.ACTIVE] + by_status[MentorshipStatus.PAUSED],
        "all": sum(by_status.values()),
        "chart_rows": [(r["label"], r["active"]) for r in rows],
    }


# --- Meeting cadence (relationships.services.record.cadence_status, set-based) -----------------


def _held(prefix: str = "meetings__") -> Q:
    return Q(**{f"{prefix}status": MeetingStatus.HELD})


def schedule_counts(
    organization: Organization, program: Program | None = None, today: date | None = None, *, seniors_shown: int = 0
) -> dict:
    """The counts of ``schedule`` (two queries), with ``"seniors"``: the ``seniors_shown`` most
    overdue senior reviews."""
    today = today or timezone.localdate()
    by_program, seniors = pair_schedule.counts(organization, program, today, shown=seniors_shown)
    program_rows = []
    for entry in sorted(by_program.values(), key=lambda r: r["program"].lower()):
        on_schedule = entry["active"] - entry["overdue"]
        program_rows.append(
            {
                "program": entry["program"],
                "active": entry["active"],
                "on_schedule": on_schedule,
                "overdue": entry["overdue"],
                "percent": _percent(on_schedule, entry["active"]),
            }
        )
    active = sum(r["active"] for r in program_rows)
    overdue_count = sum(r["overdue"] for r in program_rows)
    return {
        "today": today,
        "active": active,
        "on_schedule": active - overdue_count,
        "overdue_count": overdue_count,
        "percent": _percent(active - overdue_count, active),
        "first_missed_count": sum(entry["first_missed"] for entry in by_program.values()),
        "programs": program_rows,
        "seniors": seniors,
    }


def schedule(organization: Organization, program: Program | None = None, today: date | None = None) -> dict:
    """The share of active pairings on schedule, by program; the most overdue pairs and the
    missed first meetings (the first OVERDUE_SHOWN of each; the CSVs have them all). Paused
    pairings are not expected to meet and are left out. Worked out in the database
    (``surveys.schedule``): four queries, whatever the number of pairings."""
    today = today or timezone.localdate()
    data = schedule_counts(organization, program, today, seniors_shown=OVERDUE_SHOWN)
    seniors = data.pop("seniors")
    shown = list(pair_schedule.overdue(organization, program, today, limit=OVERDUE_SHOWN, seniors=seniors))
    first_missed = list(
        pair_schedule.overdue(organization, program, today, limit=OVERDUE_SHOWN, first_meeting_only=True)
    )
    return {
        **data,
        "overdue": shown,
        "overdue_shown": shown,
        "first_missed": first_missed,
        "chart_rows": [("On schedule", data["on_schedule"]), ("Overdue", data["overdue_count"])],
    }


# --- Quiet mentorships (relationships.responsiveness) -----------------------------------------

QUIET_FIELDS = {
    "program_name": F("program__name"),
    "cadence": F("program__meeting_cadence"),
    "mentor_name": F("mentor__user__full_name"),
    "mentor_email": F("mentor__user__email"),
    "mentee_name": F("mentee__user__full_name"),
    "mentee_email": F("mentee__user__email"),
}


def _quiet_rows(organization: Organization, program: Program | None, today: date):
    """The quiet active pairings, longest quiet first (not yet evaluated)."""
    queryset = quiet_mentorships(today, _scoped(Mentorship.objects.all(), organization, program))
    return queryset.values("pk", "started_on", "origin", "last_message_at", "last_held", **QUIET_FIELDS).order_by(
        "last_contact_on", "pk"
    )


def quiet_row(row: dict, today: date) -> dict:
    """One quiet pairing as the dashboard shows it: names, program, last contact, days quiet."""
    state = quiet_state(
        started_on=row["started_on"],
        last_message_at=row["last_message_at"],
        last_held=row["last_held"],
        cadence=row["cadence"],
        today=today,
        origin=row["origin"],
    )
    return {
        **row,
        **state,
        "mentor": display_name(row["mentor_name"], row["mentor_email"]),
        "mentee": display_name(row["mentee_name"], row["mentee_email"]),
    }


def quiet(organization: Organization, program: Program | None = None, today: date | None = None) -> dict:
    """Active pairings with neither a message nor a held meeting within their program's
    cadence (``relationships.responsiveness.quiet_mentorships``): how many, and the
    ``QUIET_SHOWN`` quiet the longest. Metadata only. Two queries, whatever the number of
    pairings."""
    today = today or timezone.localdate()
    rows = _quiet_rows(organization, program, today)
    count = rows.count()
    shown = [quiet_row(row, today) for row in rows[:QUIET_SHOWN]] if count else []
    return {"count": count, "shown": shown}


# --- Agreements ------------------------------------------------------------------------------


def agreements(organization: Organization, program: Program | None = None) -> dict:
    """Live pairings by the state of their agreement. One query."""

    def version(status):
        return Exists(Agreement.objects.filter(mentorship=OuterRef("pk"), status=status))

    rows = (
        _scoped(Mentorship.objects.all(), organization, program)
        .filter(status__in=LIVE_STATUSES)
        .annotate(
            signed=version(AgreementStatus.SIGNED),
            awaiting=version(AgreementStatus.AWAITING),
            draft=version(AgreementStatus.DRAFT),
        )
        .values("signed", "awaiting", "draft")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = Counter()
    for row in rows:
        if row["signed"]:
            counts["signed"] += row["n"]
        elif row["awaiting"]:
            counts["awaiting"] += row["n"]
        elif row["draft"]:
            counts["draft"] += row["n"]
        else:
            counts["none"] += row["n"]
    table = [
        {"key": "signed", "label": "Signed", "count": counts["signed"]},
        {"key": "awaiting", "label": "Awaiting signatures", "count": counts["awaiting"]},
        {"key": "draft", "label": "Being drafted", "count": counts["draft"]},
        {"key": "none", "label": "Not started", "count": counts["none"]},
    ]
    live = sum(counts.values())
    return {
        "rows": table,
        "live": live,
        "signed": counts["signed"],
        "unsigned": live - counts["signed"],
        "chart_rows": [(r["label"], r["count"]) for r in table],
    }


# --- Stale consents, requests and signatures (DESIGN.md) -------------------------------------


def stale(organization: Organization, program: Program | None = None, now: datetime | None = None) -> dict:
    """Offers nobody answered for a week, requests past half their answer time, agreements
    waiting for a signature (or a draft nobody touched): what the reminders chase, for
    the coordinator to follow up. Longest waiting first. Four queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    items = []

    offers = (
        _scoped(Proposal.objects.all(), organization, program)
        .filter(status=ProposalStatus.OFFERED, offered_at__lte=now - timedelta(days=CONSENT_STALE_DAYS))
        .values(
            "pk",
            "offered_at",
            "mentor_response",
            "mentee_response",
            program_name=F("program__name"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
    )
    for offer in offers:
        waiting = [role for role in ("mentor", "mentee") if offer[f"{role}_response"] == Response.PENDING]
        if not waiting:
            continue
        items.append(
            _stale_item(
                offer,
                kind="Pairing offer",
                waiting_on=" and ".join(waiting),
                since=offer["offered_at"],
                today=today,
            )
        )

    requests = (
        _scoped(MentorshipRequest.objects.all(), organization, program)
        .filter(status=RequestStatus.OPEN)
        .values(
            "pk",
            "created_at",
            "expires_at",
            program_name=F("program__name"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
    )
    for request in requests:
        if now < request["created_at"] + (request["expires_at"] - request["created_at"]) / 2:
            continue
        expired = request["expires_at"] <= now
        items.append(
            _stale_item(
                request,
                kind="Mentoring request (expired)" if expired else "Mentoring request",
                waiting_on="mentor",
                since=request["created_at"],
                today=today,
            )
        )

    agreement_rows = list(
        _scoped(Agreement.objects.all(), organization, program, "mentorship__program")
        .filter(
            Q(status=AgreementStatus.AWAITING, updated_at__lte=now - timedelta(days=SIGNATURE_STALE_DAYS))
            | Q(status=AgreementStatus.DRAFT, updated_at__lte=now - timedelta(days=DRAFT_STALE_DAYS)),
            mentorship__status__in=LIVE_STATUSES,
        )
        .values(
            "pk",
            "status",
            "version",
            "updated_at",
            "mentorship_id",
            # Agreement has frozen program_name / mentor_name / mentee_name fields: read the live ones.
            pair_program=F("mentorship__program__name"),
            pair_mentor_name=F("mentorship__mentor__user__full_name"),
            pair_mentor_email=F("mentorship__mentor__user__email"),
            pair_mentee_name=F("mentorship__mentee__user__full_name"),
            pair_mentee_email=F("mentorship__mentee__user__email"),
        )
    )
    signed = set(
        Signature.objects.filter(
            organization=organization, agreement_id__in=[a["pk"] for a in agreement_rows]
        ).values_list("agreement_id", "role")
    )
    for agreement in agreement_rows:
        agreement.update(
            program_name=agreement["pair_program"],
            mentor_name=agreement["pair_mentor_name"],
            mentor_email=agreement["pair_mentor_email"],
            mentee_name=agreement["pair_mentee_name"],
            mentee_email=agreement["pair_mentee_email"],
        )
        awaiting = agreement["status"] == AgreementStatus.AWAITING
        if awaiting:
            waiting = [role for role in ("mentor", "mentee") if (agreement["pk"], role) not in signed]
            if not waiting:
                continue
            waiting_on, kind = " and ".join(waiting), f"Agreement v{agreement['version']} signature"
        else:
            waiting_on, kind = "mentor and mentee", f"Agreement v{agreement['version']} draft"
        items.append(
            _stale_item(agreement, kind=kind, waiting_on=waiting_on, since=agreement["updated_at"], today=today)
        )
        items[-1]["mentorship_id"] = agreement["mentorship_id"]

    items.sort(key=lambda item: (-item["days_waiting"], item["kind"], item["mentee"]))
    kinds = Counter(item["group"] for item in items)
    return {
        "items": items,
        "shown": items[:STALE_SHOWN],
        "count": len(items),
        "offers": kinds["Pairing offer"],
        "requests": kinds["Mentoring request"],
        "agreements": kinds["Agreement"],
        "thresholds": {
            "consent": CONSENT_STALE_DAYS,
            "signature": SIGNATURE_STALE_DAYS,
            "draft": DRAFT_STALE_DAYS,
        },
    }


def _stale_item(row: dict, *, kind: str, waiting_on: str, since: datetime, today: date) -> dict:
    since_on = timezone.localdate(since)
    return {
        "kind": kind,
        "group": "Agreement" if kind.startswith("Agreement") else kind.split(" (")[0],
        "program": row["program_name"],
        "mentor": display_name(row["mentor_name"], row["mentor_email"]),
        "mentee": display_name(row["mentee_name"], row["mentee_email"]),
        "waiting_on": waiting_on,
        "since": since_on,
        "days_waiting": max((today - since_on).days, 0),
        "mentorship_id": None,
    }


# --- Reminders -------------------------------------------------------------------------------


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def reminders(
    organization: Organization, program: Program | None = None, today: date | None = None, weeks: int = REMINDER_WEEKS
) -> dict:
    """Reminders sent per week (Monday to Sunday) over the last ``weeks`` weeks and by
    kind over the same weeks, and how many went out in the last 30 days. Two queries."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    first_week = _week_start(today) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first_week, datetime.min.time(), tzinfo=zone)
    sent = _scoped(Reminder.objects.all(), organization, program).filter(status=ReminderStatus.SENT)
    per_week: Counter = Counter()
    per_kind: Counter = Counter()
    for row in (
        sent.filter(sent_at__gte=start)
        .annotate(week=TruncWeek("sent_at", tzinfo=zone))
        .values("week", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        week = row["week"]
        week = timezone.localtime(week, zone).date() if isinstance(week, datetime) else week
        per_week[week] += row["n"]
        per_kind[row["kind"]] += row["n"]
    last_30 = sent.filter(sent_at__gte=timezone.now() - timedelta(days=30)).count()
    week_rows = [
        {"week": week, "label": f"{week:%d %b}", "count": per_week[week]}
        for week in (first_week + timedelta(weeks=i) for i in range(weeks))
    ]
    kind_labels = dict(ReminderKind.choices)
    kind_rows = sorted(
        ({"kind": kind, "label": kind_labels.get(kind, kind), "count": n} for kind, n in per_kind.items()),
        key=lambda r: (-r["count"], r["label"]),
    )
    return {
        "weeks": week_rows,
        "kinds": kind_rows,
        "total": sum(per_kind.values()),
        "last_30_days": last_30,
        "first_week": first_week,
        "week_points": [(r["label"], r["count"]) for r in week_rows],
        "kind_chart_rows": [(r["label"], r["count"]) for r in kind_rows],
    }


# --- Survey satisfaction ---------------------------------------------------------------------


def satisfaction(organization: Organization, months: int = SATISFACTION_MONTHS) -> dict:
    """Mean survey satisfaction (0–10) per month across the organization, months with too
    few anonymous answers hidden. Empty when the surveys feature is not there."""
    try:
        from surveys.services.results import satisfaction_by_month
    except (ImportError, AttributeError):
        points = []
    else:
        points = [(str(label), value) for label, value in satisfaction_by_month(organization, months=months)]
    return {
        "points": points,
        "has_data": any(value is not None for _, value in points),
        "available": bool(points),
        "scale": 10,
    }


# --- Everything at once ----------------------------------------------------------------------


def health(organization: Organization, program: Program | None = None) -> dict:
    """Every panel of the dashboard (a fixed number of queries in all)."""
    today = timezone.localdate()
    panels = {
        "applications": applications(organization, program),
        "proposals": proposals(organization, program),
        "stages": stages(organization, program),
        "schedule": schedule(organization, program, today),
        "agreements": agreements(organization, program),
        "stale": stale(organization, program),
        "quiet": quiet(organization, program, today),
        "reminders": reminders(organization, program, today),
        "satisfaction": satisfaction(organization),
    }
    panels["cards"] = {
        "applicants": panels["applications"]["applicants"],
        "awaiting_committee": panels["proposals"]["awaiting_committee"],
        "awaiting_consent": panels["proposals"]["awaiting_consent"],
        "active": panels["stages"]["active"],
        "on_schedule_percent": panels["schedule"]["percent"],
        "first_missed": panels["schedule"]["first_missed_count"],
        "unsigned": panels["agreements"]["unsigned"],
        "reminders_30": panels["reminders"]["last_30_days"],
    }
    return panels


# --- CSV tables ------------------------------------------------------------------------------


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _pair_columns(p: dict) -> list:
    return [p["mentor"], p["mentor_email"], p["mentee"], p["mentee_email"], p["program_name"], p["stage_label"]]


def csv_table(
    name: str, organization: Organization, program: Program | None = None
) -> tuple[list, Iterable[list]] | None:
    """(header, rows) of one dashboard table, or None for an unknown name. The rows of the
    pair lists are a generator reading a database cursor: iterate them in the same tenancy
    scope and time zone."""
    builder = CSV_TABLES.get(name)
    return builder(organization, program) if builder else None


def _applications_csv(organization, program):
    data = applications(organization, program)
    return ["state", "mentees", "mentors", "total"], [
        [r["label"], r["mentees"], r["mentors"], r["total"]] for r in data["rows"]
    ]


def _proposals_csv(organization, program):
    return ["waiting", "count"], [[r["label"], r["count"]] for r in proposals(organization, program)["rows"]]


def _stages_csv(organization, program):
    data = stages(organization, program)
    rows = [[r["label"], r["active"], r["paused"], r["total"]] for r in data["rows"]]
    return ["stage", "active", "paused", "total"], rows


def _schedule_csv(organization, program):
    data = schedule_counts(organization, program)
    rows = [[r["program"], r["active"], r["on_schedule"], r["overdue"], r["percent"]] for r in data["programs"]]
    rows.append(["All programs", data["active"], data["on_schedule"], data["overdue_count"], data["percent"]])
    return ["program", "active pairings", "on schedule", "overdue", "percent on schedule"], rows


_PAIR_HEADER = ["mentor", "mentor email", "mentee", "mentee email", "program", "stage"]


def _overdue_csv(organization, program):
    """Every overdue pair, most overdue first, streamed from the database."""
    header = [*_PAIR_HEADER, "started on", "last held meeting", "due on", "days overdue"]
    rows = (
        [*_pair_columns(p), _d(p["started_on"]), _d(p["last_held_on"]), _d(p["due_on"]), p["days_overdue"]]
        for p in pair_schedule.overdue(organization, program, timezone.localdate())
    )
    return header, rows


def _first_meetings_csv(organization, program):
    """Every missed first meeting, most overdue first, streamed from the database."""
    header = [*_PAIR_HEADER, "started on", "first meeting due on", "days overdue"]
    rows = (
        [*_pair_columns(p), _d(p["started_on"]), _d(p["due_on"]), p["days_overdue"]]
        for p in pair_schedule.overdue(organization, program, timezone.localdate(), first_meeting_only=True)
    )
    return header, rows


def _agreements_csv(organization, program):
    return ["agreement", "live pairings"], [[r["label"], r["count"]] for r in agreements(organization, program)["rows"]]


def _stale_csv(organization, program):
    header = ["what", "program", "mentor", "mentee", "waiting on", "since", "days waiting"]
    rows = [
        [i["kind"], i["program"], i["mentor"], i["mentee"], i["waiting_on"], _d(i["since"]), i["days_waiting"]]
        for i in stale(organization, program)["items"]
    ]
    return header, rows


def _quiet_csv(organization, program):
    """Every quiet pairing, longest quiet first, streamed from the database."""
    today = timezone.localdate()
    header = [*_PAIR_HEADER[:5], "last contact", "days quiet"]
    rows = (
        [p["mentor"], p["mentor_email"], p["mentee"], p["mentee_email"], p["program_name"]]
        + [_d(p["last_contact_on"]), p["days_quiet"]]
        for p in (quiet_row(row, today) for row in _quiet_rows(organization, program, today).iterator(chunk_size=2000))
    )
    return header, rows


def _reminders_csv(organization, program):
    data = reminders(organization, program)
    return ["reminder", "sent"], [[r["label"], r["count"]] for r in data["kinds"]]


def _reminders_weekly_csv(organization, program):
    data = reminders(organization, program)
    return ["week starting", "sent"], [[_d(r["week"]), r["count"]] for r in data["weeks"]]


def _satisfaction_csv(organization, program):
    data = satisfaction(organization)
    return ["month", "mean satisfaction (0-10)"], [
        [label, "" if value is None else value] for label, value in data["points"]
    ]


CSV_TABLES = {
    "applications": _applications_csv,
    "proposals": _proposals_csv,
    "stages": _stages_csv,
    "schedule": _schedule_csv,
    "overdue": _overdue_csv,
    "first-meetings": _first_meetings_csv,
    "agreements": _agreements_csv,
    "stale": _stale_csv,
    "quiet": _quiet_csv,
    "reminders": _reminders_csv,
    "reminders-weekly": _reminders_weekly_csv,
    "satisfaction": _satisfaction_csv,
}
