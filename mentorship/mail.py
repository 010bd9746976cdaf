"""The one way the application sends email: render now, deliver in a Celery task.

Callers render a message from ``templates/<prefix>_subject.txt``, ``_message.txt`` and
(optionally) ``_message.html``, then queue it; the ``deliver_email`` task sends it after
the surrounding transaction commits, so a rolled-back action never emails anyone.
"""

import logging
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


@dataclass
class RenderedEmail:
    subject: str
    body: str
    to: list[str]
    html: str | None = None
    from_email: str | None = None
    reply_to: list[str] = field(default_factory=list)
    # (filename, text content, mimetype), e.g. a calendar invitation.
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


def render_email(template_prefix: str, context: dict, *, to: list[str], reply_to: list[str] | None = None):
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    subject = " ".join(subject.split())  # one line, no header injection
    body = render_to_string(f"{template_prefix}_message.txt", context)
    try:
        html = render_to_string(f"{template_prefix}_message.html", context)
    except TemplateDoesNotExist:
        html = None
    return RenderedEmail(subject=subject, body=body, html=html, to=list(to), reply_to=list(reply_to or []))


def queue_email(message: RenderedEmail) -> None:
    """Send ``message`` through the Celery worker once the current transaction commits."""
    from mentorship.tasks import deliver_email

    payload = asdict(message)

    def enqueue() -> None:
        try:
            deliver_email.delay(payload)
        except Exception:
            # The action itself is committed; a broker outage must not turn it into an
            # error page. The coordinator can resend; the failure is logged for the admins.
            logger.exception("Could not queue email %r to %s", payload["subject"], payload["to"])

    transaction.on_commit(enqueue)


def send_now(payload: dict) -> None:
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=payload["to"],
        reply_to=payload.get("reply_to") or None,
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    for filename, content, mimetype in payload.get("attachments") or []:
        message.attach(filename, content, mimetype)
    message.send()
