"""The joint quarterly report (seed 002): goals achieved, plans for the next quarter and
barriers to ongoing success, written together by the mentor and the mentee, confirmed by
both and submitted once to the program office.

Until it is submitted the text stays with the pair: coordinators see only where each pair
stands (not started, in progress, confirmed by one of them). Once both confirmed the same
revision it is submitted, read-only, and the program's coordinators read it.

Writing is open for the current calendar quarter, and for the previous one during the
grace period (``surveys.periods.open_report_quarters``), to live pairings of programs that
use quarterly reports. An ended pairing keeps its reports readable to the pair.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from mentorship.domain_events import emit
from mentorship.exceptions import ServiceError
from programs.models import Membership, Program
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship, Origin
from relationships.services.pairs import absolute_url, notify, require_party
from surveys.models import QuarterlyReport
from surveys.periods import open_report_quarters, previous_quarter, quarter_bounds, quarter_of

MAX_TEXT = 5000
FIELDS = ("goals_achieved", "next_plans", "barriers")
WHAT = "write and submit their quarterly report"


def quarter_label(year: int, quarter: int) -> str:
    return f"Q{quarter} {year}"


def valid_quarter(year: int, quarter: int) -> bool:
    return 1 <= quarter <= 4 and 2000 <= year <= 2100


def uses_reports(mentorship: Mentorship) -> bool:
    """Whether this pairing writes quarterly reports: its program uses them, and it is a
    mentor–mentee pairing (a senior mentor's coaching of hub mentors has its own review)."""
    return bool(mentorship.program.quarterly_reports) and mentorship.origin != Origin.SENIOR


def reportable_pairings(program: Program) -> QuerySet:
    """The pairings of a program that write quarterly reports (all statuses)."""
    return Mentorship.objects.filter(program=program).exclude(origin=Origin.SENIOR)


def open_quarters(mentorship: Mentorship, today: date | None = None) -> list[tuple[int, int]]:
    """Quarters this pairing may write today (none once it has ended or if not used)."""
    if not mentorship.is_live or not uses_reports(mentorship):
        return []
    return open_report_quarters(today or timezone.localdate(), mentorship.started_on)


def pairing_quarters(mentorship: Mentorship, today: date | None = None) -> list[tuple[int, int]]:
    """Every quarter from the one the pairing started in to the current one (or the one it
    ended in), newest first."""
    today = today or timezone.localdate()
    last_day = today
    if not mentorship.is_live and mentorship.ended_at:
        last_day = min(today, timezone.localdate(mentorship.ended_at))
    first = quarter_of(mentorship.started_on)
    current = quarter_of(last_day)
    quarters = []
    while current >= first and len(quarters) < 200:
        quarters.append(current)
        current = previous_quarter(*current)
    return quarters


def recent_quarters(today: date | None = None, count: int = 8) -> list[tuple[int, int]]:
    current = quarter_of(today or timezone.localdate())
    quarters = []
    for _ in range(count):
        quarters.append(current)
        current = previous_quarter(*current)
    return quarters


def report_for(mentorship: Mentorship, year: int, quarter: int) -> QuarterlyReport | None:
    return QuarterlyReport.objects.filter(mentorship=mentorship, year=year, quarter=quarter).first()


# --- Status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportState:
    key: str  # not_started | in_progress | mentor_confirmed | mentee_confirmed | submitted
    label: str


NOT_STARTED = ReportState("not_started", "Not started")
IN_PROGRESS = ReportState("in_progress", "In progress")
MENTOR_CONFIRMED = ReportState("mentor_confirmed", "Mentor confirmed")
MENTEE_CONFIRMED = ReportState("mentee_confirmed", "Mentee confirmed")
SUBMITTED = ReportState("submitted", "Submitted")
STATES = (SUBMITTED, MENTOR_CONFIRMED, MENTEE_CONFIRMED, IN_PROGRESS, NOT_STARTED)


def report_state(report: QuarterlyReport | None) -> ReportState:
    if report is None or (report.revision == 0 and not report.submitted_at):
        return NOT_STARTED
    if report.submitted_at:
        return SUBMITTED
    if report.mentor_confirmed_revision == report.revision:
        return MENTOR_CONFIRMED
    if report.mentee_confirmed_revision == report.revision:
        return MENTEE_CONFIRMED
    return IN_PROGRESS


def confirmed_by(report: QuarterlyReport | None, role: str) -> bool:
    if report is None or report.revision == 0:
        return False
    return getattr(report, f"{role}_confirmed_revision") == report.revision


# --- Writing --------------------------------------------------------------------------------


class StaleReport(ServiceError):
    """Someone saved a newer text; the caller shows it next to the text just typed."""

    def __init__(self, report: QuarterlyReport, author: Membership | None):
        who = author.user.full_name if author else "The other person"
        super().__init__(
            f"{who} saved a newer version of this report while you were writing. Your text is kept in the form; "
            "compare it with theirs (shown above), then save again."
        )
        self.report = report
        self.author = author


def _lock_pairing(actor: Membership, mentorship: Mentorship, year: int, quarter: int, today: date | None) -> Mentorship:
    """Check who and when, with the pairing row locked (it serializes the pair's writes)."""
    require_party(actor, mentorship, WHAT)
    locked = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("organization", "program", "mentor__user", "mentee__user")
        .get(pk=mentorship.pk)
    )
    if not uses_reports(locked):
        raise ServiceError(f"{locked.program.name} does not use quarterly reports.")
    if not locked.is_live:
        raise ServiceError("This mentorship has ended; its reports stay readable but cannot change.")
    if not valid_quarter(year, quarter) or (year, quarter) not in open_quarters(locked, today):
        raise ServiceError(
            f"The {quarter_label(year, quarter)} report is not open: you can write the current quarter's report, "
            "and the previous quarter's during the first 30 days of a new quarter."
        )
    return locked


