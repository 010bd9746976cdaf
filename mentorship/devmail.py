"""The development mailbox: in ``make run`` (DEBUG, no EMAIL_BACKEND chosen) every sent
message is kept as an ``.eml`` file in ``DEV_MAILBOX_DIR`` (var/mail/) by
``MailboxBackend``, and listed at /dev/mailbox/ (``mentorship.views``), which answers 404
unless ``DEV_MAILBOX`` is on. The web server and the Celery worker are separate processes:
the files are what they share."""

import email
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mentorship.email_frame import framed_email_html

NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{32}$")
MAX_LISTED = 200


def folder() -> Path:
    return Path(settings.DEV_MAILBOX_DIR)


class MailboxBackend(BaseEmailBackend):
    """One ``.eml`` file per message, written whole (a reader never sees half a file)."""

    def send_messages(self, email_messages):
        target = folder()
        target.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex}"
            tmp = target / f"{name}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(target / f"{name}.eml")
        return len(email_messages)


@dataclass
class StoredMessage:
    id: str
    sent_at: datetime
    subject: str
    sender: str
    to: str
    text: str
    html: str
    attachments: list[str]


def _read(path: Path) -> StoredMessage:
    parsed: EmailMessage = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = parsed.get_body(("plain",))
    html_part = parsed.get_body(("html",))
    attachments = [part.get_filename() or part.get_content_type() for part in parsed.iter_attachments()]
    return StoredMessage(
        id=path.stem,
        sent_at=datetime.strptime(path.stem.split("-", 1)[0], "%Y%m%dT%H%M%S").replace(tzinfo=UTC),
        subject=str(parsed.get("Subject", "")),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
        attachments=attachments,
    )


def messages() -> list[StoredMessage]:
    """The newest messages first."""
    paths = sorted(folder().glob("*.eml"), reverse=True)[:MAX_LISTED] if folder().is_dir() else []
    return [_read(path) for path in paths]


def message(message_id: str) -> StoredMessage | None:
    if not NAME.match(message_id):
        return None
    path = folder() / f"{message_id}.eml"
    return _read(path) if path.is_file() else None


# --- The pages -------------------------------------------------------------------------------------


def _enabled() -> None:
    if not getattr(settings, "DEV_MAILBOX", False):
        raise Http404("The development mailbox is off.")


@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    """Every message sent, newest first (no sign-in: it is where a new account's
    verification link arrives)."""
    _enabled()
    return render(request, "dev/mailbox.html", {"messages_sent": messages(), "folder": folder()})


@require_GET
def mailbox_message(request: HttpRequest, message_id: str) -> HttpResponse:
    """One message: its HTML part in a sandboxed frame (no scripts, no same origin), its
    text part as text, and its HTML source escaped."""
    _enabled()
    found = message(message_id)
    if found is None:
        raise Http404("No such message.")
    return render(request, "dev/mailbox_message.html", {"message": found})


@require_GET
def mailbox_message_html(request: HttpRequest, message_id: str) -> HttpResponse:
    """The HTML part alone, for the sandboxed frame of ``mailbox_message``."""
    _enabled()
    found = message(message_id)
    if found is None:
        raise Http404("No such message.")
    return framed_email_html(found.html or "<p>This message has no HTML version.</p>")
