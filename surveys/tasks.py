"""Celery tasks for periodic work. All are idempotent: a retry, a redelivery after a
worker died (late acknowledgement, rejected on worker loss) or a second beat is harmless."""

from celery import shared_task
from django.conf import settings


@shared_task(name="surveys.scan_reminders", acks_late=True, reject_on_worker_lost=True)
def scan_reminders() -> int:
    """Beat, daily: record every reminder due today and hand them to workers."""
    from surveys.reminders import scan

    return scan().recorded


@shared_task(name="surveys.sweep_reminders", acks_late=True, reject_on_worker_lost=True)
def sweep_reminders() -> int:
    """Beat, every few minutes: re-hand reminders whose task or worker was lost."""
    from surveys.reminders import sweep

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
    """Claim, send and mark a batch of reminders (see surveys.reminders.send)."""
    from surveys.reminders import send

    return send(ids)
