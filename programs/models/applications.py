"""A member's application to a program, and a hub-model applicant's ranked hubs."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models.hubs import Hub
from programs.models.organizations import Membership, Organization
from programs.models.programs import GoalArea, Program, Role


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The applications that count: a mentor who may be asked or proposed, and a mentee who may
# ask for a mentor or be proposed one.
MENTOR_LIVE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED)
MENTEE_LIVE = (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED)


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"


class Application(models.Model):
    """A member's application to a program as mentor or mentee."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="applications")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="applications")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    # What the person writes about themselves and their pairing is encrypted at rest
    # (read by the person and the program office; never searched in the database).
    goals_statement = EncryptedTextField(blank=True, max_length=5000)
    goal_areas = models.ManyToManyField(GoalArea, blank=True, related_name="applications")
    meeting_modes = models.JSONField(default=list, blank=True)
    preferences = EncryptedTextField("preferences about the other person", blank=True, max_length=3000)
    capacity = models.PositiveSmallIntegerField("mentees I can take", null=True, blank=True)
    principles_accepted = models.BooleanField(default=False)
    attestation_answers = models.JSONField(default=dict, blank=True)
    eligible = models.BooleanField(null=True, blank=True, help_text="Result of the last eligibility check.")
    eligibility_reasons = models.JSONField(default=list, blank=True)
    eligibility_checked_at = models.DateTimeField(null=True, blank=True)
    override_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    override_reason = EncryptedTextField(blank=True, max_length=2000)
    override_at = models.DateTimeField(null=True, blank=True)
    decision_message = EncryptedTextField(blank=True, max_length=3000)
    decided_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            # One live application per person, program and role (a withdrawn one may be redone).
            models.UniqueConstraint(
                fields=["program", "membership", "role"],
                condition=~Q(status="withdrawn"),
                name="application_one_live_per_role",
            )
        ]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.membership.user} — {self.get_role_display()} application to {self.program}"


class HubChoice(models.Model):
    """One of a hub-model applicant's top three hubs."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="hub_choices")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField()

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="hub_choice_unique_rank"),
            models.UniqueConstraint(fields=["application", "hub"], name="hub_choice_unique_hub"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=3), name="hub_choice_rank_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.hub}"
