"""The relationship's working record (seeds 001–004): meetings with agendas, summaries,
follow-up tasks and private notes; goals; an access log; the program's resources page.

Confidentiality by design: every free-text field the pair writes is encrypted at rest
(mentorship.fields.EncryptedTextField). Coordinators see only metadata — that a meeting
happened, when, how, at which stage — never the text.
"""

import uuid

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program
from relationships.models.mentorship import Mentorship


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    EVENT = "event", "At a society event"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    NOT_HELD = "not_held", "Did not take place"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="meetings")
    scheduled_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    starts_at = models.DateTimeField(help_text="Stored in UTC; shown in each person's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    mode = models.CharField(max_length=20, choices=MeetingMode.choices, default=MeetingMode.VIDEO)
    location = EncryptedTextField("place or link", blank=True, max_length=500)
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    # iCalendar identity: the UID never changes; SEQUENCE rises with every update.
    uid = models.CharField(max_length=100, unique=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    agenda = EncryptedTextField(blank=True, help_text="The mentee's plan for this meeting.")
    agenda_updated_at = models.DateTimeField(null=True, blank=True)
    # Who wrote the agenda last (peers both write it): a read of it is logged only for the other.
    agenda_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    summary = EncryptedTextField(blank=True, help_text="What was discussed; both can read it.")
    held_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    logged_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    logged_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=20, blank=True, help_text="The relationship's stage when it was held.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["mentorship", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"Meeting {self.pk} ({self.get_status_display()}, {self.starts_at:%Y-%m-%d})"


class FollowUpTask(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="tasks")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks")
    description = EncryptedTextField()
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return f"Task {self.pk}"


class PrivateNote(models.Model):
    """A note only its author can read (not the other party, not coordinators, not admins)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "author"], name="private_note_one_per_author")]

    def __str__(self) -> str:
        return f"Private note {self.pk}"


class GoalStatus(models.TextChoices):
    OPEN = "open", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Set aside"


class Goal(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    title = EncryptedTextField()
    from_agreement = models.BooleanField(default=False)
    target_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    achieved_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["status", "target_on", "pk"]

    def __str__(self) -> str:
        return f"Goal {self.pk} ({self.get_status_display()})"


class GoalNote(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Progress note {self.pk}"


class ContentRead(models.Model):
    """Each time one party opened content the other wrote (the pair sees this log)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="content_reads")
    reader = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)  # agenda, summary, task, goal_note
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} read"


class ProgramResources(models.Model):
    """A program's resources page: guide, tips for mentors and mentees, meeting preparation,
    discussion topics. Coordinators edit it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="resources")
    body = models.TextField(blank=True, max_length=50000)
    updated_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"Resources of {self.program}"
