"""Printable sheets for the event's day, rendered with WeasyPrint: each person's schedule
(one page per person: round, time, table, whom) and the table cards (one page per table)."""

from django.template.loader import render_to_string
from django.utils import timezone

from agreements.pdf import safe_url_fetcher
from events.models import SpeedEvent
from events.selectors import grid, schedules


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()


def schedules_pdf(event: SpeedEvent) -> bytes:
    with timezone.override(event.organization.time_zone or "UTC"):
        return render_pdf(
            "events/schedules_pdf.html",
            {"event": event, "organization": event.organization, "people": schedules(event)},
        )


def table_cards_pdf(event: SpeedEvent) -> bytes:
    mentors, rows = grid(event)
    cards = [
        {"mentor": mentor, "rounds": [(row.round_number + 1, row.starts_at, row.cells[k]) for row in rows]}
        for k, mentor in enumerate(mentors)
    ]
    with timezone.override(event.organization.time_zone or "UTC"):
        return render_pdf(
            "events/table_cards_pdf.html", {"event": event, "organization": event.organization, "cards": cards}
        )
