"""Email that comes in: reply-by-email's signed addresses, reading a raw message, and
taking the quoted conversation off a reply.

A notification about a new message carries a Reply-To of ``reply+<token>@<INBOUND_EMAIL_DOMAIN>``
(``reply_address``). The token names one person (their membership) and one conversation
(an opaque key: the mentorship's id today), and is signed with a key derived from
SECRET_KEY under its own salt: a truncated HMAC-SHA256, in lower-case base32 so that a mail
system that lowers the case of an address (many do) does not break it. Changing either id
breaks the signature, so an address cannot be forged or moved to another person or
conversation. The mail provider posts the raw message (RFC 5322 bytes) to the app, which
reads it here (``parse_message``) and keeps only what the person wrote (``strip_quoted``).

The kernel knows no domain: what a conversation key means, and who may write there, is the
caller's (``relationships.services.inbound``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import NamedTuple

from django.conf import settings
from django.utils.crypto import salted_hmac

REPLY_PREFIX = "reply+"
TOKEN_SALT = "mentorship.inbound.reply-address"
# 10 bytes of HMAC-SHA256: 80 bits, 16 base32 characters without padding.
MAC_BYTES = 10
CONVERSATION_KEY = re.compile(r"^[0-9a-z]{1,20}$")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Where a recipient address may stand: the provider's own headers first (the envelope).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
# A line a notification may carry above its own text; a reply is cut there too.
REPLY_ABOVE_MARKER = "Reply above this line"


class InboundError(ValueError):
    """The request does not hold an email message (junk): answered 400."""


# --- Signed reply addresses ---------------------------------------------------------------------


class ReplyTarget(NamedTuple):
    membership_id: int
    conversation_key: str


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
        if not number:
            return digits


def _mac(body: str, secret: str) -> str:
    digest = salted_hmac(TOKEN_SALT, body, secret=secret, algorithm="sha256").digest()[:MAC_BYTES]
    return base64.b32encode(digest).decode().lower().rstrip("=")


def _conversation_key(value: str | int) -> str:
    key = str(value).strip().lower()
    if not CONVERSATION_KEY.match(key):
        raise ValueError(f"A conversation key is 1 to 20 letters and digits, not {value!r}.")
    return key


def reply_token(membership_id: int, conversation_key: str | int) -> str:
    """``<membership id in base36>-<conversation key>-<mac>``: 30 to 50 characters."""
    if not isinstance(membership_id, int) or membership_id < 1:
        raise ValueError(f"A membership id is a positive integer, not {membership_id!r}.")
    body = f"{_base36(membership_id)}-{_conversation_key(conversation_key)}"
    return f"{body}-{_mac(body, settings.SECRET_KEY)}"


def reply_address(membership_id: int, conversation_key: str | int) -> str:
    """The address a reply from this person to this conversation is sent to. The local part
    stays within RFC 5321's 64 characters (at most 56)."""
    return f"{REPLY_PREFIX}{reply_token(membership_id, conversation_key)}@{inbound_domain()}"


def inbound_domain() -> str:
    return (getattr(settings, "INBOUND_EMAIL_DOMAIN", "") or "").strip().lower().rstrip(".")


def parse_reply_token(token: str) -> ReplyTarget | None:
    token = (token or "").strip().lower()
    parts = token.split("-")
    if len(parts) != 3 or len(token) > 64:
        return None
    member, key, mac = parts
    if not member or len(member) > 12 or any(c not in _BASE36 for c in member) or not CONVERSATION_KEY.match(key):
        return None
    body = f"{member}-{key}"
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac.encode(), _mac(body, secret).encode()) for secret in secrets):
        return None
    membership_id = int(member, 36)
    return ReplyTarget(membership_id, key) if membership_id > 0 else None


def parse_reply_address(address: str) -> ReplyTarget | None:
    """(membership id, conversation key) of a signed reply address at INBOUND_EMAIL_DOMAIN,
    in any case, with or without a display name; None for any other address or a token
    whose signature does not hold."""
    addresses = getaddresses([address or ""])
    if len(addresses) != 1:
        return None
    local, _, domain = addresses[0][1].strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    if not local or not domain or domain != inbound_domain():
        return None
    local = local.lower()
    if not local.startswith(REPLY_PREFIX):
        return None
    return parse_reply_token(local.removeprefix(REPLY_PREFIX))


def secret_matches(authorization: str, secret: str) -> bool:
    """Whether an Authorization header carries the shared secret: ``Bearer <secret>``, or
    HTTP Basic with the secret as the password (any user name), or as the user name with an
    empty password (``https://<secret>@host/…``), as providers send it. Constant time."""
    if not secret or not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    expected = secret.encode()
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.encode(), expected)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        user, _, password = decoded.partition(b":")
        given = password if password else user
        return hmac.compare_digest(given, expected)
    return False


# --- Reading a raw message ---------------------------------------------------------------------


