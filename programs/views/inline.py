"""Answers to inline (htmx) row actions on the coordinators' lists: the row as it is now,
plus the outcome for the page's live region, swapped out of band. The full-page POST and
redirect stay the path without JavaScript."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made (it swaps part of the page) rather than a page load."""
    return request.headers.get("HX-Request") == "true"


def status_region(request: HttpRequest, level: str, text: str) -> str:
    return render_to_string(
        "programs/includes/inline_status.html", {"level": level, "text": text, "oob": True}, request=request
    )


def row_answer(request: HttpRequest, row_template: str, context: dict, level: str, text: str) -> HttpResponse:
    row = render_to_string(row_template, context, request=request)
    return HttpResponse(row + status_region(request, level, text))
