"""The pair's conversation (issue 18): send, edit within five minutes, remove, read.

Every function checks that the actor is one of the pair (PermissionDenied otherwise: views
answer 404) and locks the conversation row, so two messages sent at once count right and
an edit races no removal. Text is encrypted at rest by the field; attachments are checked
by their first bytes (not their names) and kept encrypted in private storage.

Telling the other side: a notification (collapsed per conversation while unread), an email
when they chose "immediately" (one per unread streak, not one per message: later messages
raise the notification's count instead; sent two minutes later and only if still unread, by
``relationships.message_email``), and a live event to both people's open pages
carrying the conversation's id only (``mentorship.realtime``).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship import realtime
from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError, raise_if_errors
from mentorship.mail import queue_email, render_email
from mentorship.validators import multi_line_error
from programs.models import Membership, Notification, NotificationCategory, NotificationKind
from programs.services import notifications
from relationships.models import (
    ATTACHMENT_MAX_BYTES,
    MESSAGE_MAX_LENGTH,
    Conversation,
    ConversationRead,
    Mentorship,
    Message,
)
from relationships.services.pairs import absolute_url, require_party

logger = logging.getLogger(__name__)

# What an attachment may be, told by its first bytes: (content type, extensions, label).
ATTACHMENT_KINDS = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"GIF87a", "image/gif", (".gif",)),
    (b"GIF89a", "image/gif", (".gif",)),
)
ATTACHMENT_HELP = "A PDF or an image (PNG, JPEG or GIF), at most 10 MB."


def conversation_key(conversation: Conversation) -> str:
    return f"conversation:{conversation.pk}"


def conversation_url(mentorship: Mentorship) -> str:
    return reverse("conversation", kwargs={"org_slug": mentorship.organization.slug, "pk": mentorship.pk})


# --- Checks ---------------------------------------------------------------------------------


def file_kind(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(content type, its file extensions) of a file an attachment may be, told by its first
    bytes; None for any other file. Uploads and files in reply emails both ask here."""
    return next(((kind, extensions) for magic, kind, extensions in ATTACHMENT_KINDS if head.startswith(magic)), None)


def attachment_error(upload) -> tuple[str | None, str]:
    """(why the file cannot be attached or None, its content type)."""
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if not size:
        return "That file is empty. Choose the file again.", ""
    if size > ATTACHMENT_MAX_BYTES:
        return f"That file is {size / (1024 * 1024):.1f} MB; an attachment can be at most 10 MB.", ""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = file_kind(head)
    if kind is None:
        return f"That kind of file cannot be attached. {ATTACHMENT_HELP}", ""
    content_type, extensions = kind
    if not name.endswith(extensions):
        return (
            f"That file's name does not match what it is ({content_type}). "
            f"Rename it to end in {extensions[0]} or export it again.",
            "",
        )
    return None, content_type


def _clean_body(body: str | None, *, has_attachment: bool) -> str:
    body = (body or "").strip()
    errors: dict = {}
    if not body and not has_attachment:
        errors["body"] = "Write a message or attach a file."
    elif len(body) > MESSAGE_MAX_LENGTH:
        errors["body"] = f"A message can be at most {MESSAGE_MAX_LENGTH} characters; this one has {len(body)}."
    elif problem := multi_line_error(body):
        errors["body"] = problem
    raise_if_errors(errors)
    return body


def _require_live(mentorship: Mentorship) -> None:
    if not mentorship.is_live:
        raise ServiceError("This mentorship has ended; its conversation is kept as it was, read-only.")


def _require_in_conversation(actor: Membership, message: Message) -> Mentorship:
    mentorship = message.conversation.mentorship
    require_party(actor, mentorship, "can change messages in this conversation")
    return mentorship


