"""Everything periodic (seeds 000, 002, 003, 004): reminders worked out from the data by a
daily scan, the joint quarterly report, surveys with anonymous aggregates, and feedback.

Reminders are rows before they are emails: each has a unique ``key`` (who, what, which
period), so a second scan, a retried task or a restarted worker finds the row already
there and never sends it twice. A worker claims rows with a conditional update before it
sends them (see ``surveys.services.reminders``).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program
from relationships.models import Mentorship

# --- Reminders ----------------------------------------------------------------------------


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


# Nudges a person may turn off; everything else is something only they can do.
NON_ESSENTIAL_KINDS = frozenset({ReminderKind.CHECKIN, ReminderKind.SURVEY, ReminderKind.SURVEY_LAST_CALL})


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


class QuarterlyReport(models.Model):
    """The pair's joint report for one calendar quarter: written together, confirmed by
    both, submitted once. It is for the program office (unlike meeting notes)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="quarterly_reports")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    goals_achieved = EncryptedTextField("goals achieved", blank=True, max_length=5000)
    next_plans = EncryptedTextField("plans for the next quarter", blank=True, max_length=5000)
    barriers = EncryptedTextField("barriers to ongoing success", blank=True, max_length=5000)
    revision = models.PositiveIntegerField(default=0, help_text="Raised by every save; a stale save is refused.")
    updated_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    # Each party confirms a revision; the report is submitted when both confirmed the same one.
    mentor_confirmed_revision = models.PositiveIntegerField(null=True, blank=True)
    mentee_confirmed_revision = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-year", "-quarter", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "year", "quarter"], name="quarterly_report_once"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarterly_report_quarter"),
        ]
        indexes = [models.Index(fields=["organization", "year", "quarter"])]

    def __str__(self) -> str:
        return f"Q{self.quarter} {self.year} report for mentorship {self.mentorship_id}"

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year}"


# --- Surveys (seed 000: periodic feedback surveys; seed 004: the 6-month assessment) -------


class Audience(models.TextChoices):
    BOTH = "both", "Mentors and mentees"
    MENTORS = "mentors", "Mentors"
    MENTEES = "mentees", "Mentees"


class SurveySchedule(models.TextChoices):
    ONCE = "once", "Once"
    EVERY_N_MONTHS = "every_n_months", "Every N months"
    AFTER_PAIRING = "after_pairing", "N months into each pairing"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Survey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
        help_text="Empty: every program of the organization.",
    )
    title = models.CharField(max_length=200)
    intro = models.TextField("introduction", blank=True, max_length=3000)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.BOTH)
    anonymous = models.BooleanField(
        default=True,
        help_text="Answers are not linked to people, and results are shown only for groups of 5 or more.",
    )
    schedule = models.CharField(max_length=20, choices=SurveySchedule.choices, default=SurveySchedule.ONCE)
    interval_months = models.PositiveSmallIntegerField(
        "months", null=True, blank=True, help_text="Every N months, or N months into each pairing."
    )
    opens_on = models.DateField("first sent on", default=timezone.localdate)
    open_days = models.PositiveSmallIntegerField("open for (days)", default=14)
    status = models.CharField(max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    # Built-in surveys the program's settings call for, e.g. "six_month_assessment".
    builtin = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "builtin"], condition=~Q(builtin=""), name="survey_one_builtin_per_program"
            )
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    LIKERT = "likert", "Agree / disagree (5 points)"
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    RATING = "rating", "Rating 0–10"
    TEXT = "text", "Free text"


LIKERT_LABELS = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


class Question(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    text = models.CharField("question", max_length=500)
    choices = models.JSONField(default=list, blank=True, help_text="Options for single and multiple choice.")
    required = models.BooleanField(default=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyWave(models.Model):
    """One sending of a survey: a period of a recurring survey, or one pairing's turn."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveIntegerField(default=1)
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], condition=Q(mentorship__isnull=True), name="survey_wave_once_per_period"
            ),
            models.UniqueConstraint(
                fields=["survey", "mentorship"],
                condition=Q(mentorship__isnull=False),
                name="survey_wave_once_per_pairing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.number}"


class SurveyInvitation(models.Model):
    """Who was asked to answer a wave. ``answered`` records only *that* the person answered:
    for an anonymous survey the row keeps no date, and nothing that points at the response
    (the day is kept, in ``responded_on``, for a named survey only)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="invitations")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="survey_invitations")
    role = models.CharField(max_length=10, blank=True)
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=uuid.uuid4)
    answered = models.BooleanField(default=False)
    responded_on = models.DateField(
        null=True, blank=True, help_text="The day a named survey was answered; never set for an anonymous one."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["wave", "membership"], name="survey_invitation_once")]

    def __str__(self) -> str:
        return f"Invitation to {self.wave} for {self.membership_id}"


class SurveyResponse(models.Model):
    """One person's answers to a wave. An anonymous response keeps only what its aggregates
    need (the wave, the role, and the month: see ``services.results.release_plan``): a random
    id, no respondent, no program, no day or time. Nothing in the row orders it among the
    others or points at an invitation, and listing by id lists in random order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="responses")
    # Empty for anonymous surveys.
    respondent = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=10, blank=True)
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_on = models.DateField(help_text="Named: the day. Anonymous: the first day of the month, nothing finer.")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["wave", "pk"]
        indexes = [models.Index(fields=["survey", "submitted_on"])]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"


class SurveyAnswer(models.Model):
    """One answer of a response: a random id, and written text encrypted without a time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True, help_text="Likert 1–5 or rating 0–10.")
    choices = models.JSONField(default=list, blank=True)
    text = EncryptedTextField(blank=True, max_length=5000, timeless=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["question", "pk"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"Answer to question {self.question_id}"


class Feedback(models.Model):
    """Feedback a participant sends to the program office at any time (seed 000)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Empty if anonymous."
    )
    text = EncryptedTextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Feedback {self.pk}"
