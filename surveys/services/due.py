"""What is due today, worked out from the data.

The daily scan (``surveys.tasks.scan``) asks the data what is due today for every live
pairing and program — check-ins at the program's cadence, the first meeting, the senior
mentor's hub review, quarterly reports, yearly reviews, surveys and the 6-month
assessment, and consents, signatures and requests going stale — as one ``Due`` per (what,
who, which period). Its key names the *period* (a due date, a quarter, a survey
invitation), never the day of the scan, so ``surveys.services.reminders.record`` keeps one
reminder per item, not one per day. Nothing here writes a reminder or sends anything.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import F, Max, Min, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementStatus, Signature, SigningConsent
from agreements.models.review import REVIEW_INTERVAL_MONTHS, YearlyReview
from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus, Response
from programs.models import Cadence
from relationships.models import LIVE_STATUSES, MeetingStatus, Mentorship, MentorshipStatus, Origin
from relationships.responsiveness import quiet_mentorships, quiet_state, with_last_author
from relationships.services.record import next_contact_due
from surveys.models import QuarterlyReport, ReminderKind, SurveyInvitation, SurveyStatus
from surveys.periods import REPORT_GRACE_DAYS, add_months, open_report_quarters, quarter_bounds, quarter_of
from surveys.rules import display_name, senior_review_due
from surveys.services.waves import ensure_builtin_surveys, open_due_waves

LEAD_DAYS = 7  # a check-in or first meeting is announced this many days before it is due
SENIOR_REVIEW_LEAD_DAYS = 14
QUARTERLY_REPORT_LEAD_DAYS = 14
CONSENT_STALE_DAYS = 7  # an offer nobody answered for a week
SIGNATURE_STALE_DAYS = 5  # an agreement waiting for a signature
DRAFT_STALE_DAYS = 14  # a draft agreement nobody has touched
SURVEY_LAST_CALL_DAYS = 3
ASSESSMENT_SURVEY = "six_month_assessment"
KEY_CHUNK = 1000
# Where a quiet-mentorship nudge leads: the pair's conversation (kwargs org_slug, pk: the mentorship).
QUIET_URL_NAME = "conversation"


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


def org_path(name: str, org_slug: str, kwarg: str | None = None, value=None) -> str:
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
        path = org_path("meeting_list", slug, "pk", pk)
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


def due_quiet(today: date) -> Iterator[Due]:
    """A nudge to the quiet side of every quiet mentorship (``relationships.responsiveness``):
    whoever did not write the last message (they owe a reply), or both people when they have
    not written yet. The key names the quiet spell (its last contact), so one nudge per spell,
    never one per day; a message or a held meeting starts a new spell."""
    rows = (
        with_last_author(quiet_mentorships(today))
        .values(
            "pk",
            "organization_id",
            "program_id",
            "mentor_id",
            "mentee_id",
            "origin",
            "started_on",
            "last_message_at",
            "last_held",
            "last_author",
            org_slug=F("organization__slug"),
            program_name=F("program__name"),
            cadence=F("program__meeting_cadence"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
        .order_by()
    )
    for row in rows.iterator(chunk_size=KEY_CHUNK):
        state = quiet_state(
            started_on=row["started_on"],
            last_message_at=row["last_message_at"],
            last_held=row["last_held"],
            cadence=row["cadence"],
            today=today,
            origin=row["origin"],
        )
        if not state["quiet"]:
            continue  # the SQL and the rule for one row agree; never nudge on a disagreement
        last_author = row["last_author"]
        # A reply is owed when the last contact was a message; after a held meeting both are nudged.
        owed = last_author in (row["mentor_id"], row["mentee_id"]) and state["last_contact"] == "message"
        last_contact = str(state["last_contact_on"])
        path = org_path(QUIET_URL_NAME, row["org_slug"], "pk", row["pk"])
        for due in _pair_due(
            row,
            ReminderKind.QUIET,
            f"quiet:{row['pk']}",
            path,
            period=last_contact,
            context={
                "last_contact_on": last_contact,
                "last_contact": state["last_contact"],
                "interval_days": state["interval_days"],
                # They owe a reply when the other person wrote last and nothing happened since.
                "owes_reply": owed,
            },
        ):
            if owed and due.recipient_id == last_author:
                continue  # they wrote last: the other person owes the reply
            due.key = f"quiet:{row['pk']}:{due.recipient_id}:{last_contact}"
            yield due


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
            path = org_path("quarterly_report", row["org_slug"], "pk", row["pk"])
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
        path = org_path("mentorship_review", review["org_slug"], "pk", review["mentorship_id"])
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
                path=org_path("offer_list", offer["org_slug"]),
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
            org_path("agreement_detail", agreement["org_slug"], "pk", agreement["mentorship_id"]),
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
            path=org_path("request_list", request["org_slug"]),
            program_id=request["program_id"],
            period=str(expires_on),
            due_on=expires_on,
            context={
                "program": request["program_name"],
                "other": display_name(request["mentee_name"], request["mentee_email"]),
            },
        )


def due_surveys(today: date, wave_id: int | None = None) -> Iterator[Due]:
    """An invitation to every open survey wave (the 6-month assessment among them), and a
    last call a few days before the wave closes to those who have not answered. With
    ``wave_id``, only that wave's (a coordinator's "Send now": ``surveys.services.send_now``)."""
    invitations = SurveyInvitation.objects.filter(
        answered=False,
        wave__opens_on__lte=today,
        wave__closes_on__gte=today,
        wave__survey__status=SurveyStatus.ACTIVE,
    )
    if wave_id is not None:
        invitations = invitations.filter(wave_id=wave_id)
    invitations = invitations.values(
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
        path = org_path("survey_answer", invitation["org_slug"], "token", invitation["token"])
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
    ensure_builtin_surveys()
    open_due_waves(today)
    open_due_yearly_reviews(today)
    rows = _pairings(now)
    yield from due_meetings(rows, today)
    yield from due_quiet(today)
    yield from due_quarterly_reports(rows, today)
    yield from due_yearly_reviews(today)
    yield from due_consents(now)
    yield from due_signatures(now)
    yield from due_requests(now)
    yield from due_surveys(today)
