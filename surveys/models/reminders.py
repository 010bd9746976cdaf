"""Reminders: what was sent to whom and why (one row per reminder, so none is sent
twice), and the scans that decide what is due."""

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models import Membership, Organization, Program
from relationships.models import Mentorship


class ReminderKind(models.TextChoices):
    CHECKIN = "checkin", "Check-in due"
    FIRST_MEETING = "first_meeting", "First meeting due"
    FIRST_MEETING_MISSED = "first_meeting_missed", "First meeting missed"
    ASSESSMENT = "assessment", "6-month assessment"
    YEARLY_REVIEW = "yearly_review", "Yearly review"
    SENIOR_REVIEW = "senior_review", "Senior mentor's 6-month hub review"
    QUARTERLY_REPORT = "quarterly_report", "Quarterly report"
    SURVEY = "survey", "Survey"
    SURVEY_LAST_CALL = "survey_last_call", "Survey closing soon"
    CONSENT = "consent", "Pairing awaiting your answer"
    SIGNATURE = "signature", "Agreement awaiting your signature"
    REQUEST = "request", "Mentoring request awaiting your answer"
    QUIET = "quiet", "Quiet mentorship"


# Nudges a person may turn off; everything else is something only they can do.
NON_ESSENTIAL_KINDS = frozenset(
    {ReminderKind.CHECKIN, ReminderKind.SURVEY, ReminderKind.SURVEY_LAST_CALL, ReminderKind.QUIET}
)


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent (nudges off or no longer due)"
    FAILED = "failed", "Failed"


class Reminder(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reminders")
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    # "<kind>:<object>:<recipient>:<period>": unique, so a reminder is recorded only once.
    key = models.CharField(max_length=200, unique=True)
    period = models.CharField(max_length=40, blank=True, help_text="Which period this reminder is for.")
    due_on = models.DateField(null=True, blank=True)
    path = models.CharField(max_length=300, help_text="Where the one-click link leads, relative to the site.")
    # What the email says beyond its kind (a survey's title, the other person's name...).
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    handed_out_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to a worker.")
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.get_status_display()})"


class ReminderScan(models.Model):
    """One run of the daily scan (across organizations): when, for which day, what it did."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    today = models.DateField()
    recorded = models.PositiveIntegerField(default=0, help_text="New reminders recorded.")
    enqueued = models.PositiveIntegerField(default=0, help_text="Reminders handed to workers.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Reminder scan for {self.today} ({self.recorded} recorded)"


# --- Quarterly report (seed 002) ---------------------------------------------------------
