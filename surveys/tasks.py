"""Celery tasks for periodic work, and the daily reminder scan that hands reminders to them.

All tasks are idempotent: a retry, a redelivery after a worker died (late acknowledgement,
rejected on worker loss) or a second beat is harmless. What is due is worked out in
``surveys.services.due``; recording, claiming and sending are in
``surveys.services.reminders``; this module hands the recorded rows to workers."""

import logging
from collections.abc import Iterator
from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from surveys.models import Reminder, ReminderScan
from surveys.services.due import due_items
from surveys.services.reminders import ids_to_send, record, send

logger = logging.getLogger(__name__)


# --- The scan and handing out ------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enqueue(ids: list[int]) -> int:
    """Hand the given reminders to workers in batches, once the transaction commits."""
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


# --- Tasks -------------------------------------------------------------------------------------


@shared_task(name="surveys.scan_reminders", acks_late=True, reject_on_worker_lost=True)
def scan_reminders() -> int:
    """Beat, daily: record every reminder due today and hand them to workers."""
    return scan().recorded


@shared_task(name="surveys.sweep_reminders", acks_late=True, reject_on_worker_lost=True)
def sweep_reminders() -> int:
    """Beat, every few minutes: re-hand reminders whose task or worker was lost."""
    return sweep()


@shared_task(
    name="surveys.send_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    # Give up well before the claim lapses, so no other worker starts on the same rows.
    soft_time_limit=max(settings.REMINDER_CLAIM_LEASE_SECONDS // 2, 1),
    time_limit=max(settings.REMINDER_CLAIM_LEASE_SECONDS * 9 // 10, 2),
)
def send_reminders(ids: list[int]) -> int:
    """Claim, send and mark a batch of reminders (see surveys.services.reminders.send)."""
    return send(ids)