def _lock_conversation(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


# --- The conversation -----------------------------------------------------------------------


def conversation_for(mentorship: Mentorship) -> Conversation:
    """The relationship's conversation, made on first use (two first uses at once make one)."""
    conversation = Conversation.objects.filter(mentorship=mentorship).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(organization_id=mentorship.organization_id, mentorship=mentorship)
    except IntegrityError:
        return Conversation.objects.get(mentorship=mentorship)


def _other(mentorship: Mentorship, actor: Membership) -> Membership:
    return mentorship.mentee if actor.pk == mentorship.mentor_id else mentorship.mentor


def _changed(conversation: Conversation, now: datetime, **fields) -> None:
    conversation.changed_at = now
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.save(update_fields=["changed_at", *fields])


def _tell_pair(mentorship: Mentorship, conversation: Conversation) -> None:
    realtime.publish(
        [mentorship.mentor_id, mentorship.mentee_id], {"event": "conversation", "conversation": conversation.pk}
    )


@transaction.atomic
def message_send(
    *,
    actor: Membership,
    mentorship: Mentorship,
    body: str,
    attachment=None,
    via_email: bool = False,
    email_message_id: str = "",
) -> Message:
    """Send a message to the other person of the pair."""
    require_party(actor, mentorship, "can write in this conversation")
    content_type = ""
    errors: dict = {}
    if attachment is not None:
        problem, content_type = attachment_error(attachment)
        if problem:
            errors["attachment"] = problem
    try:
        body = _clean_body(body, has_attachment=attachment is not None and not errors)
    except ServiceError as error:
        errors.update(error.errors)
    raise_if_errors(errors)
    conversation = _lock_conversation(conversation_for(mentorship))
    fresh = Mentorship.objects.only("status").get(pk=mentorship.pk)
    mentorship.status = fresh.status
    _require_live(mentorship)
    sender = Membership.objects.filter(pk=actor.pk, is_active=True).exists()
    if not sender:
        raise PermissionDenied("Only active members can write.")
    now = timezone.now()
    message = Message(
        organization_id=mentorship.organization_id,
        conversation=conversation,
        author=actor,
        body=body,
        via_email=via_email,
        created_at=now,
    )
    if email_message_id:
        message.email_message_id = email_message_id
    if attachment is not None:
        message.attachment_name = (getattr(attachment, "name", "") or "attachment")[-200:]
        message.attachment_type = content_type
        message.attachment_size = attachment.size
        message.attachment.save(message.attachment_name, attachment, save=False)
    message.save()
    _changed(conversation, now, message_count=conversation.message_count + 1, last_message_at=now)
    # The author has read everything up to their own message, and their own notification of
    # the other's messages is read (else the next message of the other folds into it, unsent).
    ConversationRead.objects.update_or_create(
        conversation=conversation,
        reader=actor,
        defaults={"organization_id": mentorship.organization_id, "last_read_at": now},
    )
    notifications.mark_read_by_key(recipient=actor, key=conversation_key(conversation))
    _notify_other(mentorship, conversation, actor, message)
    _tell_pair(mentorship, conversation)
    return message


def _notify_other(mentorship: Mentorship, conversation: Conversation, actor: Membership, message: Message) -> None:
    other = _other(mentorship, actor)
    name = actor.user.full_name or "The other person"
    notification, created = notifications.notify(
        recipient=other,
        kind=NotificationKind.MESSAGE,
        category=NotificationCategory.MESSAGE,
        title=f"{name} sent you a message",
        title_many=f"{name} sent you {{count}} messages",
        path=conversation_url(mentorship),
        key=conversation_key(conversation),
    )
    # One email per unread streak: a message added to an unread notification waits for the
    # reader to open the conversation. And not at once: the email goes MESSAGE_EMAIL_DELAY_SECONDS
    # later, only if the message is still unread then, so two people writing to each other with
    # the page open are not emailed at every turn.
    if created and notifications.wants_email_now(other, NotificationCategory.MESSAGE):
        pks = (notification.pk, message.pk)
        transaction.on_commit(lambda: _queue_email(*pks))


def _queue_email(notification_id: int, message_id: int) -> None:
    try:
        registered_task("relationships.message_email").apply_async(
            (notification_id, message_id), countdown=settings.MESSAGE_EMAIL_DELAY_SECONDS
        )
    except Exception:  # the broker is down: the message is sent; the notification shows it
        logger.exception("Could not queue the email of message %s", message_id)


def email_if_unread(notification_id: int, message_id: int) -> bool:
    """Email the reader about the message if its notification is still unread and not yet
    emailed, and the message still stands; True when an email went out."""
    with scopes_disabled():
        notification = (
            Notification.objects.filter(pk=notification_id, read_at__isnull=True, emailed_at__isnull=True)
            .select_related("recipient__user", "organization")
            .first()
        )
        message = (
            Message.objects.filter(pk=message_id, removed_at__isnull=True)
            .select_related(
                "author__user", "conversation__mentorship__organization", "conversation__mentorship__program"
            )
            .first()
        )
        if notification is None or message is None:
            return False
        reader = notification.recipient
        if not notifications.wants_email_now(reader, NotificationCategory.MESSAGE):
            return False  # the reader changed their preference meanwhile
        mentorship = message.conversation.mentorship
        with scope(organization=mentorship.organization):
            _email(mentorship, message.author, reader, message)
            notifications.mark_emailed(notification)
    return True


def _email(mentorship: Mentorship, author: Membership, reader: Membership, message: Message) -> None:
    reply_to = []
    if getattr(settings, "REPLY_BY_EMAIL", False):
        from mentorship.inbound import reply_address

        reply_to = [reply_address(reader.pk, mentorship.pk)]
    # The text goes into the email only when a reply lands in the conversation: without reply
    # by email, a reply would carry it, quoted, to the site's own sender address.
    context = {
        "mentorship": mentorship,
        "author_name": author.user.full_name,
        "text": message.body if reply_to else "",
        "attachment_name": message.attachment_name if message.attachment and reply_to else "",
        "url": absolute_url("conversation", org_slug=mentorship.organization.slug, pk=mentorship.pk),
        "settings_url": absolute_url("notification_settings", org_slug=mentorship.organization.slug),
        "reply_by_email": bool(reply_to),
    }
    rendered = render_email(
        "email/message_new", context, to=[reader.user.email], reply_to=reply_to, organization=mentorship.organization
    )
    queue_email(rendered)


@transaction.atomic
def message_edit(*, actor: Membership, message: Message, body: str) -> Message:
    """The author corrects a message within five minutes of sending it."""
    mentorship = _require_in_conversation(actor, message)
    conversation = _lock_conversation(message.conversation)
    locked = Message.objects.select_for_update().get(pk=message.pk, conversation=conversation)
    if locked.author_id != actor.pk:
        raise PermissionDenied("Only the author can edit a message.")
    if locked.removed_at is not None:
        raise ServiceError("This message was removed; it cannot be edited.")
    now = timezone.now()
    if not locked.editable_at(now):
        raise ServiceError("A message can be edited for five minutes after it is sent. Send a new one instead.")
    _require_live(Mentorship.objects.only("status").get(pk=mentorship.pk))
    locked.body = _clean_body(body, has_attachment=bool(locked.attachment))
    locked.edited_at = now
    locked.save(update_fields=["body", "edited_at"])
    _changed(conversation, now)
    _tell_pair(mentorship, conversation)
    return locked


@transaction.atomic
def message_remove(*, actor: Membership, message: Message) -> Message:
    """The author removes a message: its text and attachment go; "message removed" stays."""
    mentorship = _require_in_conversation(actor, message)
    conversation = _lock_conversation(message.conversation)
    locked = Message.objects.select_for_update().get(pk=message.pk, conversation=conversation)
    if locked.author_id != actor.pk:
        raise PermissionDenied("Only the author can remove a message.")
    if locked.removed_at is not None:
        return locked
    now = timezone.now()
    stored = locked.attachment.name if locked.attachment else ""
    locked.body = ""
    locked.attachment = ""
    locked.attachment_name = ""
    locked.attachment_type = ""
    locked.attachment_size = None
    locked.removed_at = now
    locked.save(
        update_fields=["body", "attachment", "attachment_name", "attachment_type", "attachment_size", "removed_at"]
    )
    if stored:
        storage = Message._meta.get_field("attachment").storage
        transaction.on_commit(lambda: storage.delete(stored))
    _changed(conversation, now)
    _tell_pair(mentorship, conversation)
    return locked


def conversation_read(*, actor: Membership, conversation: Conversation) -> bool:
    """Move the actor's read pointer to the last message; True when it moved (the other
    side's read receipt changes, and the actor's message notification is read)."""
    mentorship = conversation.mentorship
    require_party(actor, mentorship, "can read this conversation")
    if conversation.last_message_at is None:
        return False
    pointer = ConversationRead.objects.filter(conversation=conversation, reader=actor).first()
    if pointer is not None and pointer.last_read_at >= conversation.last_message_at:
        return False
    with transaction.atomic():
        locked = _lock_conversation(conversation)  # serializes the pointer's first write
        pointer = ConversationRead.objects.filter(conversation=locked, reader=actor).first()
        if pointer is not None and pointer.last_read_at >= locked.last_message_at:
            return False
        if pointer is None:
            ConversationRead.objects.create(
                organization_id=conversation.organization_id,
                conversation=locked,
                reader=actor,
                last_read_at=locked.last_message_at,
            )
        else:
            pointer.last_read_at = locked.last_message_at
            pointer.save(update_fields=["last_read_at"])
        _changed(locked, timezone.now())
        conversation.changed_at = locked.changed_at
        notifications.mark_read_by_key(recipient=actor, key=conversation_key(locked))
        _tell_pair(mentorship, locked)
    return True
