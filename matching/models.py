"""Pairings: the Mentorship itself, the pairs never to propose again, and mentees'
requests to mentors in self-selection programs."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program


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


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the mentor"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class MentorshipRequest(models.Model):
    """A mentee's request to a mentor in a self-selection program (seed 003)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="mentorship_requests")
    mentee = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="requests_sent")
    mentor = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="requests_received")
    # The request's texts are the pair's (and the program leads') business: encrypted at rest.
    message = EncryptedTextField(max_length=2000)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(
        "private reason", blank=True, max_length=1000, help_text="Only the mentor sees this."
    )
    guidance = EncryptedTextField(blank=True, max_length=2000, help_text="A note from the program leads.")
    guidance_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    guidance_at = models.DateTimeField(null=True, blank=True)
    mentorship = models.OneToOneField(
        Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Editing the message and sending again must not create a second request.
            models.UniqueConstraint(
                fields=["program", "mentee", "mentor"],
                condition=Q(status="open"),
                name="request_one_open_per_pair",
            ),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="request_not_self"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.mentee.user} → {self.mentor.user} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.status == RequestStatus.OPEN and self.expires_at <= timezone.now()


class RoundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"
    SENT = "sent", "Sent for review"


class MatchRound(models.Model):
    """One run of the matching engine over a program's pool, with the weights used. Its
    draft proposals can be locked, overridden and re-run before they are sent on."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_rounds")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=20, choices=RoundStatus.choices, default=RoundStatus.QUEUED)
    mode = models.CharField(max_length=20, default="optimal")
    weights = models.JSONField(default=dict)
    conflict_rules = models.JSONField(default=list, blank=True, help_text="Hard rules, e.g. same_institution.")
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    objective = models.CharField(max_length=200, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    unmatched = models.JSONField(default=list, blank=True, help_text="[{mentee: membership id, reason: text}]")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Match round {self.pk} of {self.program}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft in a match round"
    PROPOSED = "proposed", "Awaiting the committee"
    REJECTED = "rejected", "Rejected by the committee"
    OFFERED = "offered", "Offered to both"
    CONFIRMED = "confirmed", "Confirmed by both"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the program"


class Response(models.TextChoices):
    PENDING = "pending", "Not answered yet"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Proposal(models.Model):
    """A pairing the program proposes. Final only when both people accept (seed 000: both
    parties must agree before a pairing is final)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="proposals")
    mentor = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="proposals_as_mentor")
    mentee = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="proposals_as_mentee")
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OFFERED)
    match_round = models.ForeignKey(
        MatchRound, on_delete=models.CASCADE, null=True, blank=True, related_name="proposals"
    )
    score = models.FloatField(null=True, blank=True)
    contributions = models.JSONField(default=dict, blank=True, help_text="Score by factor; they add up to the score.")
    alternatives = models.JSONField(default=list, blank=True, help_text="Next best mentors: [[membership id, score]].")
    hub_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    locked = models.BooleanField(default=False, help_text="Kept as it is when the round is re-run.")
    # Why the pair was proposed and why either declined: encrypted at rest.
    note = EncryptedTextField("why this pairing", blank=True, max_length=2000)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    mentor_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    mentor_responded_at = models.DateTimeField(null=True, blank=True)
    mentor_reason = EncryptedTextField(blank=True, max_length=1000, help_text="Private: the program office only.")
    mentee_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    mentee_responded_at = models.DateTimeField(null=True, blank=True)
    mentee_reason = EncryptedTextField(blank=True, max_length=1000, help_text="Private: the program office only.")
    mentorship = models.OneToOneField(
        Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "mentor", "mentee"],
                condition=Q(status__in=["proposed", "offered"]),
                name="proposal_one_open_per_pair",
            ),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="proposal_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor.user} × {self.mentee.user} ({self.get_status_display()})"

    def response_of(self, membership: Membership) -> str | None:
        if membership.pk == self.mentor_id:
            return self.mentor_response
        if membership.pk == self.mentee_id:
            return self.mentee_response
        return None


class VoteDecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class Vote(models.Model):
    """A committee member's vote on a proposed pairing (never on one involving themselves)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="votes")
    decision = models.CharField(max_length=10, choices=VoteDecision.choices)
    comment = EncryptedTextField(blank=True, max_length=2000)  # about a proposed pair: encrypted at rest
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["proposal", "voter"], name="vote_one_per_member")]

    def __str__(self) -> str:
        return f"{self.voter.user}: {self.get_decision_display()}"


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
