"""How pairings are made: mentees' requests to mentors in self-selection programs, match
rounds, proposed pairings and the committee's votes. The Mentorship they create lives in
the relationships app."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization, Program, Role
from relationships.models import Mentorship


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
    # The program office's own business: coordinators see it, the two people never do
    # (``note`` is the "why this pairing" text that is shown to both).
    chosen_by_hand = models.BooleanField(
        default=False, help_text="The program office chose this mentor by hand in a match round (coordinators only)."
    )
    # Why the pair was proposed and why either declined: encrypted at rest.
    note = EncryptedTextField("why this pairing", blank=True, max_length=2000)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When the committee's review ended (approved and offered, or rejected)."
    )
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


class Ranking(models.Model):
    """A participant's shortlist of the other side in a stable-mode program, best first.
    A stable round puts it before the program's scores; people without one are ranked by
    the scores alone."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rankings")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="rankings")
    role = models.CharField(
        max_length=10, choices=Role.choices, help_text="The side the person ranks from: a mentee ranks mentors."
    )
    # Membership ids of the other side, best first; the service checks each one and refuses
    # duplicates, so a position is never held twice.
    chosen = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["program", "pk"]
        constraints = [models.UniqueConstraint(fields=["program", "membership"], name="ranking_one_per_person")]

    def __str__(self) -> str:
        return f"Ranking of {self.membership_id} in {self.program_id}"