def _clean(value: str | None, field: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise ServiceError(f"Keep this to {MAX_TEXT} characters (it has {len(text)}).", field=field)
    return text


def report_save(
    *,
    actor: Membership,
    report: QuarterlyReport | None = None,
    mentorship: Mentorship | None = None,
    year: int | None = None,
    quarter: int | None = None,
    goals_achieved: str,
    next_plans: str,
    barriers: str,
    revision: int,
    today: date | None = None,
) -> QuarterlyReport:
    """Save the pair's shared text. A save based on an older revision is refused (never
    silently overwriting the other person's words). Each save that changes the text raises
    ``revision`` and clears both confirmations."""
    if report is not None:
        mentorship, year, quarter = report.mentorship, report.year, report.quarter
    if mentorship is None or year is None or quarter is None:
        raise ValueError("report_save needs a report, or a mentorship with a year and a quarter")
    texts = {
        "goals_achieved": _clean(goals_achieved, "goals_achieved"),
        "next_plans": _clean(next_plans, "next_plans"),
        "barriers": _clean(barriers, "barriers"),
    }
    with transaction.atomic():
        locked = _lock_pairing(actor, mentorship, year, quarter, today)
        current = (
            QuarterlyReport.objects.select_for_update(of=("self",))
            .select_related("updated_by__user")
            .filter(mentorship=locked, year=year, quarter=quarter)
            .first()
        )
        if current is None:
            if revision != 0:
                raise ServiceError("This report changed while you were writing. Reload the page and try again.")
            if not any(texts.values()):
                raise ServiceError("Write something before saving: goals achieved, plans or barriers.")
            current = QuarterlyReport(organization=locked.organization, mentorship=locked, year=year, quarter=quarter)
        elif current.submitted_at:
            raise ServiceError(
                f"The {current.label} report was submitted on {timezone.localtime(current.submitted_at):%d %B %Y} "
                "and can no longer change."
            )
        elif revision != current.revision:
            raise StaleReport(current, current.updated_by)
        if current.pk and all(getattr(current, f) == texts[f] for f in FIELDS):
            return current  # nothing changed: the confirmations stand
        for field in FIELDS:
            setattr(current, field, texts[field])
        current.revision += 1
        current.updated_by = actor
        current.updated_at = timezone.now()
        current.mentor_confirmed_revision = None
        current.mentee_confirmed_revision = None
        current.save()
    current.mentorship = locked
    return current


def report_confirm(
    *, actor: Membership, report: QuarterlyReport, revision: int, today: date | None = None
) -> QuarterlyReport:
    """Confirm the current revision ("Confirm and submit"). When both parties have
    confirmed the same revision the report is submitted (once), becomes read-only, both
    get a confirmation and the program's coordinators a notice."""
    role = require_party(actor, report.mentorship, WHAT)
    with transaction.atomic():
        mentorship = _lock_pairing(actor, report.mentorship, report.year, report.quarter, today)
        report = QuarterlyReport.objects.select_for_update(of=("self",)).get(pk=report.pk, mentorship=mentorship)
        if report.submitted_at:
            raise ServiceError(f"The {report.label} report has already been submitted.")
        if revision != report.revision:
            raise ServiceError("The text changed since you opened it. Read it again, then confirm.")
        if not (report.goals_achieved.strip() or report.next_plans.strip()):
            raise ServiceError(
                "An empty report cannot be submitted: write at least the goals achieved or the plans for the "
                "next quarter, save, then confirm."
            )
        other_role = "mentee" if role == "mentor" else "mentor"
        other = mentorship.mentee if role == "mentor" else mentorship.mentor
        if getattr(report, f"{role}_confirmed_revision") == report.revision:
            return report  # a second click: nothing new to tell anyone
        setattr(report, f"{role}_confirmed_revision", report.revision)
        both = getattr(report, f"{other_role}_confirmed_revision") == report.revision
        if both:
            report.submitted_at = timezone.now()
        report.save(update_fields=["mentor_confirmed_revision", "mentee_confirmed_revision", "submitted_at"])
        report.mentorship = mentorship
        context = _context(report, actor)
        if both:
            audit(
                organization=mentorship.organization,
                actor=actor.user,
                action="quarterly_report.submitted",
                summary=f"{mentorship.mentor.user} and {mentorship.mentee.user} submitted their {report.label} "
                f"report in {mentorship.program.name}",
                mentorship=mentorship.pk,
                report=report.pk,
            )
            data = {"report": report.pk, "mentorship": mentorship.pk, "program": mentorship.program.slug}  # issue 20
            emit(mentorship.organization_id, "report.submitted", {**data, "quarter": report.label})
            reply_to = mentorship.organization.contact_email
            notify(
                "email/quarterly_report_submitted",
                context,
                [mentorship.mentor.user.email, mentorship.mentee.user.email],
                reply_to,
            )
            coordinators = program_coordinator_emails(mentorship)
            if coordinators:
                notify("email/quarterly_report_coordinator", context, coordinators, reply_to)
        else:
            notify(
                "email/quarterly_report_confirmed",
                {**context, "recipient": other},
                [other.user.email],
                mentorship.organization.contact_email,
            )
    return report


def program_coordinator_emails(mentorship: Mentorship) -> list[str]:
    """The coordinators who run the program (coordinators of its organization), not the pair."""
    return list(
        Membership.objects.filter(organization_id=mentorship.organization_id, is_coordinator=True, is_active=True)
        .exclude(pk__in=[mentorship.mentor_id, mentorship.mentee_id])
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


def _context(report: QuarterlyReport, actor: Membership) -> dict:
    mentorship = report.mentorship
    org = mentorship.organization
    return {
        "report": report,
        "mentorship": mentorship,
        "program": mentorship.program,
        "actor": actor,
        "label": report.label,
        "has_barriers": bool(report.barriers.strip()),
        "url": absolute_url(
            "quarterly_report_edit", org_slug=org.slug, pk=mentorship.pk, year=report.year, quarter=report.quarter
        ),
        "program_url": absolute_url("program_reports", org_slug=org.slug, program_slug=mentorship.program.slug)
        + f"?quarter={report.year}-{report.quarter}",
    }


# --- The pair's list --------------------------------------------------------------------------


def pair_overview(mentorship: Mentorship, today: date | None = None) -> list[dict]:
    """One row per quarter of the pairing, newest first: its report's state and whether
    it can be written now. Two queries whatever the history."""
    today = today or timezone.localdate()
    reports = {(r.year, r.quarter): r for r in QuarterlyReport.objects.filter(mentorship=mentorship)}
    open_now = set(open_quarters(mentorship, today))
    quarters = pairing_quarters(mentorship, today)
    for key in [*reports, *open_now]:  # e.g. a start date corrected later: still listed
        if key not in quarters:
            quarters.append(key)
    quarters.sort(reverse=True)
    rows = []
    for year, quarter in quarters:
        report = reports.get((year, quarter))
        first, last = quarter_bounds(year, quarter)
        rows.append(
            {
                "year": year,
                "quarter": quarter,
                "label": quarter_label(year, quarter),
                "report": report,
                "state": report_state(report),
                "open": (year, quarter) in open_now,
                "first": first,
                "last": last,
                "mentor_confirmed": confirmed_by(report, "mentor"),
                "mentee_confirmed": confirmed_by(report, "mentee"),
            }
        )
    return rows


# --- The program office's view ------------------------------------------------------------------


def require_program_coordinator(actor: Membership, program: Program) -> None:
    if actor is None or not actor.is_active or actor.organization_id != program.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if not actor.is_coordinator:
        raise PermissionDenied("Only coordinators read the quarterly reports.")


def program_pairings_for_quarter(program: Program, year: int, quarter: int) -> QuerySet:
    """Every live pairing that had begun by the quarter's end, plus pairings since ended
    whose report for that quarter was submitted."""
    _first, last = quarter_bounds(year, quarter)
    submitted_here = Q(
        quarterly_reports__year=year, quarterly_reports__quarter=quarter, quarterly_reports__submitted_at__isnull=False
    )
    ids = (
        reportable_pairings(program)
        .filter(started_on__lte=last)
        .filter(Q(status__in=LIVE_STATUSES) | submitted_here)
        .values("pk")
    )
    return (
        Mentorship.objects.filter(pk__in=ids)
        .select_related("mentor__user", "mentee__user")
        .order_by("mentor__user__full_name", "mentee__user__full_name", "pk")
    )


def program_report_counts(*, actor: Membership, program: Program, year: int, quarter: int) -> dict:
    """How many pairs stand where for one quarter (two queries)."""
    require_program_coordinator(actor, program)
    pairings = program_pairings_for_quarter(program, year, quarter)
    total = pairings.count()
    reports = QuarterlyReport.objects.filter(mentorship__in=pairings.values("pk"), year=year, quarter=quarter)
    counts = reports.aggregate(
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        barriers_raised=Count("pk", filter=Q(submitted_at__isnull=False) & ~Q(barriers="")),
        # Both confirming the same revision submits the report, so at most one of these holds.
        mentor_confirmed=Count(
            "pk", filter=Q(submitted_at__isnull=True, revision__gt=0, mentor_confirmed_revision=F("revision"))
        ),
        mentee_confirmed=Count(
            "pk", filter=Q(submitted_at__isnull=True, revision__gt=0, mentee_confirmed_revision=F("revision"))
        ),
        started=Count("pk", filter=Q(revision__gt=0) | Q(submitted_at__isnull=False)),
    )
    counts["in_progress"] = (
        counts["started"] - counts["submitted"] - counts["mentor_confirmed"] - counts["mentee_confirmed"]
    )
    counts["not_started"] = total - counts["started"]
    counts["total"] = total
    return counts


def program_report_rows(
    *, actor: Membership, program: Program, year: int, quarter: int, pairings: list[Mentorship] | None = None
) -> list[dict]:
    """One row per pairing (those given, e.g. one page, or all of them): its state and,
    for submitted reports only, the text. Two queries whatever the number of pairings."""
    require_program_coordinator(actor, program)
    if pairings is None:
        pairings = list(program_pairings_for_quarter(program, year, quarter))
    reports = {
        r.mentorship_id: r
        for r in QuarterlyReport.objects.filter(
            mentorship__in=[m.pk for m in pairings], year=year, quarter=quarter
        ).defer(*FIELDS)
    }
    submitted_pks = [r.pk for r in reports.values() if r.submitted_at]
    # The text is read (and decrypted) for submitted reports only: drafts stay with the pair.
    texts = (
        {row["pk"]: row for row in QuarterlyReport.objects.filter(pk__in=submitted_pks).values("pk", *FIELDS)}
        if submitted_pks
        else {}
    )
    rows = []
    for mentorship in pairings:
        report = reports.get(mentorship.pk)
        state = report_state(report)
        text = texts.get(report.pk) if report is not None and report.submitted_at else None
        rows.append(
            {
                "mentorship": mentorship,
                "report": report,
                "state": state,
                "submitted_at": report.submitted_at if report else None,
                "goals_achieved": text["goals_achieved"] if text else "",
                "next_plans": text["next_plans"] if text else "",
                "barriers": text["barriers"] if text else "",
            }
        )
    return rows
