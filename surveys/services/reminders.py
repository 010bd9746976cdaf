"""Reminders recorded before they are sent, sent exactly once; the record read back, and
each person's nudge setting (also turned off with the one-click unsubscribe link of a
nudge email, RFC 8058).

The daily scan (``surveys.tasks.scan``) records one ``Reminder`` row per item
``surveys.services.due`` finds due, under a unique key, then hands the unsent rows to
workers (``surveys.tasks.send_reminders``, which calls ``send``). Nothing is sent by the
scan itself:

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
from collections.abc import Iterable
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship import mail
from mentorship.exceptions import ServiceError
from mentorship.realtime import publish
from programs.models import (
    EmailDelivery,
    Membership,
    Notification,
    NotificationCategory,
    NotificationKind,
    Organization,
)
from programs.services.audit import audit
from surveys.models import (
    NON_ESSENTIAL_KINDS,
    Reminder,
    ReminderKind,
    ReminderScan,
    ReminderStatus,
    SurveyInvitation,
    SurveyStatus,
)
from surveys.services.due import KEY_CHUNK, Due, org_path
from surveys.services.quiet import quiet_copy, still_quiet

logger = logging.getLogger(__name__)


# --- Recording -------------------------------------------------------------------------------


IN_THE_DIGEST = "in the daily digest"
NUDGES_OFF = "nudges turned off"


def notification_key(kind: str, key: str) -> str:
    """The notification a reminder shows in the bell. A reminder to answer an offer or to
    sign an agreement shares the key of the offer's or the agreement's own notification, so
    the two collapse into one, which the answer or the signature marks read."""
    parts = key.split(":")
    if kind == ReminderKind.CONSENT and len(parts) > 1:
        return f"offer:{parts[1]}"
    if kind == ReminderKind.SIGNATURE and len(parts) > 1:
        return f"agreement:{parts[1]}"
    return f"reminder:{key}"[:200]


def _notifications(rows: list[Reminder]) -> None:
    """The bell's side of newly recorded reminders, in one insert: obligations for what only
    the person can do, nudges for the rest (which the daily digest carries for people who
    chose it). An unread notification with the same key already says it: no second one."""
    if not rows:
        return
    notifications = [
        Notification(
            organization_id=row.organization_id,
            recipient_id=row.recipient_id,
            kind=NotificationKind.OFFER
            if row.kind == ReminderKind.CONSENT
            else NotificationKind.AGREEMENT
            if row.kind == ReminderKind.SIGNATURE
            else NotificationKind.REMINDER,
            category=NotificationCategory.NUDGE if row.kind in NON_ESSENTIAL_KINDS else NotificationCategory.OBLIGATION,
            title=_copy(row)["headline"][:200],
            path=row.path,
            key=notification_key(row.kind, row.key),
            created_at=row.created_at,
        )
        for row in rows
        if row.path.startswith("/") and not row.path.startswith("//")
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    publish(sorted({n.recipient_id for n in notifications}), {"event": "notifications"})


def _mark_notification_emailed(reminder: Reminder) -> None:
    Notification.objects.filter(
        recipient_id=reminder.recipient_id,
        key=notification_key(reminder.kind, reminder.key),
        read_at__isnull=True,
    ).update(emailed_at=timezone.now())


def record(dues: Iterable[Due]) -> int:
    """Record each due item once (its key is unique); returns how many were new, each with
    its notification. A person who turned nudges off gets non-essential ones recorded as
    skipped, not sent; one who chose the daily digest gets them skipped here and carried
    by the digest instead."""
    quiet = set(
        Membership.objects.filter(Q(nudges_enabled=False) | Q(nudges_email=EmailDelivery.OFF)).values_list(
            "pk", flat=True
        )
    )
    digest = set(
        Membership.objects.filter(nudges_enabled=True, nudges_email=EmailDelivery.DIGEST).values_list("pk", flat=True)
    )
    inactive = set(Membership.objects.filter(is_active=False).values_list("pk", flat=True))
    created = 0
    batch: dict[str, Due] = {}

    def status(due: Due) -> tuple[str, str]:
        if due.kind in NON_ESSENTIAL_KINDS and due.recipient_id in quiet:
            return ReminderStatus.SKIPPED, NUDGES_OFF
        if due.kind in NON_ESSENTIAL_KINDS and due.recipient_id in digest:
            return ReminderStatus.SKIPPED, IN_THE_DIGEST
        return ReminderStatus.PENDING, ""

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
                status=status(due)[0],
                error=status(due)[1],
                created_at=now,
            )
            for key, due in batch.items()
            if key not in taken
        ]
        # ignore_conflicts: a scan running at the same moment may have recorded some.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        _notifications(rows)
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
    if kind == ReminderKind.QUIET:
        return quiet_copy(reminder)
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
        "settings_link": settings.SITE_URL + org_path("notification_settings", reminder.organization.slug),
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
            organization=reminder.organization,
            recipient_name=context["name"],
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


def _no_longer_wanted(reminder: Reminder, open_invitations: set[int], quiet: set[int] | frozenset = frozenset()) -> str:
    if not reminder.recipient.is_active:
        return "no longer a member"
    if reminder.kind == ReminderKind.QUIET and reminder.pk not in quiet:
        return "in touch again"  # a message or a held meeting since the scan
    if reminder.kind in NON_ESSENTIAL_KINDS and (
        not reminder.recipient.nudges_enabled or reminder.recipient.nudges_email == EmailDelivery.OFF
    ):
        return NUDGES_OFF
    if reminder.kind in NON_ESSENTIAL_KINDS and reminder.recipient.nudges_email == EmailDelivery.DIGEST:
        return IN_THE_DIGEST  # chosen since it was recorded: its notification goes in the digest
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
        quiet = still_quiet(claimed)
        sent = 0
        connection = get_connection()
        try:
            for reminder in claimed:
                if timezone.now() > stop_at:
                    break
                reason = _no_longer_wanted(reminder, open_invitations, quiet)
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
                _mark_notification_emailed(reminder)  # the digest leaves it out
                sent += 1
        finally:
            # Whatever this call claimed and did not send goes back for another worker.
            Reminder.objects.filter(claim_token=token, status=ReminderStatus.SENDING).update(
                status=ReminderStatus.PENDING, claim_token=None
            )
            connection.close()
    return sent


# --- Reading the record ------------------------------------------------------------------------


def reminder_log(*, organization: Organization, search: str = "", kind: str = "", status: str = "") -> QuerySet:
    rows = Reminder.objects.filter(organization=organization).select_related("recipient__user", "program")
    if search:
        rows = rows.filter(
            Q(recipient__user__full_name__icontains=search) | Q(recipient__user__email__icontains=search)
        )
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def reminder_summary(*, organization: Organization) -> dict:
    """Counts for the last 30 days, in one query."""
    since = timezone.now() - timedelta(days=30)
    return Reminder.objects.filter(organization=organization, created_at__gte=since).aggregate(
        sent=Count("pk", filter=Q(status=ReminderStatus.SENT)),
        waiting=Count("pk", filter=Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING])),
        skipped=Count("pk", filter=Q(status=ReminderStatus.SKIPPED)),
        failed=Count("pk", filter=Q(status=ReminderStatus.FAILED)),
    )


def last_scan() -> ReminderScan | None:
    return ReminderScan.objects.filter(finished_at__isnull=False).order_by("-started_at").first()


def my_reminders(*, membership: Membership) -> QuerySet:
    return Reminder.objects.filter(recipient=membership).select_related("program").order_by("-created_at", "-pk")


@transaction.atomic
def nudges_set(*, actor: Membership, enabled: bool) -> Membership:
    """A person turns the non-essential nudges (check-ins, surveys) on or off for
    themselves in this organization; reminders of their own obligations still come."""
    member = Membership.objects.select_for_update().get(pk=actor.pk, organization=actor.organization)
    # Kept in step with the email preference (programs.services.notifications): off ⇔ disabled;
    # turned back on, nudges come as they did before the preference existed, at once.
    if enabled:
        nudges_email = member.nudges_email if member.nudges_email != EmailDelivery.OFF else EmailDelivery.IMMEDIATE
    else:
        nudges_email = EmailDelivery.OFF
    if member.nudges_enabled != enabled or member.nudges_email != nudges_email:
        member.nudges_enabled = enabled
        member.nudges_email = nudges_email
        member.save(update_fields=["nudges_enabled", "nudges_email", "updated_at"])
        audit(
            organization=member.organization,
            actor=member.user,
            action="member.nudges_on" if enabled else "member.nudges_off",
            summary="Turned friendly nudges " + ("on" if enabled else "off"),
        )
    actor.nudges_enabled, actor.nudges_email = enabled, nudges_email
    return member


# --- One-click unsubscribe from nudges (RFC 8058) ----------------------------------------------

UNSUBSCRIBE_SALT = "surveys.nudges.unsubscribe"


def unsubscribe_token(membership: Membership) -> str:
    """A signed token naming one person in one organization (their membership). It is
    sent only to that person, in their nudge emails; it never expires, like the link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(membership.pk))


def unsubscribe_url(membership: Membership) -> str:
    return settings.SITE_URL + reverse("nudges_unsubscribe", kwargs={"token": unsubscribe_token(membership)})


def membership_for_unsubscribe(token: str) -> Membership | None:
    """The membership a token was made for, or None for a token that was not (tampered
    with, truncated, signed for something else)."""
    try:
        pk = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    with scopes_disabled():
        return Membership.objects.select_related("organization", "user").filter(pk=pk).first()


def nudges_unsubscribe(*, token: str) -> Membership:
    """Turn off the nudges of the person a nudge email was sent to, in that email's
    organization only. No sign-in: the signed token is the permission. Idempotent."""
    member = membership_for_unsubscribe(token)
    if member is None:
        raise ServiceError("This unsubscribe link is not valid. Copy the whole link from the email.")
    with scope(organization=member.organization):
        return nudges_set(actor=member, enabled=False)
