"""A year of history for each demo program: relationships in every stage (some concluded, two
ended early and re-paired, one paused), their meetings with logs, the reminders the pair were
sent and, where the program asks for them, quarterly reports. Written with explicit dates so
that every row sits where it would have: nothing happens before the pairing started or after
it ended, no meeting is logged before it was held, each report falls in its quarter.

How the pairs were made (rounds, votes, offers, requests) is ``demo.history_matching``; what
they signed and the survey they answered is ``demo.history_records``."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from demo.cohort import Cohort
from mentorship.dates import add_months
from programs.models import Membership, Program
from relationships.models import (
    EndReason,
    ExclusionReason,
    Meeting,
    MeetingStatus,
    Mentorship,
    MentorshipStatus,
    Origin,
    PairExclusion,
    Stage,
)
from surveys.models import QuarterlyReport, Reminder, ReminderKind, ReminderStatus
from surveys.periods import quarter_bounds, quarter_of

# Days between meetings, per program model: the society meets about every six weeks, the
# department monthly, the alumni network's virtual pairs about every ten weeks.
INTERVAL_DAYS = {"committee": 45, "hubs": 30, "self_select": 70}


@dataclass
class Plan:
    """One relationship to write: who, since when, and how it stands today."""

    mentor: Membership
    mentee: Membership
    started: date
    status: str = MentorshipStatus.ACTIVE
    ended: date | None = None
    origin: str = Origin.PROPOSAL
    in_round: bool = False  # made by the finished match round
    mentorship: Mentorship | None = None


def at(day: date, hour: int = 15, minute: int = 0) -> datetime:
    """A moment on that day (UTC afternoon: daytime across North America)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def stage_after(meetings_held: int) -> str:
    """The seed's stages: exploration for the first two meetings, understanding for the next
    two, action planning after that."""
    if meetings_held < 2:
        return Stage.EXPLORATION
    if meetings_held < 4:
        return Stage.UNDERSTANDING
    return Stage.ACTION_PLANNING


def plan_relationships(program: Program, cohort: Cohort, mentor_for, spare_mentor: Membership) -> list[Plan]:
    """Last year's cohort: mentee i starts 340 - 14·i days ago. The first two concluded at their
    yearly review, the next two ended early (no fault) and were paired again, one is paused,
    the rest are active; a stretch of them came out of the finished match round."""
    today = timezone.localdate()
    plans = []
    for index, mentee in enumerate(cohort.mentees):
        started = today - timedelta(days=340 - 14 * index)
        plan = Plan(mentor_for(index, mentee), mentee, started)
        if index < 2:
            plan.started = today - timedelta(days=390 - 10 * index)
            plan.status, plan.ended = MentorshipStatus.CONCLUDED, add_months(plan.started, 12)
        elif index < 4:
            plan.status, plan.ended = MentorshipStatus.ENDED, started + timedelta(days=95)
        elif index == 4:
            plan.status = MentorshipStatus.PAUSED
        plan.in_round = 12 <= index < 16
        if program.model == "self_select":
            plan.origin = Origin.REQUEST
        plans.append(plan)
    # The two who ended early were paired again by the coordinator a fortnight later, with the
    # mentor kept free for that.
    for previous in [p for p in plans if p.status == MentorshipStatus.ENDED]:
        plans.append(Plan(spare_mentor, previous.mentee, previous.ended + timedelta(days=14), origin=Origin.MANUAL))
    return plans


def write_relationships(program: Program, plans: list[Plan]) -> list[Mentorship]:
    """Every planned relationship, live for now (its agreement is signed while it is); the
    endings follow with ``apply_endings``."""
    organization = program.organization
    for plan in plans:
        plan.mentorship = Mentorship.objects.create(
            organization=organization,
            program=program,
            mentor=plan.mentor,
            mentee=plan.mentee,
            origin=plan.origin,
            started_on=plan.started,
            planned_end_on=add_months(plan.started, program.min_commitment_months),
            created_at=at(plan.started, 14),
        )
    return [plan.mentorship for plan in plans]


