"""What the events pages share: finding the event, an id from POST data."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from events.models import SpeedEvent


def event_or_404(pk: int) -> SpeedEvent:
    return get_object_or_404(SpeedEvent.objects.select_related("program", "organization"), pk=pk)


def post_int(value) -> int:
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Http404("No such item.")
    return int(text)
