"""Celery tasks of the events app."""

from celery import shared_task
from django_scopes import scopes_disabled

from events.services.picks import picks_close_due


@shared_task(name="events.close_due_picks")
def close_due_picks() -> int:
    """Close the picks of held events past their closing time and offer the mutual picks
    (idempotent: a closed event is left alone)."""
    with scopes_disabled():
        return picks_close_due()