def apply_endings(program: Program, plans: list[Plan]) -> None:
    """How each relationship stands today: concluded at its review, ended early (a pair never
    to be proposed again), paused, or still active."""
    for plan in plans:
        if plan.status == MentorshipStatus.ACTIVE:
            continue
        ended_at = at(plan.ended, 17) if plan.ended else None
        reason = {MentorshipStatus.ENDED: EndReason.NO_FAULT, MentorshipStatus.CONCLUDED: EndReason.CONCLUDED}
        Mentorship.objects.filter(pk=plan.mentorship.pk).update(
            status=plan.status,
            ended_at=ended_at,
            ended_by=plan.mentee if plan.status == MentorshipStatus.ENDED else None,
            end_reason=reason.get(plan.status, ""),
        )
        plan.mentorship.status = plan.status
        if plan.status == MentorshipStatus.ENDED:
            PairExclusion.objects.get_or_create(
                program=program,
                mentor=plan.mentor,
                mentee=plan.mentee,
                defaults={
                    "organization": program.organization,
                    "reason": ExclusionReason.ENDED,
                    "created_at": ended_at,
                },
            )


AGENDAS = (
    "Introductions; what each of us hopes to get out of this year; how often and how we meet.",
    "My five-year plan, and where I'm stuck on it.",
    "The leadership role I've been offered: should I take it, and what would I give up?",
    "Going through the draft of my paper; the reviewers' comments.",
    "Contract negotiation: what to ask for and what to let go.",
    "Time management: clinic templates, saying no, protecting writing time.",
)
SUMMARIES = (
    "Got to know each other. Agreed to meet about every six weeks by video, with the agenda sent a few days ahead.",
    "Walked through the five-year plan. Narrowed it to two priorities for this year; the rest can wait.",
    "Talked through the committee offer. Decided to accept for one term and drop one clinic session to make room.",
    "Reviewed the manuscript together; a clear plan for the revision and a target date for resubmission.",
    "Prepared for the contract meeting: three asks in order of importance and what a fair compromise looks like.",
    "Looked back over the year so far. Good progress on both goals; the next step is the grant application.",
)


def write_meetings(program: Program, plans: list[Plan]) -> int:
    """Meetings from a fortnight after each start, every INTERVAL_DAYS, until today or the end:
    held and logged (one in five live pairs has not logged its latest yet), then one upcoming
    meeting for a live pair. The pair's stage follows the meetings it held."""
    interval = INTERVAL_DAYS.get(program.model, 45)
    now, today = timezone.now(), timezone.localdate()
    meetings = []
    for index, plan in enumerate(plans):
        mentorship = plan.mentorship
        last_day = plan.ended or today
        day, held = plan.started + timedelta(days=14), 0
        unlogged_latest = mentorship.status == MentorshipStatus.ACTIVE and index % 5 == 0
        while day < last_day:
            starts = at(day, 15 + index % 4)
            if starts >= now:
                break
            is_latest = day + timedelta(days=interval) >= last_day
            logger = plan.mentee if held % 2 == 0 else plan.mentor
            meeting = Meeting(
                organization=program.organization,
                mentorship=mentorship,
                scheduled_by=plan.mentee,
                starts_at=starts,
                duration_minutes=60,
                mode=("video", "phone", "in_person")[held % 3] if program.model != "self_select" else "video",
                agenda=AGENDAS[held % len(AGENDAS)],
                agenda_updated_at=starts - timedelta(days=3),
                stage=stage_after(held),
                created_at=starts - timedelta(days=10),
            )
            if unlogged_latest and is_latest and starts >= now - timedelta(days=interval):
                meeting.status = MeetingStatus.SCHEDULED  # held, waiting to be logged
            else:
                logged_at = min(starts + timedelta(hours=20), now)
                meeting.status = MeetingStatus.HELD
                meeting.summary = SUMMARIES[held % len(SUMMARIES)]
                meeting.held_minutes = 45 + 15 * (held % 2)
                meeting.logged_by = logger
                meeting.logged_at = logged_at
                held += 1
            meetings.append(meeting)
            day += timedelta(days=interval)
        if mentorship.status == MentorshipStatus.ACTIVE:
            upcoming = max(day, today + timedelta(days=5 + index % 20))
            meetings.append(
                Meeting(
                    organization=program.organization,
                    mentorship=mentorship,
                    scheduled_by=plan.mentor,
                    starts_at=at(upcoming, 16),
                    mode="video",
                    agenda=AGENDAS[held % len(AGENDAS)] if index % 2 == 0 else "",
                    agenda_updated_at=now - timedelta(days=1) if index % 2 == 0 else None,
                    stage=stage_after(held),
                    created_at=now - timedelta(days=7),
                )
            )
        stage = stage_after(held)
        if mentorship.stage != stage:
            Mentorship.objects.filter(pk=mentorship.pk).update(stage=stage)
            mentorship.stage = stage
    Meeting.objects.bulk_create(meetings)
    return len(meetings)


