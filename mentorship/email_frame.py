"""An email's HTML shown inside one of our pages: served on its own URL, framed by our pages
only, with a policy of its own (its inline styles allowed, nothing else: no scripts, no
requests), and always in an ``<iframe sandbox>`` (an opaque origin, no scripts, no forms)."""

import re

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.http import HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin

EMAIL_FRAME_POLICY = {
    "default-src": [NONE],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "frame-ancestors": [SELF],
    "base-uri": [NONE],
    "form-action": [NONE],
}


def as_document(html: str) -> str:
    """A whole HTML document: our emails are; a fragment (a test's "<p>hi</p>", an older
    message) is wrapped, so the frame always holds a valid page."""
    if re.match(r"\s*<!doctype html", html, re.I):
        return html
    head = '<meta charset="utf-8"><title>Email</title>'
    return f'<!DOCTYPE html><html lang="en"><head>{head}</head><body>{html}</body></html>'


def framed_email_html(html: str) -> HttpResponse:
    @xframe_options_sameorigin
    @csp(EMAIL_FRAME_POLICY)
    def respond() -> HttpResponse:
        response = HttpResponse(as_document(html), content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response

    return respond()
