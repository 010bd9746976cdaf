"""The one way the application sends email: render now, deliver in a Celery task.

Callers render a message from ``templates/<prefix>_subject.txt``, ``_message.txt`` and
(optionally) ``_message.html``, then queue it; the ``deliver_email`` task sends it after
the surrounding transaction commits, so a rolled-back action never emails anyone.

Every message has a text and an HTML part, and every HTML part comes from the one email
layout, ``templates/email/base.html``: a kind with its own ``_message.html`` extends it;
any other kind (allauth's too) has its text shown in that layout, so the text template
stays the one source of what the message says.

A message may carry an iCalendar object (a meeting invitation or cancellation). It is
sent as iMIP (RFC 6047) does it and mail clients expect: a ``text/calendar`` alternative
whose ``method`` parameter is the calendar's METHOD, next to the text and HTML, inside
``multipart/alternative``, plus the same calendar as an ``.ics`` attachment for programs
that only import files.
"""

import logging
import zoneinfo
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from mentorship import timezones
from mentorship.celery import registered_task

logger = logging.getLogger(__name__)

CALENDAR_METHODS = frozenset({"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"})


@dataclass
class RenderedEmail:
    subject: str
    body: str
    to: list[str]
    html: str | None = None
    from_email: str | None = None
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # An iCalendar object (RFC 5545) with a METHOD property: an invitation (REQUEST) or a
    # cancellation (CANCEL), sent as an iMIP text/calendar alternative.
    calendar: str | None = None
    calendar_filename: str = "invite.ics"
    # (filename, text content, mimetype): other files.
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


def html_from_text(subject: str, body: str) -> str:
    """The HTML part of a message that only has a text template: the same words (links
    made clickable, paragraphs kept) in the one email layout."""
    return render_to_string(
        "email/text_layout.html",
        {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "email_subject": subject,
            "text": body.strip(),
        },
    )


def recipient_time_zone(to: list[str]) -> str:
    """The zone an email to these addresses shows its times in: the recipients' own when
    they share one, else the zone of the organization whose page sent it, else UTC."""
    addresses = {address.strip().lower() for address in to if address}
    zones = set()
    if addresses:
        zones = set(get_user_model().objects.filter(email__in=addresses).values_list("time_zone", flat=True))
    if len(zones) == 1 and (zone := zones.pop()) in timezones.TIME_ZONES:
        return zone
    return timezones.organization_zone.get() or timezones.DEFAULT_ZONE


def render_email(
    template_prefix: str,
    context: dict,
    *,
    to: list[str],
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
    time_zone: str | None = None,
) -> RenderedEmail:
    """Render a message. Its times read in ``time_zone``, by default the recipient's
    (``recipient_time_zone``), which the templates name (``|with_zone``)."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    with timezone.override(zoneinfo.ZoneInfo(time_zone or recipient_time_zone(to))):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        subject = " ".join(subject.split())  # one line, no header injection
        body = render_to_string(f"{template_prefix}_message.txt", context)
        try:
            html = render_to_string(f"{template_prefix}_message.html", {**context, "email_subject": subject})
        except TemplateDoesNotExist:
            html = html_from_text(subject, body)
    return RenderedEmail(
        subject=subject, body=body, html=html, to=list(to), reply_to=list(reply_to or []), headers=dict(headers or {})
    )


def queue_email(message: RenderedEmail) -> None:
    """Send ``message`` through the Celery worker once the current transaction commits."""
    payload = asdict(message)

    def enqueue() -> None:
        try:
            registered_task("mentorship.deliver_email").delay(payload)
        except Exception:
            # The action itself is committed; a broker outage must not turn it into an
            # error page. The coordinator can resend; the failure is logged for the admins.
            logger.exception("Could not queue email %r to %s", payload["subject"], payload["to"])

    transaction.on_commit(enqueue)


def calendar_method(calendar: str) -> str:
    """The METHOD property of an iCalendar object; the Content-Type must carry the same."""
    from icalendar import Calendar

    method = str(Calendar.from_ical(calendar).get("METHOD", "")).upper()
    if method not in CALENDAR_METHODS:
        raise ValueError(f"An emailed calendar needs an iTIP METHOD (RFC 5546), not {method or 'none'}.")
    return method


class _Message(EmailMultiAlternatives):
    """Django's message, with MIME parameters on a part's type ("text/calendar; method=REQUEST")."""

    def _create_mime_attachment(self, content, mimetype):
        mimetype, *params = (part.strip() for part in mimetype.split(";"))
        attachment = super()._create_mime_attachment(content, mimetype)
        for param in params:
            name, _, value = param.partition("=")
            # Unquoted, as calendar programs have always been sent it: method=REQUEST.
            attachment.set_param(name.strip(), value.strip().strip('"'), requote=False)
        return attachment


def build_message(payload: dict | RenderedEmail) -> EmailMultiAlternatives:
    """The MIME message for a rendered email:

    multipart/mixed                       (only when there are files)
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=…           (an invitation or cancellation)
      application/ics  invite.ics         (the same calendar, as a file)
    """
    if isinstance(payload, RenderedEmail):
        payload = asdict(payload)
    message = _Message(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=payload["to"],
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or {},
    )
    message.attach_alternative(payload.get("html") or html_from_text(payload["subject"], payload["body"]), "text/html")
    calendar = payload.get("calendar")
    if calendar:
        method = calendar_method(calendar)
        message.attach_alternative(calendar, f"text/calendar; method={method}")
        message.attach(payload.get("calendar_filename") or "invite.ics", calendar.encode("utf-8"), "application/ics")
    for filename, content, mimetype in payload.get("attachments") or []:
        message.attach(filename, content, mimetype)
    return message


def send_now(payload: dict) -> None:
    build_message(payload).send()
