"""Reply by email (issue 18): a reply to a message notification lands in the pair's
conversation as a message of its sender, with the quoted conversation taken off.

The notification's Reply-To is a signed address naming one person and one relationship
(``mentorship.inbound.reply_address``, set by ``relationships.services.messages``). The mail provider posts
the raw reply to ``/inbound/email/`` (``relationships.views.inbound``), which hands it to
``receive_reply``. A reply lands only when all of these hold:

- one of its recipients is a reply address whose signature holds (not forged, not moved to
  another person or relationship);
- it is not an automatic message (an out-of-office reply, a delivery report);
- it comes from the address of that person's account (or another verified address of
  theirs): the address alone is not enough to write as them;
- the person is still an active member and a party of the relationship, which is live;
- something is left once the quoted text is taken off, and the message service accepts it;
- it has not landed before (providers retry: the same Message-ID lands once).

Anything else is refused with a reason: the endpoint still answers 200 (a provider retries
every other answer for days), writes no message and logs ids only, never text. When the
person is who they say they are (the address is theirs) and the refusal is one they can do
something about, they get an email saying why, at most one an hour.
"""

import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_scopes import scope, scopes_disabled

from mentorship import freshness, inbound
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs.models import Membership
from relationships.models import Mentorship
from relationships.models.messages import ATTACHMENT_MAX_BYTES, Message
from relationships.services.messages import file_kind, message_send
from relationships.services.pairs import absolute_url, lock_memberships

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
# Why a reply did not land: the code the endpoint answers, and what the bounce says.
REFUSALS = {
    "not_for_us": "It was not sent to a reply address of this site, or the address was changed.",
    "automatic": "It is an automatic message (an out-of-office reply or a delivery report).",
    "unknown_person": "The reply address belongs to nobody any more.",
    "sender_mismatch": "It was sent from an address that is not the one of the account the reply address is for.",
    "inactive_member": "You are no longer a member of the organization.",
    "not_a_party": "You are not the mentor or the mentee of that relationship.",
    "mentorship_ended": "The relationship has ended: its conversation takes no new messages.",
    "empty": "Nothing was left once the quoted conversation was taken off: write your reply above the quoted text.",
    "invalid": "The message could not be sent.",
}
# Refusals worth telling the sender about once we know the address is theirs.
BOUNCED = frozenset({"inactive_member", "not_a_party", "mentorship_ended", "empty", "invalid"})
BOUNCE_INTERVAL_SECONDS = 60 * 60


@dataclass(frozen=True)
class Outcome:
    reason: str  # ACCEPTED, DUPLICATE or a key of REFUSALS
    detail: str = ""  # what the person may read: the refusal, or the message service's words
    message_id: int | None = None
    ignored_attachments: int = 0

    @property
    def landed(self) -> bool:
        return self.reason in (ACCEPTED, DUPLICATE)


def _owner_addresses(user) -> set[str]:
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return {address.strip().lower() for address in [user.email, *verified] if address}


def _attachment(attachments: list[inbound.Attachment]) -> tuple[SimpleUploadedFile | None, int]:
    """The first PDF, PNG or JPEG within the size limit, as an upload; how many others were left."""
    chosen, ignored = None, 0
    for attachment in attachments:
        kind = file_kind(attachment.content)  # the same kinds as an upload
        if chosen is None and kind and 0 < len(attachment.content) <= ATTACHMENT_MAX_BYTES:
            mime, extensions = kind
            name = attachment.name
            if not name.lower().endswith(extensions):
                name = f"{name.rsplit('.', 1)[0] if '.' in name else name}{extensions[0]}"
            chosen = SimpleUploadedFile(name, attachment.content, content_type=mime)
        else:
            ignored += 1
    return chosen, ignored


def _ignored_note(count: int) -> str:
    files = "1 more attachment was" if count == 1 else f"{count} more attachments were"
    return (
        f"({files} not added: a message carries one PDF, PNG or JPEG file of up to "
        f"{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB.)"
    )


