"""Forming circles from members' choices: each member ranks up to three circles; a
coordinator runs a round, the committee may review it, and applying it places the members."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from circles.models.circle import Circle
from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program

MAX_CHOICES = 3


class CircleChoice(models.Model):
    """One of a member's top three circles."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="circle_choices")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="circle_choices")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["program", "membership", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "circle"], name="circle_choice_unique_circle"),
            models.UniqueConstraint(fields=["program", "membership", "rank"], name="circle_choice_unique_rank"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=MAX_CHOICES), name="circle_choice_rank_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. circle {self.circle_id}"


class FormationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In committee review"
    APPROVED = "approved", "Approved"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"


class FormationRound(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="formation_rounds")
    status = models.CharField(max_length=20, choices=FormationStatus.choices, default=FormationStatus.DRAFT)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    objective = models.CharField(max_length=200, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Formation round {self.pk} ({self.get_status_display()})"


class FormationPlacement(models.Model):
    """A member placed in a circle by a round, with the member's rank of it (0: not ranked),
    the score and what made it up."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(FormationRound, on_delete=models.CASCADE, related_name="placements")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(default=0.0)
    contributions = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["circle", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "membership"], name="formation_placement_one_per_member")
        ]

    def __str__(self) -> str:
        return f"Placement of {self.membership_id} in circle {self.circle_id}"


class FormationVote(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(FormationRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    approve = models.BooleanField()
    comment = EncryptedTextField(blank=True, max_length=2000)  # about who goes with whom: encrypted
    voted_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["voted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="formation_vote_one_per_voter")]

    def __str__(self) -> str:
        return f"{'Approve' if self.approve else 'Reject'} by {self.voter_id}"
