"""Speed-mentoring events (seed 004's "speed" model): at a dated event mentors sit at
tables and mentees rotate through short rounds; afterwards each side says whom they would
like to continue with, and mutual picks become proposals in the program's consent flow."""

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models import Membership, Organization, Program


class EventStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held: picks open"
    CLOSED = "closed", "Closed"


class SpeedRole(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


class SpeedEvent(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="speed_events_held")
    name = models.CharField(max_length=200, help_text="For example, “Speed mentoring at the annual meeting”.")
    starts_at = models.DateTimeField("starts at", help_text="When the first round begins.")
    location = models.CharField(
        max_length=200, blank=True, help_text="Where the tables are, for example “Hall B, annual meeting”."
    )
    rounds = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many short rounds each mentee rotates through (1 to 20).",
    )
    round_minutes = models.PositiveSmallIntegerField(
        "minutes per round",
        default=10,
        validators=[MinValueValidator(3), MaxValueValidator(60)],
        help_text="The length of one conversation at a table (3 to 60 minutes).",
    )
    changeover_minutes = models.PositiveSmallIntegerField(
        "minutes between rounds",
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(15)],
        help_text="Time for mentees to move to their next table (0 to 15 minutes).",
    )
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.PLANNED)
    picks_close_at = models.DateTimeField(
        "picks close at",
        null=True,
        blank=True,
        help_text="After the event, people say whom they would like to continue with until this time.",
    )
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="The schedule's numbers from the engine.")
    offer_results = models.JSONField(
        default=list, blank=True, help_text="Mutual picks offered or skipped: [{mentor, mentee, proposal, reason}]."
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rounds__gte=1, rounds__lte=20), name="speed_event_rounds_range"),
            models.CheckConstraint(
                condition=Q(round_minutes__gte=3, round_minutes__lte=60), name="speed_event_round_minutes_range"
            ),
            models.CheckConstraint(condition=Q(changeover_minutes__lte=15), name="speed_event_changeover_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def round_starts(self, round_number: int):
        step = self.round_minutes + self.changeover_minutes
        return self.starts_at + timedelta(minutes=step * round_number)

    @property
    def ends_at(self):
        return self.round_starts(self.rounds - 1) + timedelta(minutes=self.round_minutes)

    @property
    def picks_open(self) -> bool:
        return self.status == EventStatus.HELD and (self.picks_close_at is None or timezone.now() < self.picks_close_at)

    @property
    def picks_closed(self) -> bool:
        return self.status == EventStatus.CLOSED or (
            self.status == EventStatus.HELD
            and self.picks_close_at is not None
            and timezone.now() >= self.picks_close_at
        )


class SpeedParticipant(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(SpeedEvent, on_delete=models.CASCADE, related_name="participants")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="speed_participations")
    role = models.CharField(max_length=10, choices=SpeedRole.choices)
    table_number = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Mentors only.")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["role", "table_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "membership"], name="speed_participant_once"),
            models.UniqueConstraint(
                fields=["event", "table_number"], condition=Q(table_number__isnull=False), name="speed_table_once"
            ),
            models.CheckConstraint(
                condition=Q(role="mentor") | Q(table_number__isnull=True), name="speed_table_mentors_only"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} ({self.get_role_display()})"


class SpeedSlot(models.Model):
    """One conversation: in round ``round_number`` (from 0) the mentee sits at the mentor's table."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(SpeedEvent, on_delete=models.CASCADE, related_name="slots")
    round_number = models.PositiveSmallIntegerField()
    mentor = models.ForeignKey(SpeedParticipant, on_delete=models.CASCADE, related_name="mentor_slots")
    mentee = models.ForeignKey(SpeedParticipant, on_delete=models.CASCADE, related_name="mentee_slots")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["round_number", "mentor__table_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "round_number", "mentor"], name="speed_slot_table_once"),
            models.UniqueConstraint(fields=["event", "round_number", "mentee"], name="speed_slot_mentee_once"),
            models.UniqueConstraint(fields=["event", "mentor", "mentee"], name="speed_slot_pair_once"),
        ]

    def __str__(self) -> str:
        return f"Round {self.round_number + 1}, table {self.mentor.table_number}"


class SpeedPick(models.Model):
    """“I'd like to continue with…”: private to the chooser until it is mutual."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(SpeedEvent, on_delete=models.CASCADE, related_name="picks")
    chooser = models.ForeignKey(SpeedParticipant, on_delete=models.CASCADE, related_name="picks_made")
    chosen = models.ForeignKey(SpeedParticipant, on_delete=models.CASCADE, related_name="picks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["chooser", "chosen"], name="speed_pick_once"),
            models.CheckConstraint(condition=~Q(chooser=F("chosen")), name="speed_pick_not_self"),
        ]

    def __str__(self) -> str:
        return f"Pick {self.pk}"
