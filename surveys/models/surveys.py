"""Surveys: their questions, waves, invitations, responses and answers."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program
from relationships.models import Mentorship


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
