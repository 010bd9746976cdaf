"""Reminders worked out from the data, recorded before they are sent, sent exactly once.

The daily scan (``scan``) asks the data what is due today for every live pairing and
program — check-ins at the program's cadence, the first meeting, the senior mentor's hub
review, quarterly reports, yearly reviews, surveys and the 6-month assessment, and
consents, signatures and requests going stale — and records one ``Reminder`` row per
(what, who, which period) under a unique key. Nothing is sent by the scan itself:

1. Recording is idempotent. The key names the *period* (a due date, a quarter, a survey
   invitation), never the day of the scan, so a second scan, a second beat or a scan
   after days of downtime finds the key taken: one reminder per item, not one per day.
2. Workers claim rows with one conditional UPDATE (pending → sending, with a claim token)
   before sending, and mark each row sent right after its message is handed to the mail
   server. Two workers never hold the same row.
3. A worker that dies mid-batch leaves its unsent rows "sending"; once the claim is older
   than ``REMINDER_CLAIM_LEASE_SECONDS`` the next scan (or sweep) hands them out again.
   The only window for a duplicate is between the mail server accepting a message and
   the row being marked sent; each message carries a Message-ID derived from its key, so
   a duplicate in that window is dropped by mail systems that de-duplicate on it.
"""

import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Max, Min, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature, SigningConsent
from agreements.models_record import MeetingStatus
from agreements.models_review import REVIEW_INTERVAL_MONTHS, YearlyReview
from agreements.record_services import next_contact_due
from matching.models import (
    LIVE_STATUSES,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    Origin,
    Proposal,
    ProposalStatus,
    RequestStatus,
    Response,
)
from mentorship import mail
from programs.models import Cadence, Membership
from surveys.models import (
    NON_ESSENTIAL_KINDS,
    QuarterlyReport,
    Reminder,
    ReminderKind,
    ReminderScan,
    ReminderStatus,
    SurveyInvitation,
    SurveyStatus,
)
from surveys.periods import REPORT_GRACE_DAYS, add_months, open_report_quarters, quarter_bounds, quarter_of
from surveys.reminder_services import unsubscribe_url
from surveys.rules import display_name, senior_review_due

logger = logging.getLogger(__name__)

LEAD_DAYS = 7  # a check-in or first meeting is announced this many days before it is due
SENIOR_REVIEW_LEAD_DAYS = 14
QUARTERLY_REPORT_LEAD_DAYS = 14
CONSENT_STALE_DAYS = 7  # an offer nobody answered for a week
SIGNATURE_STALE_DAYS = 5  # an agreement waiting for a signature
DRAFT_STALE_DAYS = 14  # a draft agreement nobody has touched
SURVEY_LAST_CALL_DAYS = 3
ASSESSMENT_SURVEY = "six_month_assessment"
KEY_CHUNK = 1000


@dataclass(slots=True)
class Due:
    organization_id: int
    recipient_id: int
    kind: str
    key: str
    path: str
    program_id: int | None = None
    mentorship_id: int | None = None
    period: str = ""
    due_on: date | None = None
    context: dict = field(default_factory=dict)


@lru_cache(maxsize=64)
def _path_template(name: str, kwarg: str | None) -> str:
    kwargs = {"org_slug": "__org__"}
    if kwarg:
        kwargs[kwarg] = 987654321 if kwarg in ("pk",) else "__arg__"
    return reverse(name, kwargs=kwargs)


def _path(name: str, org_slug: str, kwarg: str | None = None, value=None) -> str:
    """``reverse()`` once per URL name, then string substitution: the scan builds paths
    for every due item, and reverse() per row would dominate at 50,000 pairings."""
    path = _path_template(name, kwarg).replace("__org__", org_slug)
    if kwarg:
        path = path.replace("987654321" if kwarg == "pk" else "__arg__", str(value))
    return path


def _unprefix(row: dict) -> dict:
    """Rows whose aliases had to avoid a model's own field names (Agreement.mentor_name)."""
    return {key.removeprefix("x_"): value for key, value in row.items()}


# --- What is due -----------------------------------------------------------------------------


