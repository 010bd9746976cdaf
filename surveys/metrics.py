"""The reminder gauges on /metrics (registered in ``SurveysConfig.ready`` with
``mentorship.observability.register_gauge``). Each is one aggregate query per scrape.

A reminder is due to be sent from the moment the scan records it (``surveys.tasks.scan``
records only what ``surveys.services.due`` finds due), until a worker marks it sent (or
skipped, or failed for good). The lag is how long the oldest such reminder has waited:
near 0 when workers keep up, growing when they are down or the queue is stuck."""

from django.db.models import Max, Min
from django.utils import timezone
from django_scopes import scopes_disabled

from surveys.models import Reminder, ReminderScan, ReminderStatus

WAITING = (ReminderStatus.PENDING, ReminderStatus.SENDING)


def reminder_lag_seconds() -> float:
    """Seconds the oldest reminder due and not yet sent has waited (0 when none waits)."""
    with scopes_disabled():
        oldest = Reminder.objects.filter(status__in=WAITING).aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return 0.0
    return max((timezone.now() - oldest).total_seconds(), 0.0)


def reminder_scan_age_seconds() -> float | None:
    """Seconds since the last reminder scan finished (beat's daily run); None before the first."""
    finished = ReminderScan.objects.aggregate(last=Max("finished_at"))["last"]
    if finished is None:
        return None
    return max((timezone.now() - finished).total_seconds(), 0.0)


def register() -> None:
    from mentorship.observability import register_gauge

    register_gauge(
        "mentorship_reminder_lag_seconds",
        "Seconds the oldest reminder that is due and not yet sent has waited.",
        reminder_lag_seconds,
    )
    register_gauge(
        "mentorship_reminder_scan_age_seconds",
        "Seconds since the last daily reminder scan finished.",
        reminder_scan_age_seconds,
    )
