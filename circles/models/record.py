"""A circle's record: meetings with agendas and summaries, each person's answer and
attendance, and private notes. Every free text is encrypted at rest; coordinators see only
metadata (that a meeting happened, when, who came), never the text."""

import uuid

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from circles.models.circle import Circle, CircleMember
from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization


class CircleMeeting(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(help_text="Stored in UTC; shown in each person's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    location = EncryptedTextField("place or link", blank=True, max_length=500)
    agenda = EncryptedTextField(blank=True)
    summary = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # iCalendar identity: the UID never changes; SEQUENCE rises with every update.
    uid = models.CharField(max_length=100, unique=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["circle", "starts_at"])]

    def __str__(self) -> str:
        return f"Circle meeting {self.pk} ({self.starts_at:%Y-%m-%d})"


class RsvpResponse(models.TextChoices):
    NONE = "", "No answer yet"
    YES = "yes", "Yes"
    NO = "no", "No"
    MAYBE = "maybe", "Maybe"


class CircleRsvp(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(CircleMeeting, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(CircleMember, on_delete=models.CASCADE, related_name="rsvps")
    response = models.CharField(max_length=10, choices=RsvpResponse.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["meeting", "member"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="circle_rsvp_one_per_member")]

    def __str__(self) -> str:
        return f"RSVP {self.pk} ({self.response or 'none'})"


class CircleNote(models.Model):
    """A note only its author can read (not the circle, not coordinators, not admins)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(CircleMeeting, on_delete=models.CASCADE, null=True, blank=True, related_name="notes")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["circle", "author"])]

    def __str__(self) -> str:
        return f"Circle note {self.pk}"
