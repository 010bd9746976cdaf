"""The pair's conversation (issue 18): messages between the mentor and the mentee, with
attachments, edits within five minutes, removal that leaves "message removed", and a read
pointer per person (read receipts).

Confidentiality as for meeting notes: the text is encrypted at rest, attachments are
encrypted files in private storage, and only the pair reads either. Coordinators see the
conversation's counts and last-activity date (``Conversation.message_count`` and
``last_message_at``), never text. A conversation belongs to a relationship today; a
circle's conversation (issue 19) gets its own foreign key beside ``mentorship``.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from mentorship.storage import encrypted_storage, random_name
from programs.models import Membership, Organization
from relationships.models.mentorship import Mentorship

# How long the author may still edit a message after sending it.
EDIT_WINDOW = timedelta(minutes=5)
MESSAGE_MAX_LENGTH = 5000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _attachment_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "messages")


class Conversation(models.Model):
    """One per relationship, made with its first message or first visit."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.OneToOneField(Mentorship, on_delete=models.CASCADE, related_name="conversation")
    # Metadata a coordinator may see: how many messages, and when the last one was sent.
    message_count = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Moves with every new, edited or removed message and every read receipt: the page's
    # ETag, so a polling page is answered "not modified" until something changed.
    changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"Conversation {self.pk}"


class Message(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(blank=True, max_length=MESSAGE_MAX_LENGTH)
    attachment = models.FileField(storage=encrypted_storage, upload_to=_attachment_path, blank=True, max_length=300)
    # The name the file had on the sender's device (encrypted: it can say what the file is).
    attachment_name = EncryptedTextField(blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    attachment_size = models.PositiveIntegerField(null=True, blank=True)
    via_email = models.BooleanField(default=False, help_text="Sent as a reply to a notification email.")
    # A reply by email: the SHA-256 of its Message-ID (of the raw message without one), so
    # that a provider's retry of the same email does not land twice. Never the ID itself.
    email_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conversation_time")]

    def __str__(self) -> str:
        return f"Message {self.pk}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    def editable_until(self):
        return self.created_at + EDIT_WINDOW

    def editable_at(self, moment) -> bool:
        """Whether the author may still edit it at ``moment`` (the one rule: the page's Edit
        link and the edit service both ask here)."""
        return not self.is_removed and moment <= self.editable_until()


class ConversationRead(models.Model):
    """How far one person has read a conversation: every message up to ``last_read_at``
    (the read receipt the other side sees)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "reader"], name="conversation_read_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"Read to {self.last_read_at:%Y-%m-%d %H:%M}"
