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

Every message greets its readers by name (``recipient_name``, or the names of the
accounts with its addresses) and carries its organization's name and colour: the HTML
layout has a band in the organization's ``brand_colour`` (with white or black text,
whichever contrasts more), and the text part names the organization. An organization may
override a kind's wording (``register_override``: the programs app renders its
coordinators' overrides in a sandbox).
"""

import logging
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from mentorship import timezones
from mentorship.celery import registered_task

logger = logging.getLogger(__name__)

# The application's primary colour: an organization's emails use it until it chooses its own.
DEFAULT_BRAND_COLOUR = "#0a58ca"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

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


# --- Branding: the organization's name and colour, and the greeting ------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour (0 black … 1 white)."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or black, whichever reads better on ``background`` (the higher contrast ratio)."""
    if not HEX_COLOUR.match(background or ""):
        background = DEFAULT_BRAND_COLOUR
    return "#ffffff" if contrast_ratio(background, "#ffffff") >= contrast_ratio(background, "#000000") else "#000000"


def organization_of(context: dict):
    """The organization an email is about, from what its caller passed (duck-typed: the
    kernel knows no domain model). ``None`` for an email outside any organization."""
    candidate = context.get("organization")
    if candidate is not None and not isinstance(candidate, str):
        return candidate
    for key in ("program", "mentorship", "application", "invitation", "proposal", "request", "meeting"):
        value = context.get(key)
        organization = getattr(value, "organization", None) if value is not None else None
        if organization is not None and not isinstance(organization, str):
            return organization
    return None


def branding(organization) -> dict:
    """The layout's variables for an organization (or for the site, without one)."""
    name = getattr(organization, "name", "") or ""
    colour = getattr(organization, "brand_colour", "") or DEFAULT_BRAND_COLOUR
    if not HEX_COLOUR.match(colour):
        colour = DEFAULT_BRAND_COLOUR
    return {"org_name": name, "brand_colour": colour.lower(), "brand_text_colour": text_colour_on(colour)}


def recipient_accounts(addresses: list[str]) -> dict[str, tuple[str, str]]:
    """The accounts with these addresses, in one query: address (lower case) -> (full name,
    time zone). An address without an account (an invitation to a stranger) is absent."""

    wanted = [address.strip().lower() for address in addresses if address]
    if not wanted:
        return {}
    query = Q()
    for address in wanted:
        query |= Q(email__iexact=address)
    return {
        email.lower(): (name, zone)
        for email, name, zone in get_user_model().objects.filter(query).values_list("email", "full_name", "time_zone")
    }


def names_for_addresses(addresses: list[str], accounts: dict | None = None) -> str:
    """The full names of the accounts with these addresses, in their order ("Dana Reyes and
    Nia Okafor"); an address without an account has none."""
    accounts = recipient_accounts(addresses) if accounts is None else accounts
    wanted = [address.strip().lower() for address in addresses if address]
    return join_names([accounts[a][0] for a in dict.fromkeys(wanted) if a in accounts and accounts[a][0]])


def join_names(names: list[str]) -> str:
    names = [name for name in names if name]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def greeting(name: str) -> str:
    return f"Hello {name}," if name else "Hello,"


def with_signature(body: str, org_name: str) -> str:
    """The text part names the organization: its name closes the message unless the last
    lines already say it."""
    body = body.rstrip() + "\n"
    if not org_name or org_name in "\n".join(body.strip().splitlines()[-3:]):
        return body
    return f"{body}\n-- \n{org_name}, via {settings.SITE_NAME}\n"


# --- Overrides of a kind's wording -------------------------------------------------------------

# Each finder: (organization, kind, context) -> (subject, text body) or None. Registered at
# start-up by the app that stores overrides (programs), as the dashboard's registries are.
OVERRIDE_FINDERS: list[Callable] = []


def register_override(finder: Callable) -> None:
    if finder not in OVERRIDE_FINDERS:
        OVERRIDE_FINDERS.append(finder)


def find_override(organization, kind: str, context: dict) -> tuple[str, str] | None:
    if organization is None or getattr(organization, "pk", None) is None:
        return None
    for finder in OVERRIDE_FINDERS:
        found = finder(organization, kind, context)
        if found is not None:
            return found
    return None


def html_from_text(subject: str, body: str, brand: dict | None = None) -> str:
    """The HTML part of a message that only has a text template: the same words (links
    made clickable, paragraphs kept) in the one email layout."""
    return render_to_string(
        "email/text_layout.html",
        {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            **(brand or branding(None)),
            "email_subject": subject,
            "text": body.strip(),
        },
    )


def recipient_time_zone(to: list[str], accounts: dict | None = None) -> str:
    """The zone an email to these addresses shows its times in: the recipients' own when
    they share one, else the zone of the organization whose page sent it, else UTC."""
    accounts = recipient_accounts(to) if accounts is None else accounts
    zones = {zone for _name, zone in accounts.values()}
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
    organization=None,
    recipient_name: str | None = None,
) -> RenderedEmail:
    """Render one message. ``recipient_name`` greets the reader (looked up from the addresses
    when a caller has only those: a message to a pair greets both, "Hello Dana Reyes and Nia
    Okafor,"); ``organization`` (or the one in ``context``) brands it. Its times read in
    ``time_zone``, by default the recipient's (``recipient_time_zone``), which the templates
    name (``|with_zone``). Names and zones come from one lookup of the addresses."""
    organization = organization if organization is not None else organization_of(context)
    accounts = recipient_accounts(list(to)) if recipient_name is None or not time_zone else {}
    if recipient_name is None:
        recipient_name = names_for_addresses(list(to), accounts)
    zone = time_zone or recipient_time_zone(list(to), accounts)
    brand = branding(organization)
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        **brand,
        "recipient_name": recipient_name,
        "greeting": greeting(recipient_name),
        **context,
    }
    kind = template_prefix.removeprefix("email/")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        override = find_override(organization, kind, context)
        if override is not None:
            subject, body = override
            subject = " ".join(subject.split())
            body = with_signature(body, brand["org_name"])
            html = html_from_text(subject, body, brand)
        else:
            subject = render_to_string(f"{template_prefix}_subject.txt", context)
            subject = " ".join(subject.split())  # one line, no header injection
            body = with_signature(render_to_string(f"{template_prefix}_message.txt", context), brand["org_name"])
            try:
                html = render_to_string(f"{template_prefix}_message.html", {**context, "email_subject": subject})
            except TemplateDoesNotExist:
                html = html_from_text(subject, body, brand)
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