def _pairings(now) -> list[dict]:
    """Every live pairing with what the rules need, in one query."""
    return list(
        Mentorship.objects.filter(status__in=LIVE_STATUSES)
        .annotate(
            last_held=Max("meetings__starts_at", filter=Q(meetings__status=MeetingStatus.HELD)),
            next_scheduled=Min(
                "meetings__starts_at",
                filter=Q(meetings__status=MeetingStatus.SCHEDULED, meetings__starts_at__gte=now),
            ),
        )
        .values(
            "pk",
            "organization_id",
            "origin",
            "status",
            "started_on",
            "last_held",
            "next_scheduled",
            "mentor_id",
            "mentee_id",
            "program_id",
            org_slug=F("organization__slug"),
            program_name=F("program__name"),
            cadence=F("program__meeting_cadence"),
            first_meeting_days=F("program__first_meeting_days"),
            reports_enabled=F("program__quarterly_reports"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
        .order_by()
    )


def _parties(row: dict) -> list[tuple[int, str, str]]:
    """(recipient, their role, the other person's name) for both people of a pairing."""
    mentor = display_name(row["mentor_name"], row["mentor_email"])
    mentee = display_name(row["mentee_name"], row["mentee_email"])
    return [(row["mentor_id"], "mentor", mentee), (row["mentee_id"], "mentee", mentor)]


def _pair_due(row: dict, kind: str, key: str, path: str, **extra) -> Iterator[Due]:
    for recipient, role, other in _parties(row):
        yield Due(
            organization_id=row["organization_id"],
            recipient_id=recipient,
            kind=kind,
            key=f"{key}:{recipient}",
            path=path,
            program_id=row["program_id"],
            mentorship_id=row["pk"],
            period=extra.get("period", ""),
            due_on=extra.get("due_on"),
            context={"program": row["program_name"], "other": other, "role": role, **extra.get("context", {})},
        )


def due_meetings(rows: list[dict], today: date) -> Iterator[Due]:
    """The first meeting within the program's deadline, then check-ins at its cadence;
    for a senior mentor's pairing with a hub mentor, the review every 6 months (seed 002)."""
    for row in rows:
        slug, pk = row["org_slug"], row["pk"]
        path = _path("meeting_list", slug, "pk", pk)
        last_held = timezone.localdate(row["last_held"]) if row["last_held"] else None
        scheduled = row["next_scheduled"] is not None
        if row["status"] != MentorshipStatus.ACTIVE:
            continue  # a paused pairing is not expected to meet
        if row["origin"] == Origin.SENIOR:
            due_on = senior_review_due(row["started_on"], last_held, today + timedelta(days=SENIOR_REVIEW_LEAD_DAYS))
            if today < due_on - timedelta(days=SENIOR_REVIEW_LEAD_DAYS):
                continue
            yield from _pair_due(
                row,
                ReminderKind.SENIOR_REVIEW,
                f"senior_review:{pk}:{due_on}",
                path,
                period=str(due_on),
                due_on=due_on,
            )
            continue
        due_on = next_contact_due(
            started_on=row["started_on"],
            first_meeting_days=row["first_meeting_days"],
            cadence=row["cadence"],
            last_held_on=last_held,
        )
        if last_held is None:  # due_on is the first-meeting due_on
            if today > due_on:
                yield from _pair_due(
                    row,
                    ReminderKind.FIRST_MEETING_MISSED,
                    f"first_meeting_missed:{pk}",
                    path,
                    period=str(due_on),
                    due_on=due_on,
                )
            elif today >= due_on - timedelta(days=LEAD_DAYS) and not scheduled:
                yield from _pair_due(
                    row, ReminderKind.FIRST_MEETING, f"first_meeting:{pk}", path, period=str(due_on), due_on=due_on
                )
            continue
        if today >= due_on - timedelta(days=LEAD_DAYS) and not scheduled:
            yield from _pair_due(
                row,
                ReminderKind.CHECKIN,
                f"checkin:{pk}:{due_on}",
                path,
                period=str(due_on),
                due_on=due_on,
                context={"cadence": dict(Cadence.choices).get(row["cadence"], "Quarterly").lower()},
            )


def due_quarterly_reports(rows: list[dict], today: date) -> Iterator[Due]:
    """The joint quarterly report (seed 002): in the last two weeks of a quarter, and in the
    grace period after it, to whichever party has not confirmed it yet."""
    rows = [r for r in rows if r["reports_enabled"] and r["origin"] != Origin.SENIOR]
    if not rows:
        return
    current = quarter_of(today)
    quarters = open_report_quarters(today, date.min)
    reports = {
        (r["mentorship_id"], r["year"], r["quarter"]): r
        for r in QuarterlyReport.objects.filter(
            Q(year=quarters[0][0], quarter=quarters[0][1]) | Q(year=current[0], quarter=current[1]),
            mentorship__status__in=LIVE_STATUSES,
        ).values(
            "mentorship_id",
            "year",
            "quarter",
            "revision",
            "submitted_at",
            "mentor_confirmed_revision",
            "mentee_confirmed_revision",
        )
    }
    for row in rows:
        for year, quarter in open_report_quarters(today, row["started_on"]):
            first, last = quarter_bounds(year, quarter)
            if (year, quarter) == current and today < last - timedelta(days=QUARTERLY_REPORT_LEAD_DAYS):
                continue
            report = reports.get((row["pk"], year, quarter))
            if report and report["submitted_at"]:
                continue
            label = f"Q{quarter} {year}"
            path = _path("quarterly_report", row["org_slug"], "pk", row["pk"])
            # A past quarter's report can still be written during the grace period.
            due_on = last if (year, quarter) == current else last + timedelta(days=REPORT_GRACE_DAYS)
            for due in _pair_due(
                row,
                ReminderKind.QUARTERLY_REPORT,
                f"quarterly_report:{row['pk']}:{year}Q{quarter}",
                path,
                period=f"{year}Q{quarter}",
                due_on=due_on,
                context={"quarter": label},
            ):
                role = due.context["role"]
                if report and report[f"{role}_confirmed_revision"] == report["revision"]:
                    continue  # this party has confirmed; the other one is reminded
                yield due


def open_due_yearly_reviews(today: date) -> int:
    """Open the yearly review of every live pairing whose review has fallen due (a year
    after the first signed agreement or the start, then a year after the last review)."""
    rows = (
        Mentorship.objects.filter(status__in=LIVE_STATUSES, program__yearly_review=True)
        .annotate(
            first_signed=Min("agreements__signed_at"),
            last_review=Max("yearly_reviews__due_on", filter=Q(yearly_reviews__completed_at__isnull=False)),
            open_reviews=Max("yearly_reviews__pk", filter=Q(yearly_reviews__completed_at__isnull=True)),
        )
        .filter(open_reviews__isnull=True)
        .values("pk", "organization_id", "started_on", "first_signed", "last_review")
        .order_by()
    )
    new = []
    for row in rows:
        if row["last_review"]:
            due_on = add_months(row["last_review"], REVIEW_INTERVAL_MONTHS)
        else:
            base = timezone.localdate(row["first_signed"]) if row["first_signed"] else row["started_on"]
            due_on = add_months(base, REVIEW_INTERVAL_MONTHS)
        if due_on <= today:
            new.append(YearlyReview(organization_id=row["organization_id"], mentorship_id=row["pk"], due_on=due_on))
    # ignore_conflicts: a pair opening its review at this moment, or a second scan, wins.
    YearlyReview.objects.bulk_create(new, batch_size=KEY_CHUNK, ignore_conflicts=True)
    return len(new)


def due_yearly_reviews(today: date) -> Iterator[Due]:
    """Both parties of an open review that is due, until each has answered (seed 004)."""
    reviews = YearlyReview.objects.filter(
        completed_at__isnull=True, due_on__lte=today, mentorship__status__in=LIVE_STATUSES
    ).values(
        "pk",
        "due_on",
        "mentor_answer",
        "mentee_answer",
        "mentorship_id",
        "organization_id",
        org_slug=F("organization__slug"),
        program_id=F("mentorship__program_id"),
        program_name=F("mentorship__program__name"),
        mentor_id=F("mentorship__mentor_id"),
        mentee_id=F("mentorship__mentee_id"),
        mentor_name=F("mentorship__mentor__user__full_name"),
        mentor_email=F("mentorship__mentor__user__email"),
        mentee_name=F("mentorship__mentee__user__full_name"),
        mentee_email=F("mentorship__mentee__user__email"),
    )
    for review in reviews:
        row = {**review, "pk": review["mentorship_id"]}
        path = _path("mentorship_review", review["org_slug"], "pk", review["mentorship_id"])
        for due in _pair_due(
            row,
            ReminderKind.YEARLY_REVIEW,
            f"yearly_review:{review['pk']}",
            path,
            period=str(review["due_on"]),
            due_on=review["due_on"],
        ):
            if not review[f"{due.context['role']}_answer"]:
                yield due


def due_consents(now) -> Iterator[Due]:
    """Offers one party has left unanswered for a week (seed 000: both must agree)."""
    offers = Proposal.objects.filter(
        status=ProposalStatus.OFFERED, offered_at__lte=now - timedelta(days=CONSENT_STALE_DAYS)
    ).values(
        "pk",
        "organization_id",
        "program_id",
        "mentor_id",
        "mentee_id",
        "mentor_response",
        "mentee_response",
        "offered_at",
        org_slug=F("organization__slug"),
        program_name=F("program__name"),
    )
    for offer in offers:
        for role in ("mentor", "mentee"):
            if offer[f"{role}_response"] != Response.PENDING:
                continue
            recipient = offer[f"{role}_id"]
            yield Due(
                organization_id=offer["organization_id"],
                recipient_id=recipient,
                kind=ReminderKind.CONSENT,
                key=f"consent:{offer['pk']}:{recipient}",
                path=_path("offer_list", offer["org_slug"]),
                program_id=offer["program_id"],
                period=str(timezone.localdate(offer["offered_at"])),
                context={"program": offer["program_name"], "role": role},
            )


def due_signatures(now) -> Iterator[Due]:
    """Agreements waiting for a signature, and drafts nobody has touched for two weeks."""
    agreements = Agreement.objects.filter(
        Q(status=AgreementStatus.AWAITING, updated_at__lte=now - timedelta(days=SIGNATURE_STALE_DAYS))
        | Q(status=AgreementStatus.DRAFT, updated_at__lte=now - timedelta(days=DRAFT_STALE_DAYS)),
        mentorship__status__in=LIVE_STATUSES,
    ).values(
        "pk",
        "status",
        "version",
        "revision",
        "organization_id",
        "mentorship_id",
        org_slug=F("organization__slug"),
        program_id=F("mentorship__program_id"),
        program_label=F("mentorship__program__name"),
        x_mentor_id=F("mentorship__mentor_id"),
        x_mentee_id=F("mentorship__mentee_id"),
        # The names the version froze (what the pair signs), the account's for older rows.
        x_mentor_name=Coalesce(NullIf(F("mentor_name"), Value("")), F("mentorship__mentor__user__full_name")),
        x_mentor_email=F("mentorship__mentor__user__email"),
        x_mentee_name=Coalesce(NullIf(F("mentee_name"), Value("")), F("mentorship__mentee__user__full_name")),
        x_mentee_email=F("mentorship__mentee__user__email"),
    )
    agreements = [_unprefix(row) for row in agreements]
    signed = set(
        Signature.objects.filter(agreement_id__in=[a["pk"] for a in agreements]).values_list("agreement_id", "role")
    )
    # Whoever withdrew consent to sign electronically signs on paper (the program office
    # arranges it): no "review and sign" nudges for them.
    on_paper = set(
        SigningConsent.objects.filter(
            membership__in=[m for a in agreements for m in (a["mentor_id"], a["mentee_id"])], withdrawn_at__isnull=False
        ).values_list("membership_id", flat=True)
    )
    for agreement in agreements:
        row = {**agreement, "pk": agreement["mentorship_id"], "program_name": agreement["program_label"]}
        awaiting = agreement["status"] == AgreementStatus.AWAITING
        for due in _pair_due(
            row,
            ReminderKind.SIGNATURE,
            f"signature:{agreement['pk']}:{agreement['status']}:{agreement['revision']}",
            _path("agreement_detail", agreement["org_slug"], "pk", agreement["mentorship_id"]),
            period=f"v{agreement['version']}.{agreement['revision']}",
            context={"awaiting": awaiting, "version": agreement["version"]},
        ):
            if (agreement["pk"], due.context["role"]) in signed:
                continue
            if awaiting and due.recipient_id in on_paper:
                continue
            yield due


def due_requests(now) -> Iterator[Due]:
    """A mentee's request once half of the mentor's time to answer has passed (seed 003)."""
    requests = MentorshipRequest.objects.filter(status=RequestStatus.OPEN, expires_at__gt=now).values(
        "pk",
        "organization_id",
        "program_id",
        "mentor_id",
        "created_at",
        "expires_at",
        org_slug=F("organization__slug"),
        program_name=F("program__name"),
        mentee_name=F("mentee__user__full_name"),
        mentee_email=F("mentee__user__email"),
    )
    for request in requests:
        if now < request["created_at"] + (request["expires_at"] - request["created_at"]) / 2:
            continue
        expires_on = timezone.localdate(request["expires_at"])
        yield Due(
            organization_id=request["organization_id"],
            recipient_id=request["mentor_id"],
            kind=ReminderKind.REQUEST,
            key=f"request:{request['pk']}:{request['mentor_id']}",
            path=_path("request_list", request["org_slug"]),
            program_id=request["program_id"],
            period=str(expires_on),
            due_on=expires_on,
            context={
                "program": request["program_name"],
                "other": display_name(request["mentee_name"], request["mentee_email"]),
            },
        )


def due_surveys(today: date) -> Iterator[Due]:
    """An invitation to every open survey wave (the 6-month assessment among them), and a
    last call a few days before the wave closes to those who have not answered."""
    invitations = SurveyInvitation.objects.filter(
        answered=False,
        wave__opens_on__lte=today,
        wave__closes_on__gte=today,
        wave__survey__status=SurveyStatus.ACTIVE,
    ).values(
        "pk",
        "token",
        "organization_id",
        "membership_id",
        "program_id",
        "created_at",
        org_slug=F("organization__slug"),
        title=F("wave__survey__title"),
        builtin=F("wave__survey__builtin"),
        opens_on=F("wave__opens_on"),
        closes_on=F("wave__closes_on"),
        mentorship_id=F("wave__mentorship_id"),
    )
    for invitation in invitations:
        path = _path("survey_answer", invitation["org_slug"], "token", invitation["token"])
        common = {
            "organization_id": invitation["organization_id"],
            "recipient_id": invitation["membership_id"],
            "path": path,
            "program_id": invitation["program_id"],
            "mentorship_id": invitation["mentorship_id"],
            "due_on": invitation["closes_on"],
            "context": {"survey": invitation["title"], "invitation": invitation["pk"]},
        }
        kind = ReminderKind.ASSESSMENT if invitation["builtin"] == ASSESSMENT_SURVEY else ReminderKind.SURVEY
        yield Due(kind=kind, key=f"survey:{invitation['pk']}", period=str(invitation["opens_on"]), **common)
        long_enough = (invitation["closes_on"] - invitation["opens_on"]).days >= 2 * SURVEY_LAST_CALL_DAYS
        invited_before = timezone.localdate(invitation["created_at"]) <= today - timedelta(days=SURVEY_LAST_CALL_DAYS)
        if long_enough and invited_before and (invitation["closes_on"] - today).days <= SURVEY_LAST_CALL_DAYS:
            yield Due(
                kind=ReminderKind.SURVEY_LAST_CALL,
                key=f"survey_last_call:{invitation['pk']}",
                period=str(invitation["closes_on"]),
                **common,
            )


def due_items(today: date, now=None) -> Iterator[Due]:
    """Everything due on ``today`` (outside any tenant scope: the scan spans organizations)."""
    now = now or timezone.now()
    from surveys import survey_services

    survey_services.ensure_builtin_surveys()
    survey_services.open_due_waves(today)
    open_due_yearly_reviews(today)
    rows = _pairings(now)
    yield from due_meetings(rows, today)
    yield from due_quarterly_reports(rows, today)
    yield from due_yearly_reviews(today)
    yield from due_consents(now)
    yield from due_signatures(now)
    yield from due_requests(now)
    yield from due_surveys(today)


# --- Recording and handing out -------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def record(dues: Iterable[Due]) -> int:
    """Record each due item once (its key is unique); returns how many were new. A person
    who turned nudges off gets non-essential ones recorded as skipped, not sent."""
    quiet = set(Membership.objects.filter(nudges_enabled=False).values_list("pk", flat=True))
    inactive = set(Membership.objects.filter(is_active=False).values_list("pk", flat=True))
    created = 0
    batch: dict[str, Due] = {}

    def flush() -> int:
        taken = set(Reminder.objects.filter(key__in=list(batch)).values_list("key", flat=True))
        now = timezone.now()
        rows = [
            Reminder(
                organization_id=due.organization_id,
                recipient_id=due.recipient_id,
                program_id=due.program_id,
                mentorship_id=due.mentorship_id,
                kind=due.kind,
                key=due.key[:200],
                period=due.period[:40],
                due_on=due.due_on,
                path=due.path[:300],
                context=due.context,
                status=ReminderStatus.SKIPPED
                if due.kind in NON_ESSENTIAL_KINDS and due.recipient_id in quiet
                else ReminderStatus.PENDING,
                created_at=now,
            )
            for key, due in batch.items()
            if key not in taken
        ]
        # ignore_conflicts: a scan running at the same moment may have recorded some.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        batch.clear()
        return len(rows)

    for due in dues:
        if due.recipient_id in inactive:
            continue
        batch[due.key] = due
        if len(batch) >= KEY_CHUNK:
            created += flush()
    if batch:
        created += flush()
    return created


def lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


def ids_to_send() -> list[int]:
    """Rows to hand to workers: those never handed out, those handed out a lease ago and
    still waiting (their task was lost, or a send failed and released them), and those
    claimed by a worker that died. A row handed out moments ago is left to its task."""
    stale = timezone.now() - lease()
    return list(
        Reminder.objects.filter(
            Q(status=ReminderStatus.PENDING, handed_out_at__isnull=True)
            | Q(status=ReminderStatus.PENDING, handed_out_at__lt=stale)
            | (
                Q(status=ReminderStatus.SENDING, claimed_at__lt=stale)
                & (Q(handed_out_at__isnull=True) | Q(handed_out_at__lt=stale))
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def enqueue(ids: list[int]) -> int:
    from surveys.tasks import send_reminders

    for batch in _chunks(ids, settings.REMINDER_BATCH_SIZE):
        Reminder.objects.filter(pk__in=batch).update(handed_out_at=timezone.now())
        send_reminders.delay_on_commit(batch)
    return len(ids)


def scan(today: date | None = None) -> ReminderScan:
    """The daily scan: record what is due, then hand the unsent reminders to workers."""
    today = today or timezone.localdate()
    with scopes_disabled():
        run = ReminderScan.objects.create(today=today)
        run.recorded = record(due_items(today))
        run.enqueued = enqueue(ids_to_send())
        run.finished_at = timezone.now()
        run.save(update_fields=["recorded", "enqueued", "finished_at"])
    logger.info("Reminder scan for %s: %s recorded, %s handed out", today, run.recorded, run.enqueued)
    return run


def sweep() -> int:
    """Hand out reminders left behind by a lost task or a dead worker (runs often)."""
    with scopes_disabled():
        return enqueue(ids_to_send())


# --- Sending ----------------------------------------------------------------------------------


def claim(ids: list[int]) -> uuid.UUID:
    """Claim the given rows that are free (pending, or held by a claim past its lease)
    with one conditional UPDATE; only this call's token can mark them sent."""
    token = uuid.uuid4()
    now = timezone.now()
    Reminder.objects.filter(pk__in=ids).filter(
        Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.SENDING, claimed_at__lt=now - lease())
    ).update(status=ReminderStatus.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return token


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = (settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "localhost"
    return f"<reminder.{digest}@{domain}>"


def _copy(reminder: Reminder) -> dict:
    """What the email says: a headline, the facts, and the one thing to click."""
    c = reminder.context or {}
    due = reminder.due_on
    due_text = f"{due.day} {due:%B %Y}" if due else ""
    today = timezone.localdate()
    overdue = bool(due and due < today)
    other, program = c.get("other", ""), c.get("program", "")
    kind = reminder.kind
    if kind == ReminderKind.CHECKIN:
        when = f"was due on {due_text}" if overdue else f"is due by {due_text}"
        return {
            "headline": f"Time to check in with {other}",
            "lines": [
                f"{program} asks pairs to be in touch {c.get('cadence', 'quarterly')}. "
                f"Your next contact with {other} {when}.",
                "Schedule the meeting now; you will both get a calendar invitation.",
            ],
            "action": "Schedule a meeting",
        }
    if kind == ReminderKind.FIRST_MEETING:
        return {
            "headline": f"Your first meeting with {other} is due by {due_text}",
            "lines": [f"{program} asks new pairs to meet within their first weeks. Pick a time that suits you both."],
            "action": "Schedule the first meeting",
        }
    if kind == ReminderKind.FIRST_MEETING_MISSED:
        days = (today - due).days if due else 0
        return {
            "headline": f"Your first meeting with {other} has not been logged",
            "lines": [
                f"{program} asked for a first meeting by {due_text}; "
                f"that was {days} day{'s' if days != 1 else ''} ago.",
                "If you have met, log the meeting; if not, schedule it now.",
            ],
            "action": "Schedule or log the meeting",
        }
    if kind == ReminderKind.SENIOR_REVIEW:
        return {
            "headline": f"The 6-monthly hub review with {other} is due by {due_text}",
            "lines": [
                f"In {program}, the senior mentor meets each hub mentor and their mentees every six months "
                "to see how the hub is progressing.",
            ],
            "action": "Schedule the review meeting",
        }
    if kind == ReminderKind.QUARTERLY_REPORT:
        return {
            "headline": f"Your joint report for {c.get('quarter', '')} is due by {due_text}",
            "lines": [
                f"You and {other} write it together: goals achieved, plans for the next quarter, and any "
                "barriers to ongoing success. It goes to the program office once you have both confirmed it.",
            ],
            "action": "Open the report",
        }
    if kind == ReminderKind.YEARLY_REVIEW:
        return {
            "headline": f"Your yearly review with {other} is due",
            "lines": [
                f"It was due on {due_text}. Each of you answers: continue, restructure, or conclude.",
            ],
            "action": "Answer the review",
        }
    if kind in (ReminderKind.SURVEY, ReminderKind.ASSESSMENT):
        return {
            "headline": f"{c.get('survey', 'A survey')}: your answers, please",
            "lines": [
                "It takes a few minutes and helps the program office improve the program."
                if kind == ReminderKind.SURVEY
                else "Six months in, take a few minutes to assess how the partnership is going.",
                f"It is open until {due_text}.",
            ],
            "action": "Answer now",
        }
    if kind == ReminderKind.SURVEY_LAST_CALL:
        return {
            "headline": f"Last days to answer: {c.get('survey', 'the survey')}",
            "lines": [f"It closes on {due_text}."],
            "action": "Answer now",
        }
    if kind == ReminderKind.CONSENT:
        return {
            "headline": f"A pairing in {program} is waiting for your answer",
            "lines": [
                "The program has offered you a pairing. It becomes final only when both of you accept; "
                "declining is private and final.",
            ],
            "action": "Accept or decline",
        }
    if kind == ReminderKind.SIGNATURE:
        if c.get("awaiting"):
            return {
                "headline": "Your mentoring agreement is waiting for your signature",
                "lines": [
                    f"{other} and you agreed the text of version {c.get('version', 1)}; it needs your signature."
                ],
                "action": "Review and sign",
            }
        return {
            "headline": f"Your mentoring agreement with {other} is still a draft",
            "lines": ["Finish the agreement together and send it for signatures."],
            "action": "Open the agreement",
        }
    if kind == ReminderKind.REQUEST:
        return {
            "headline": f"{other} is waiting for your answer",
            "lines": [f"Their request in {program} expires on {due_text} if you do not answer."],
            "action": "Accept or decline",
        }
    return {"headline": reminder.get_kind_display(), "lines": [], "action": "Open"}


def build_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The reminder's email, text and HTML through the one email path's builder. A nudge
    (a reminder the person may turn off) carries a one-click unsubscribe (RFC 8058)."""
    recipient = reminder.recipient
    nudge = reminder.kind in NON_ESSENTIAL_KINDS
    headers = {"Message-ID": message_id(reminder.key), "Auto-Submitted": "auto-generated"}
    context = {
        **_copy(reminder),
        "organization": reminder.organization.name,
        "name": recipient.user.full_name or recipient.user.email,
        "link": settings.SITE_URL + reminder.path,
        "essential": not nudge,
        "settings_link": settings.SITE_URL + _path("notification_settings", reminder.organization.slug),
    }
    if nudge:
        context["unsubscribe_link"] = unsubscribe_url(recipient)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_link']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    contact = reminder.organization.contact_email
    return mail.build_message(
        mail.render_email(
            "email/reminder",
            context,
            to=[recipient.user.email],
            reply_to=[contact] if contact else None,
            headers=headers,
        )
    )


MAX_ATTEMPTS = 5


SURVEY_KINDS = (ReminderKind.SURVEY, ReminderKind.ASSESSMENT, ReminderKind.SURVEY_LAST_CALL)


def _surveys_still_open(reminders: list[Reminder]) -> set[int]:
    """Invitations (by id) that can still be answered: a survey closed or answered since
    the scan needs no reminder. One query per batch."""
    ids = [r.context["invitation"] for r in reminders if r.kind in SURVEY_KINDS]
    if not ids:
        return set()
    today = timezone.localdate()
    return set(
        SurveyInvitation.objects.filter(
            pk__in=ids,
            answered=False,
            wave__closes_on__gte=today,
            wave__survey__status=SurveyStatus.ACTIVE,
        ).values_list("pk", flat=True)
    )


def _no_longer_wanted(reminder: Reminder, open_invitations: set[int]) -> str:
    if not reminder.recipient.is_active:
        return "no longer a member"
    if reminder.kind in NON_ESSENTIAL_KINDS and not reminder.recipient.nudges_enabled:
        return "nudges turned off"
    if reminder.kind in SURVEY_KINDS and reminder.context["invitation"] not in open_invitations:
        return "survey answered or closed"
    return ""


def send(ids: list[int]) -> int:
    """Claim, send and mark the given reminders; returns how many this call sent. Safe to
    run twice on the same ids, at the same time, or after a worker died halfway.

    The claim is good for one lease; the loop stops well inside it (and releases what it
    has not sent), so no other worker can take a row this one is still sending."""
    with scopes_disabled():
        token = claim(ids)
        stop_at = timezone.now() + lease() * 0.8
        claimed = list(
            Reminder.objects.filter(claim_token=token, status=ReminderStatus.SENDING)
            .select_related("recipient__user", "organization")
            .order_by("pk")
        )
        if not claimed:
            return 0
        open_invitations = _surveys_still_open(claimed)
        sent = 0
        connection = get_connection()
        try:
            for reminder in claimed:
                if timezone.now() > stop_at:
                    break
                reason = _no_longer_wanted(reminder, open_invitations)
                if reason:
                    Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(
                        status=ReminderStatus.SKIPPED, error=reason
                    )
                    continue
                try:
                    connection.send_messages([build_message(reminder)])
                except SoftTimeLimitExceeded:
                    raise
                except Exception as error:  # a mail-server error: release the row for a later try
                    logger.exception("Reminder %s could not be sent", reminder.pk)
                    failed = reminder.attempts >= MAX_ATTEMPTS
                    Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(
                        status=ReminderStatus.FAILED if failed else ReminderStatus.PENDING,
                        error=str(error)[:300],
                    )
                    continue
                Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(
                    status=ReminderStatus.SENT, sent_at=timezone.now(), error=""
                )
                sent += 1
        finally:
            # Whatever this call claimed and did not send goes back for another worker.
            Reminder.objects.filter(claim_token=token, status=ReminderStatus.SENDING).update(
                status=ReminderStatus.PENDING, claim_token=None
            )
            connection.close()
    return sent
