"""What the matching app's pages share: the page size of their lists and reading an id from
POST data."""

from django.http import Http404

PER_PAGE = 50


def post_id(value) -> int:
    """An id from POST data: anything but ASCII digits is a 404, never a 500 ("²" and
    "١" are digits to ``str.isdigit``, and int() refuses the first)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Http404("No such item.")
    return int(text)