@dataclass
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass
class InboundEmail:
    recipients: list[str]
    sender: str  # the From address (addr-spec), as written
    subject: str
    message_id: str
    text: str  # the reply as sent: the text/plain part, or the HTML part as text
    attachments: list[Attachment] = field(default_factory=list)
    automatic: bool = False  # an auto-reply (out of office), a bounce or a list's mail
    fingerprint: str = ""  # sha256 of the Message-ID, or of the raw bytes without one


def _header(message: EmailMessage, name: str) -> list[str]:
    """Every value of a header as text; a header too broken to read counts as absent."""
    try:
        return [str(value) for value in message.get_all(name, [])]
    except Exception:  # noqa: BLE001 — a malformed header in a stranger's message is not our error
        return []


def _addresses(message: EmailMessage, names) -> list[str]:
    found = []
    for name in names:
        for _display, address in getaddresses(_header(message, name)):
            if "@" in address and address not in found:
                found.append(address.strip())
    return found


def _is_automatic(message: EmailMessage) -> bool:
    """RFC 3834's Auto-Submitted, and the older marks of autoresponders and lists."""
    auto = " ".join(_header(message, "Auto-Submitted")).strip().lower()
    if auto and auto != "no":
        return True
    precedence = " ".join(_header(message, "Precedence")).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond") or _header(message, "List-Id"):
        return True
    if message.get_content_type() == "multipart/report":  # a delivery or read report
        return True
    senders = " ".join(address.lower() for address in _addresses(message, ("From",)))
    return "mailer-daemon@" in senders or "postmaster@" in senders


def part_text(part: EmailMessage) -> str:
    """A text part's content in its declared charset; an unknown or wrong charset falls back
    to UTF-8 (then Latin-1), never an error."""
    try:
        text = part.get_content()
        if isinstance(text, str):
            return text
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next one."""
    lines, current = [], None
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        soft = line.endswith(" ") and line != "-- " and not line.startswith(">")
        piece = line[:-1] if soft and delsp else line
        current = piece if current is None else current + piece
        if not soft:
            lines.append(current)
            current = None
    if current is not None:
        lines.append(current)
    return "\n".join(lines)


def _clean_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")).strip()
    return name[:150] or "attachment"


def _leaves(message: EmailMessage, *, related: bool = False):
    """(part, embedded) for the message's leaf parts, without going inside an attached
    message. An embedded part is one the HTML shows in place (inside multipart/related, with
    a Content-ID, not sent as an attachment): a signature's logo, not a file sent."""
    if message.is_multipart():
        inside = related or message.get_content_type() == "multipart/related"
        for child in message.iter_parts():
            yield from _leaves(child, related=inside)
    else:
        attached = message.get_content_disposition() == "attachment"
        yield message, related and bool(_header(message, "Content-ID")) and not attached


def fingerprint_of(message_id: str, raw: bytes) -> str:
    normalised = message_id.strip().strip("<>").strip()
    return hashlib.sha256(normalised.encode() if normalised else raw).hexdigest()


def parse_message(raw: bytes) -> InboundEmail:
    """An email from its raw bytes; ``InboundError`` when they are not one (no From or no
    recipient: junk)."""
    if not raw or not raw.strip():
        raise InboundError("empty body")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # noqa: BLE001 — the parser is lenient; anything else is junk
        raise InboundError("unreadable message") from error
    senders = _addresses(message, ("From",))
    recipients = _addresses(message, RECIPIENT_HEADERS)
    if not senders or not recipients:
        raise InboundError("no From or no recipient")
    body_parts = []
    for preference in (("plain",), ("html",)):
        try:
            found = message.get_body(preferencelist=preference)
        except Exception:  # noqa: BLE001
            found = None
        if found is not None:
            body_parts.append(found)
            text = part_text(found).replace("\r\n", "\n").replace("\r", "\n")
            if preference == ("html",):
                text = html_to_text(text)
            elif (found.get_param("format") or "").lower() == "flowed":
                text = unflow(text, delsp=(found.get_param("delsp") or "").lower() == "yes")
            break
    else:
        text = ""
    attachments = []
    for part, embedded in _leaves(message):
        if embedded or any(part is chosen for chosen in body_parts):
            continue
        name = part.get_filename()
        if part.get_content_disposition() != "attachment" and not name:
            continue  # an alternative text or HTML body, not a file
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(Attachment(_clean_name(name or ""), part.get_content_type(), payload))
    message_id = " ".join(_header(message, "Message-ID")).strip()
    return InboundEmail(
        recipients=recipients,
        sender=senders[0],
        subject=" ".join(" ".join(_header(message, "Subject")).split()),
        message_id=message_id,
        text=text,
        attachments=attachments,
        automatic=_is_automatic(message),
        fingerprint=fingerprint_of(message_id, raw),
    )


