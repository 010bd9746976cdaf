"""The notification centre and email preferences (issue 18).

A ``Notification`` is one thing waiting for a person in an organization: an offer to
consent to, an agreement to sign, a meeting, a reminder, new messages. Its title is
metadata written by the product ("Dana Reyes sent you 2 messages"), never what a person
wrote. Unread notifications with the same ``key`` collapse into one whose ``count`` rises.

``Digest`` is the once-a-day email for people who chose a digest for messages or nudges:
one row per person (membership) and day, under a unique key, claimed before sending, as
reminders are, so a second beat or a retried task never sends it twice.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models.organizations import Membership, Organization


class EmailDelivery(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "In a daily digest"
    OFF = "off", "Don't email me"


class NotificationKind(models.TextChoices):
    MESSAGE = "message", "New messages"
    OFFER = "offer", "A pairing awaiting your answer"
    AGREEMENT = "agreement", "An agreement to sign"
    MEETING = "meeting", "A meeting"
    REMINDER = "reminder", "A reminder"
    QUIET = "quiet", "A quiet mentorship"
    OTHER = "other", "Something else"


class NotificationCategory(models.TextChoices):
    # Obligations (a consent, a signature, a review) are always emailed, whatever the
    # person chose; messages and nudges follow their email preferences.
    OBLIGATION = "obligation", "Something only you can do"
    MESSAGE = "message", "Messages"
    NUDGE = "nudge", "Nudges"


class Notification(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    category = models.CharField(max_length=20, choices=NotificationCategory.choices)
    title = models.CharField(max_length=200)
    path = models.CharField(max_length=300, help_text="Where the person does what it asks.")
    key = models.CharField(max_length=200, blank=True, help_text="Unread notifications with one key collapse.")
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When it went into an email (immediately or in a digest); digests take the rest.
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey("Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="items")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=Q(read_at__isnull=True) & ~Q(key=""),
                name="notification_one_unread_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_unread"),
            models.Index(fields=["recipient", "created_at"], name="notification_recipient_time"),
            # The digest scan reads only what waits for a digest: unread, never emailed, in
            # no digest, not an obligation (those are emailed at once). A small index however
            # many read notifications the table keeps.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, emailed_at__isnull=True, digest__isnull=True)
                & ~Q(category="obligation"),
                name="notification_digest_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"


class DigestStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"
    FAILED = "failed", "Failed"


class Digest(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    status = models.CharField(max_length=20, choices=DigestStatus.choices, default=DigestStatus.PENDING)
    item_count = models.PositiveIntegerField(default=0)
    handed_out_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to a worker.")
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="digest_one_per_person_day")]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digest_status_claim")]

    def __str__(self) -> str:
        return f"Digest {self.day} for {self.recipient_id}"