def _refuse(reason: str, target, *, detail: str = "", member=None, mentorship=None, sender: str = "") -> Outcome:
    logger.info(
        "Reply by email refused: %s (membership %s, conversation %s)",
        reason,
        getattr(target, "membership_id", None),
        getattr(target, "conversation_key", None),
    )
    detail = detail or REFUSALS[reason]
    if member is not None and reason in BOUNCED:
        _bounce(member, mentorship, sender, detail)
    return Outcome(reason, detail)


def _bounce(member: Membership, mentorship, sender: str, detail: str) -> None:
    """Tell the person why their reply did not land, at their own verified address only, at
    most once an hour (a loop with an autoresponder stops there)."""
    if not cache.add(f"inbound-bounce:{member.pk}", 1, BOUNCE_INTERVAL_SECONDS):
        return
    context = {
        "organization": member.organization,
        "reason": detail,
        "conversation_url": absolute_url("conversation", org_slug=member.organization.slug, pk=mentorship.pk)
        if mentorship is not None
        else settings.SITE_URL,
    }
    queue_email(render_email("email/message_reply_refused", context, to=[sender], recipient_name=member.user.full_name))


def _target(email: inbound.InboundEmail) -> inbound.ReplyTarget | None:
    for recipient in email.recipients:
        found = inbound.parse_reply_address(recipient)
        if found is not None:
            return found
    return None


def receive_reply(raw: bytes) -> Outcome:
    """Land a raw reply email in its conversation, or say why not. ``InboundError`` when the
    bytes are not an email at all."""
    email = inbound.parse_message(raw)
    target = _target(email)
    if target is None:
        return _refuse("not_for_us", None)
    if email.automatic:
        return _refuse("automatic", target)
    with scopes_disabled():
        member = (
            Membership.objects.select_related("user", "organization").filter(pk=target.membership_id).first()
            if target.conversation_key.isdigit() and len(target.conversation_key) <= 18  # a bigint
            else None
        )
        if member is None:
            return _refuse("unknown_person", target)
        sender = email.sender.strip().lower()
        if sender not in _owner_addresses(member.user):
            return _refuse("sender_mismatch", target)
        mentorship = (
            Mentorship.objects.filter(pk=int(target.conversation_key), organization_id=member.organization_id)
            .select_related("organization")
            .first()
        )
    refused = {"member": member, "mentorship": mentorship, "sender": sender}
    if not member.is_active or not member.user.is_active:
        return _refuse("inactive_member", target, **refused)
    if mentorship is None or mentorship.party(member) is None:
        return _refuse("not_a_party", target, **{**refused, "mentorship": None})
    if not mentorship.is_live:
        return _refuse("mentorship_ended", target, **refused)
    body = inbound.strip_quoted(email.text)
    upload, ignored = _attachment(email.attachments)
    if not body and upload is None:
        return _refuse("empty", target, **refused)
    if ignored:
        body = f"{body}\n\n{_ignored_note(ignored)}".strip()
    return _land(member, mentorship, body, upload, ignored, email.fingerprint, target, refused)


def _land(member, mentorship, body, upload, ignored, fingerprint, target, refused) -> Outcome:
    try:
        # As on the organization's pages: scoped to it, and its writes move its data version.
        with freshness.writes_of(member.organization_id), scope(organization=member.organization), transaction.atomic():
            # Two deliveries of the same email (a provider's retry racing the first) wait
            # for each other here; the second sees the first's message.
            lock_memberships(member)
            earlier = Message.objects.filter(author=member, email_message_id=fingerprint).first()
            if earlier is not None:
                logger.info("Reply by email already landed: message %s", earlier.pk)
                return Outcome(DUPLICATE, message_id=earlier.pk)
            message = message_send(
                actor=member,
                mentorship=mentorship,
                body=body,
                attachment=upload,
                via_email=True,
                email_message_id=fingerprint,
            )
    except ServiceError as error:
        return _refuse("invalid", target, detail=error.message, **refused)
    except PermissionDenied:
        return _refuse("not_a_party", target, **refused)
    logger.info("Reply by email landed: message %s (membership %s)", message.pk, member.pk)
    return Outcome(ACCEPTED, message_id=message.pk, ignored_attachments=ignored)
