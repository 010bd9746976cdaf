"""The daily digest: one email per person (membership) and day listing what is new for
them, for people who chose a digest for messages or nudges. Obligations never wait for it
(they are emailed at once); an item already emailed (immediately, or in an earlier digest)
is never in one.

It works as reminders do (``surveys.services.reminders``), with the ``Digest`` row per
(recipient, day) as the exactly-once key:

1. The scan (``scan``, daily from beat through ``programs.scan_digests``) is set-based SQL,
   never a loop over people: it rolls a digest nobody sent yet (the workers were down) on
   to today, bulk-creates today's rows for everyone with something waiting (conflicts
   ignored: a second scan the same day adds no row, and a person whose digest went out
   today gets the rest tomorrow), then attaches every waiting item to its person's pending
   digest in one UPDATE. A scan that runs late or after downtime takes everything still
   waiting, since an item waits until it is read or emailed, not for a given day.
2. Workers claim digests with one conditional UPDATE (pending → sending, with a claim
   token) and mark each sent right after the mail server took it, together with the items
   it listed. Two workers never hold the same digest.
3. A worker that dies mid-batch leaves its digests "sending"; once the claim is older than
   ``DIGEST_CLAIM_LEASE_SECONDS`` the sweep (or the next scan) hands them out again. Each
   message carries a Message-ID derived from the (recipient, day) key, so a duplicate in
   the window between the server accepting it and the row being marked is dropped by mail
   systems that de-duplicate on it.

The email lists titles and links only: a title is metadata the product wrote ("Dana
Reyes sent you 2 messages"), never what a person wrote.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship import mail
from mentorship.timezones import zone_name_for
from programs.models import (
    Digest,
    DigestStatus,
    EmailDelivery,
    Membership,
    Notification,
    NotificationCategory,
)
from programs.services.notifications import is_local_path

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A digest lists this many items at most; the rest are on the notifications page it links to.
MAX_ITEMS = 30
CREATE_BATCH = 5000

# What waits for a digest: unread, never emailed, in no digest, in a category the person
# chose the digest for, and the person still a member. The partial index
# ``notification_digest_waiting`` holds exactly the first three conditions.
WAITING = (
    Q(read_at__isnull=True, emailed_at__isnull=True, digest__isnull=True, recipient__is_active=True)
    & ~Q(category=NotificationCategory.OBLIGATION)
    & (
        Q(category=NotificationCategory.MESSAGE, recipient__messages_email=EmailDelivery.DIGEST)
        | Q(category=NotificationCategory.NUDGE, recipient__nudges_email=EmailDelivery.DIGEST)
    )
)


def lease() -> timedelta:
    return timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)


@dataclass
class ScanResult:
    day: date
    rolled: int = 0  # unsent digests of earlier days that became today's
    created: int = 0  # today's new digests
    attached: int = 0  # items put in a digest


# --- The scan ---------------------------------------------------------------------------------


def _roll_forward(day: date) -> int:
    """A digest never claimed (the scan ran, the workers did not) is still the person's one
    digest: it becomes today's, so the person gets one email today, not two."""
    today_taken = Digest.objects.filter(recipient=OuterRef("recipient"), day=day)
    stale = Digest.objects.filter(status=DigestStatus.PENDING, day__lt=day, claimed_at__isnull=True).filter(
        ~Exists(today_taken)
    )
    try:
        with transaction.atomic():
            return stale.update(day=day)
    except IntegrityError:  # a scan running at the same moment created today's row first
        return 0


def _create(day: date) -> int:
    """Today's digest for everyone with something waiting, in batches, conflicts ignored."""
    before = Digest.objects.filter(day=day).count()
    now = timezone.now()
    people = (
        Notification.objects.filter(WAITING)
        .values_list("recipient_id", "organization_id")
        .distinct()
        .order_by("recipient_id")
    )
    batch: list[Digest] = []
    for recipient_id, organization_id in people.iterator(chunk_size=CREATE_BATCH):
        batch.append(Digest(organization_id=organization_id, recipient_id=recipient_id, day=day, created_at=now))
        if len(batch) >= CREATE_BATCH:
            Digest.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Digest.objects.bulk_create(batch, ignore_conflicts=True)
    return Digest.objects.filter(day=day).count() - before