def raw_from_form(content_type: str, body: bytes, names=("email", "body-mime")) -> bytes | None:
    """The raw message from a multipart/form-data post (SendGrid's and Mailgun's raw-MIME
    webhooks put it in a field), read with the email parser: no limit on a field's size
    but the request's own."""
    try:
        form = BytesParser(policy=policy.default).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
    except Exception:  # noqa: BLE001
        return None
    if not form.is_multipart():
        return None
    for part in form.iter_parts():
        if part.get_param("name", header="content-disposition") not in names:
            continue
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            return inner.as_bytes() if isinstance(inner, EmailMessage) else None
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else None
    return None


# --- HTML as text ------------------------------------------------------------------------------

_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3"}
    | {"h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tbody", "td", "th"}
    | {"thead", "tr", "ul"}
)
_SKIPPED = frozenset({"head", "script", "style", "title", "template"})
# Where a client's HTML puts the quoted conversation: everything from there on is dropped.
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted"})
_QUOTE_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"})


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0
        self.quote = 0
        self.pre = 0
        self.stopped = False

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        attributes = {name: (value or "") for name, value in attrs}
        classes = set(attributes.get("class", "").lower().split())
        if classes & _QUOTE_CLASSES or attributes.get("id", "").lower() in _QUOTE_IDS:
            self.stopped = True
            return
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag, attrs):
        if not self.stopped and tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if self.stopped:
            return
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data):
        if self.stopped or self.skipping:
            return
        data = data.replace("\xa0", " ")
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        if self.quote:
            # Quoted text is marked as a plain-text client would, so the stripper drops it.
            data = "\n".join("> " + line for line in data.split("\n"))
        self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOf()
    with contextlib.suppress(Exception):  # html.parser is lenient; keep what was read
        parser.feed(html)
        parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- Taking the quoted conversation off ----------------------------------------------------------

# "On Mon, 2 Mar 2026 at 10:00, Dana <d@x.org> wrote:" and its translations.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote:"
    r"|Le\b.{0,300}\ba écrit ?:"
    r"|Am\b.{0,300}\bschrieb.{0,100}:"
    r"|El\b.{0,300}\bescribió ?:"
    r"|Op\b.{0,300}\bschreef.{0,100}:"
    r"|Il giorno\b.{0,300}\bha scritto ?:"
    r"|Em\b.{0,300}\bescreveu ?:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Forwarded message|Message d'origine|Ursprüngliche Nachricht|"
    r"Mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|De|Von|Van|Da)\s?:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Envoyé|Gesendet|Datum|Enviado|Verzonden|Inviato)\s?:\*?\s", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(?:Sent from my \w[\w ]{0,40}|Sent from (?:Outlook|Mail|Yahoo Mail)\b.{0,60}|"
    r"Get Outlook for (?:iOS|Android)\b.{0,80}|Envoyé de mon \w[\w ]{0,40}|Von meinem \w.{0,60} gesendet)\s*$",
    re.IGNORECASE,
)


def _joined(lines: list[str], start: int, end: int) -> str:
    return " ".join(part.strip() for part in lines[start:end])


def _attribution_starts(lines: list[str], index: int) -> bool:
    """Whether the attribution starts on this line: alone, or wrapped over two or three lines
    (Gmail wraps a long one) when it does not start on a later one of them (a sentence of
    the reply that begins with "On" stays)."""
    for span in (1, 2, 3):
        end = index + span
        span_lines = lines[index:end]
        if end > len(lines) or any(line.lstrip().startswith(">") or not line.strip() for line in span_lines):
            return False
        if _ATTRIBUTION.match(_joined(lines, index, end)):
            return not any(_ATTRIBUTION.match(_joined(lines, later, end)) for later in range(index + 1, end))
    return False


def _cut_at(lines: list[str]) -> int:
    """The index of the first line of the quoted conversation, or len(lines)."""
    for index, line in enumerate(lines):
        if REPLY_ABOVE_MARKER.lower() in line.lower():
            return index
        if _SIGNATURE.match(line) or _ORIGINAL_MESSAGE.match(line):
            return index
        # The attribution on one line, or wrapped over two or three (Gmail wraps a long one).
        if line.strip() and not line.lstrip().startswith(">") and _attribution_starts(lines, index):
            return index
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(later) for later in lines[index + 1 : index + 5]):
            return index - 1 if index and _RULE.match(lines[index - 1]) else index
        if _RULE.match(line) and index + 1 < len(lines) and _HEADER_FROM.match(lines[index + 1]):
            return index
    return len(lines)


def strip_quoted(text: str) -> str:
    """What the person wrote: without the attribution line ("On …, … wrote:") and all after
    it, Outlook's "-----Original Message-----" or "From: … Sent: …" block and all after
    it, lines quoted with ">", the signature after "-- ", a phone's "Sent from my …" line
    and control characters; lines keep their text, trailing whitespace goes."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))
    text = text.replace("\ufeff", "").replace("\u2028", "\n").replace("\u2029", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    lines = lines[: _cut_at(lines)]
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _MOBILE.match(lines[-1]):
        lines.pop()
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n").rstrip()
