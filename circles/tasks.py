from celery import shared_task
from django.utils import timezone

from circles.services.circles import circle_end_due


@shared_task(name="circles.end_due")
def end_due_task() -> dict:
    """Daily (beat): circles past their end date end; forming circles whose start date has
    come become active. Each circle is locked and checked again, so reruns are safe."""
    return circle_end_due(timezone.localdate())