def _attach(day: date) -> int:
    """Every waiting item into its person's pending digest of today, in one UPDATE. A person
    whose digest is already out (or being sent) today keeps theirs for tomorrow."""
    pending = Digest.objects.filter(recipient=OuterRef("recipient_id"), day=day, status=DigestStatus.PENDING)
    return (
        Notification.objects.filter(WAITING).filter(Exists(pending)).update(digest=Subquery(pending.values("pk")[:1]))
    )


def scan(day: date | None = None) -> ScanResult:
    """Record today's digests and attach what they list. Idempotent: run twice, nothing
    changes the second time unless new items arrived (they join a digest still pending)."""
    day = day or timezone.localdate()
    result = ScanResult(day=day)
    with scopes_disabled():
        result.rolled = _roll_forward(day)
        result.created = _create(day)
        result.attached = _attach(day)
    return result


def ids_to_send() -> list[int]:
    """Digests to hand to workers: never handed out, handed out a lease ago and still
    waiting (their task was lost, or a send failed and released them), or claimed by a
    worker that died. One handed out moments ago is left to its task."""
    stale = timezone.now() - lease()
    with scopes_disabled():
        return list(
            Digest.objects.filter(
                Q(status=DigestStatus.PENDING, handed_out_at__isnull=True)
                | Q(status=DigestStatus.PENDING, handed_out_at__lt=stale)
                | (
                    Q(status=DigestStatus.SENDING, claimed_at__lt=stale)
                    & (Q(handed_out_at__isnull=True) | Q(handed_out_at__lt=stale))
                )
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def mark_handed_out(ids: list[int]) -> None:
    with scopes_disabled():
        Digest.objects.filter(pk__in=ids).update(handed_out_at=timezone.now())


# --- Sending ----------------------------------------------------------------------------------


def claim(ids: list[int]) -> uuid.UUID:
    """Claim the given digests that are free (pending, or held by a claim past its lease)
    with one conditional UPDATE; only this call's token can mark them sent."""
    token = uuid.uuid4()
    now = timezone.now()
    Digest.objects.filter(pk__in=ids).filter(
        Q(status=DigestStatus.PENDING) | Q(status=DigestStatus.SENDING, claimed_at__lt=now - lease())
    ).update(status=DigestStatus.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return token


def message_id(digest: Digest) -> str:
    key = f"digest:{digest.recipient_id}:{digest.day.isoformat()}"
    hashed = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = (settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "localhost"
    return f"<digest.{hashed}@{domain}>"


def still_wanted(item: Notification, member: Membership) -> bool:
    """The person's preference now (it may have changed since the scan), and still unread."""
    if item.read_at is not None or item.emailed_at is not None:
        return False
    if item.category == NotificationCategory.MESSAGE:
        return member.messages_email == EmailDelivery.DIGEST
    if item.category == NotificationCategory.NUDGE:
        return member.nudges_email == EmailDelivery.DIGEST
    return False


def _things(count: int) -> str:
    return f"{count} new thing{'' if count == 1 else 's'}"


def build_message(digest: Digest, items: list[Notification]) -> EmailMultiAlternatives:
    member = digest.recipient
    organization = digest.organization
    slug = organization.slug
    shown = [
        {"title": item.title, "link": settings.SITE_URL + item.path, "count": item.count}
        for item in items[:MAX_ITEMS]
        if is_local_path(item.path)
    ]
    more = len(items) - len(shown)
    name = member.user.full_name or member.user.email
    context = {
        "organization": organization,
        "items": shown,
        "items_text": "\n".join(f"• {entry['title']}: {entry['link']}" for entry in shown),
        "more": more or "",  # text for a coordinator's wording: empty when there are none
        "count": len(items),
        "count_text": _things(len(items)),
        "link": settings.SITE_URL + reverse("notification_list", kwargs={"org_slug": slug}),
        "settings_link": settings.SITE_URL + reverse("notification_settings", kwargs={"org_slug": slug}),
        "day": digest.day,
    }
    contact = organization.contact_email
    return mail.build_message(
        mail.render_email(
            "email/digest",
            context,
            to=[member.user.email],
            reply_to=[contact] if contact else None,
            headers={"Message-ID": message_id(digest), "Auto-Submitted": "auto-generated"},
            time_zone=zone_name_for(member.user, organization),  # no times in it; saves a lookup
            organization=organization,
            recipient_name=name,
        )
    )


def _items_by_digest(digests: list[Digest]) -> dict[int, list[Notification]]:
    found: dict[int, list[Notification]] = {digest.pk: [] for digest in digests}
    rows = Notification.objects.filter(digest__in=[d.pk for d in digests]).order_by("-created_at", "-pk")
    for item in rows.only(
        "pk", "digest_id", "category", "title", "path", "count", "read_at", "emailed_at", "created_at"
    ):
        found[item.digest_id].append(item)
    return found


def _finish(digest: Digest, token: uuid.UUID, included: list[int], **values) -> None:
    """Mark the digest (under this claim only), then its items in one UPDATE: those it
    listed are emailed; the others leave it, so a later digest can carry them (read since,
    a preference changed, or attached after the claim)."""
    Digest.objects.filter(pk=digest.pk, claim_token=token).update(**values)
    listed = Q(pk__in=included) if included else Q(pk__in=[])
    Notification.objects.filter(digest=digest, emailed_at__isnull=True).update(
        emailed_at=Case(When(listed, then=Value(timezone.now())), default=None),
        digest=Case(When(listed, then=Value(digest.pk)), default=None),
    )


def send(ids: list[int]) -> int:
    """Claim, send and mark the given digests; returns how many this call sent. Safe to run
    twice on the same ids, at the same time, or after a worker died halfway. The loop stops
    well inside the lease (and releases what it has not sent)."""
    with scopes_disabled():
        token = claim(ids)
        stop_at = timezone.now() + lease() * 0.8
        claimed = list(
            Digest.objects.filter(claim_token=token, status=DigestStatus.SENDING)
            .select_related("recipient__user", "organization")
            .order_by("pk")
        )
        if not claimed:
            return 0
        items = _items_by_digest(claimed)
        sent = 0
        connection = get_connection()
        try:
            for digest in claimed:
                if timezone.now() > stop_at:
                    break
                member = digest.recipient
                wanted = [item for item in items[digest.pk] if still_wanted(item, member)]
                if not member.is_active:
                    _finish(digest, token, [], status=DigestStatus.SKIPPED, error="no longer a member")
                    continue
                if not wanted:
                    _finish(digest, token, [], status=DigestStatus.SKIPPED, error="nothing new to tell")
                    continue
                try:
                    connection.send_messages([build_message(digest, wanted)])
                except SoftTimeLimitExceeded:
                    raise
                except Exception as error:  # a mail-server error: release the digest for a later try
                    logger.exception("Digest %s could not be sent", digest.pk)
                    failed = digest.attempts >= MAX_ATTEMPTS
                    Digest.objects.filter(pk=digest.pk, claim_token=token).update(
                        status=DigestStatus.FAILED if failed else DigestStatus.PENDING, error=str(error)[:300]
                    )
                    continue
                included = [item.pk for item in wanted]
                _finish(
                    digest,
                    token,
                    included,
                    status=DigestStatus.SENT,
                    sent_at=timezone.now(),
                    item_count=len(wanted),
                    error="",
                )
                sent += 1
        finally:
            # Whatever this call claimed and did not send goes back for another worker.
            Digest.objects.filter(claim_token=token, status=DigestStatus.SENDING).update(
                status=DigestStatus.PENDING, claim_token=None
            )
            connection.close()
    return sent
