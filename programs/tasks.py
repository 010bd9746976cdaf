import logging
from collections.abc import Iterator

from celery import shared_task
from django.conf import settings

from programs.services import digests
from programs.services.invitations import send_invitation_emails
from programs.services.messaging import deliver_announcement
from programs.services.roster import run_roster_import


@shared_task(name="programs.send_announcement", acks_late=True)
def send_announcement(announcement_id: int, membership_ids: list[int]) -> int:
    """An announcement's emails, one per recipient (``programs.services.messaging``)."""
    return deliver_announcement(announcement_id, membership_ids)


@shared_task(name="programs.apply_roster_import")
def apply_roster_import(roster_import_id: int) -> str:
    """Apply a confirmed roster import, all or nothing (``programs.services.roster``)."""
    return run_roster_import(roster_import_id).status


@shared_task(name="programs.send_roster_invitations", acks_late=True)
def send_roster_invitations(invitation_ids: list[int]) -> int:
    """The invitation emails of an applied roster import, a batch at a time."""
    return send_invitation_emails(invitation_ids)


# --- The daily digest (programs.services.digests) ------------------------------------------------

logger = logging.getLogger(__name__)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enqueue_digests(ids: list[int]) -> int:
    """Hand the given digests to workers in batches, once the transaction commits."""
    for batch in _chunks(ids, settings.DIGEST_BATCH_SIZE):
        digests.mark_handed_out(batch)
        send_digests.delay_on_commit(batch)
    return len(ids)


@shared_task(name="programs.scan_digests", acks_late=True, reject_on_worker_lost=True)
def scan_digests() -> int:
    """Beat, daily: record today's digests, attach what they list, hand them to workers."""
    result = digests.scan()
    enqueued = enqueue_digests(digests.ids_to_send())
    logger.info(
        "Digest scan for %s: %s rolled on, %s new, %s items attached, %s handed out",
        result.day,
        result.rolled,
        result.created,
        result.attached,
        enqueued,
    )
    return result.created


@shared_task(name="programs.sweep_digests", acks_late=True, reject_on_worker_lost=True)
def sweep_digests() -> int:
    """Beat, every few minutes: re-hand digests whose task or worker was lost."""
    return enqueue_digests(digests.ids_to_send())


@shared_task(
    name="programs.send_digests",
    acks_late=True,
    reject_on_worker_lost=True,
    # Give up well before the claim lapses, so no other worker starts on the same digests.
    soft_time_limit=max(settings.DIGEST_CLAIM_LEASE_SECONDS // 2, 1),
    time_limit=max(settings.DIGEST_CLAIM_LEASE_SECONDS * 9 // 10, 2),
)
def send_digests(ids: list[int]) -> int:
    """Claim, send and mark a batch of digests (programs.services.digests.send)."""
    return digests.send(ids)
