"""The relationship itself: a mentor and a mentee paired in a program, its status, stage,
origin and ending; the pairs never to propose again; and removals from a program."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program, ProgramModel


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CONCLUDED = "concluded", "Concluded"
    ENDED = "ended", "Ended"


LIVE_STATUSES = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


class Stage(models.TextChoices):
    # Seed 001: exploration (1–2 meetings), understanding (1–2), action planning (the rest).
    EXPLORATION = "exploration", "Exploration"
    UNDERSTANDING = "understanding", "Understanding"
    ACTION_PLANNING = "action_planning", "Action planning"


class Origin(models.TextChoices):
    PROPOSAL = "proposal", "Proposed by the program"
    REQUEST = "request", "Requested by the mentee"
    MANUAL = "manual", "Paired by a coordinator"
    SENIOR = "senior", "Senior mentor of a hub mentor"


class EndReason(models.TextChoices):
    NO_FAULT = "no_fault", "Ended under the no-fault clause"
    CONCLUDED = "concluded", "Concluded at review"
    REMOVED = "removed", "Participant removed from the program"


class Mentorship(models.Model):
    """A mentor and a mentee paired in a program. Never deleted: an ended pairing stays
    readable to the pair."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="mentorships")
    mentor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="mentorships_as_mentor")
    mentee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="mentorships_as_mentee")
    status = models.CharField(max_length=20, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.EXPLORATION)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    started_on = models.DateField(default=timezone.localdate)
    planned_end_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "mentor", "mentee"],
                condition=Q(status__in=["active", "paused"]),
                name="mentorship_one_live_per_pair",
            ),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="mentorship_not_self"),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.mentor.user} mentoring {self.mentee.user} ({self.program})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_peer(self) -> bool:
        """A pairing of a peer program (seed 004's "peer" model): two people at the same
        level. ``mentor`` and ``mentee`` are then only its first and second peer: every
        page says "peer", and both can do the same things."""
        return self.program.model == ProgramModel.PEER

    def other_of(self, membership: Membership) -> Membership | None:
        """The other person of the pair, for one of them."""
        if membership.pk == self.mentor_id:
            return self.mentee
        if membership.pk == self.mentee_id:
            return self.mentor
        return None

    def party(self, membership: Membership) -> str | None:
        if membership.pk == self.mentor_id:
            return "mentor"
        if membership.pk == self.mentee_id:
            return "mentee"
        return None


class ExclusionReason(models.TextChoices):
    DECLINED_REQUEST = "declined_request", "Mentor declined a request"
    DECLINED_PROPOSAL = "declined_proposal", "Declined a proposed pairing"
    ENDED = "ended", "A mentorship between them ended"


class PairExclusion(models.Model):
    """A pair the program must never propose or allow again (a decline or an ending)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pair_exclusions")
    mentor = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=30, choices=ExclusionReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "mentor", "mentee"], name="pair_exclusion_unique")]

    def __str__(self) -> str:
        return f"{self.mentor.user} × {self.mentee.user}: {self.get_reason_display()}"


class ProgramRemoval(models.Model):
    """A coordinator removed a person from a program (seed 000: the program may remove a
    participant at any time). The reason is recorded for the program office."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="removals")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="program_removals")
    reason = EncryptedTextField(max_length=2000)  # about one person: encrypted at rest
    removed_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.membership.user} removed from {self.program}"