def _reminder(program, plan, recipient, kind, key, due_on, sent_at, **context) -> Reminder:
    slug = program.organization.slug
    return Reminder(
        organization=program.organization,
        recipient=recipient,
        program=program,
        mentorship=plan.mentorship,
        kind=kind,
        key=f"{key}:{recipient.pk}",
        period=str(due_on),
        due_on=due_on,
        path=f"/o/{slug}/mentorships/{plan.mentorship.pk}/",
        context={"program": program.name, **context},
        status=ReminderStatus.SENT,
        attempts=1,
        handed_out_at=sent_at,
        sent_at=sent_at,
        created_at=sent_at - timedelta(minutes=2),
    )


def write_reminders(program: Program, plans: list[Plan]) -> int:
    """What the nightly scan sent each pair: the first meeting due, then a check-in every
    second interval while the pair was live, and the quarterly report in the last fortnight
    of each quarter (programs with reports)."""
    interval = INTERVAL_DAYS.get(program.model, 45)
    now, today = timezone.now(), timezone.localdate()
    rows = []
    for plan in plans:
        pk, last_day = plan.mentorship.pk, plan.ended or today
        for person in (plan.mentor, plan.mentee):
            due = plan.started + timedelta(days=program.first_meeting_days)
            sent = at(plan.started + timedelta(days=7), 13)
            if sent < now:
                rows.append(
                    _reminder(program, plan, person, ReminderKind.FIRST_MEETING, f"first_meeting:{pk}", due, sent)
                )
            due = plan.started + timedelta(days=2 * interval)
            while due < last_day:
                sent = at(due - timedelta(days=7), 13)
                rows.append(_reminder(program, plan, person, ReminderKind.CHECKIN, f"checkin:{pk}:{due}", due, sent))
                due += timedelta(days=2 * interval)
            if program.quarterly_reports:
                for year, quarter in report_quarters(plan):
                    _, end = quarter_bounds(year, quarter)
                    sent = at(end - timedelta(days=14), 13)
                    if sent < now and end - timedelta(days=14) >= plan.started:
                        key = f"quarterly_report:{pk}:{year}Q{quarter}"
                        rows.append(_reminder(program, plan, person, ReminderKind.QUARTERLY_REPORT, key, end, sent))
    Reminder.objects.bulk_create(rows)
    return len(rows)


def report_quarters(plan: Plan) -> list[tuple[int, int]]:
    """The quarters the pair was live in that are over (reports for them are due)."""
    today = timezone.localdate()
    last_day = plan.ended or today
    quarters, (year, quarter) = [], quarter_of(plan.started)
    while True:
        first, end = quarter_bounds(year, quarter)
        if end >= today or first > last_day:
            return quarters
        quarters.append((year, quarter))
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def write_reports(program: Program, plans: list[Plan]) -> int:
    """Joint quarterly reports (programs that ask for them): submitted in the last days of each
    quarter the pair was live in, both having confirmed the text; the pair that started late
    in a quarter skips it."""
    if not program.quarterly_reports:
        return 0
    now = timezone.now()
    rows = []
    for index, plan in enumerate(plans):
        for number, (year, quarter) in enumerate(report_quarters(plan)):
            _, end = quarter_bounds(year, quarter)
            written = end - timedelta(days=3 + index % 5)
            ended = plan.ended or end
            written = min(written, ended)
            if written <= plan.started + timedelta(days=7):
                continue
            moment = at(written, 18)
            rows.append(
                QuarterlyReport(
                    organization=program.organization,
                    mentorship=plan.mentorship,
                    year=year,
                    quarter=quarter,
                    goals_achieved=SUMMARIES[number % len(SUMMARIES)],
                    next_plans=AGENDAS[(number + 1) % len(AGENDAS)],
                    barriers="Clinical load made it hard to keep the meeting dates; we moved two by a week."
                    if number % 2
                    else "None worth mentioning this quarter.",
                    revision=2,
                    updated_by=plan.mentee,
                    updated_at=moment,
                    mentor_confirmed_revision=2,
                    mentee_confirmed_revision=2,
                    submitted_at=min(moment + timedelta(hours=2), now),
                    created_at=moment - timedelta(days=2),
                )
            )
    QuarterlyReport.objects.bulk_create(rows)
    return len(rows)
