"""A circle (seed 004's "group" and "facilitated peer" models): one or two facilitators and
3 to 12 members around a theme, for a set time; its members and their signatures of the
circle's agreement."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.storage import encrypted_storage, random_name
from programs.models import GoalArea, Hub, Membership, Organization, Program

MIN_CAPACITY = 3
MAX_CAPACITY = 12
MAX_FACILITATORS = 2


class CircleStatus(models.TextChoices):
    FORMING = "forming", "Forming"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class CircleEndReason(models.TextChoices):
    ENDED_ON_DATE = "ended_on_date", "Reached its end date"
    ENDED_BY_COORDINATOR = "ended_by_coordinator", "Ended by a coordinator"


class Circle(models.Model):
    """A group of members around a theme, led by one or two facilitators."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="circles")
    name = models.CharField(max_length=150)
    theme = models.CharField(max_length=200, help_text="What the circle meets about, in a few words.")
    goal_area = models.ForeignKey(GoalArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="circles")
    hub = models.ForeignKey(Hub, on_delete=models.SET_NULL, null=True, blank=True, related_name="circles")
    # Shown to the program's members when they browse circles (not confidential).
    description = models.TextField(blank=True, max_length=3000)
    capacity = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(MIN_CAPACITY), MaxValueValidator(MAX_CAPACITY)],
        help_text="Members, 3 to 12; facilitators are not counted.",
    )
    open_to_join = models.BooleanField(
        default=False, help_text="Members may join by themselves; when it is full they join a waitlist."
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=20, choices=CircleStatus.choices, default=CircleStatus.FORMING)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    end_reason = models.CharField(max_length=30, choices=CircleEndReason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["starts_on", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=MIN_CAPACITY, capacity__lte=MAX_CAPACITY), name="circle_capacity_3_to_12"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="circle_ends_after_start"),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ended(self) -> bool:
        return self.status == CircleStatus.ENDED


class CircleRole(models.TextChoices):
    FACILITATOR = "facilitator", "Facilitator"
    MEMBER = "member", "Member"


class CircleMemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WAITLISTED = "waitlisted", "Waitlisted"
    LEFT = "left", "Left"
    REPLACED = "replaced", "Replaced"
    REMOVED = "removed", "Removed"


class CircleOrigin(models.TextChoices):
    COORDINATOR = "coordinator", "Added by a coordinator"
    JOINED = "joined", "Joined by themselves"
    ROUND = "round", "Placed by a formation round"


LIVE_MEMBER_STATUSES = (CircleMemberStatus.ACTIVE, CircleMemberStatus.WAITLISTED)


class CircleMember(models.Model):
    """A person's place in a circle. Rows are never deleted: leaving, being removed or replaced
    changes the status, so the circle's history stays."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="circle_places")
    role = models.CharField(max_length=20, choices=CircleRole.choices, default=CircleRole.MEMBER)
    status = models.CharField(max_length=20, choices=CircleMemberStatus.choices, default=CircleMemberStatus.ACTIVE)
    origin = models.CharField(max_length=20, choices=CircleOrigin.choices, default=CircleOrigin.COORDINATOR)
    joined_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["role", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "membership"],
                condition=Q(status__in=["active", "waitlisted"]),
                name="circle_member_one_live_place",
            )
        ]
        indexes = [
            models.Index(fields=["circle", "status", "role"]),
            models.Index(fields=["membership", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.circle_id} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_MEMBER_STATUSES


def _signature_pdf_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "circles")


class CircleAgreementSignature(models.Model):
    """One person's signature of their circle's agreement (ground rules and confidentiality):
    the typed name, the e-sign consent it was given under, where it came from, the hash of
    the exact text signed, and a sealed PDF of it (encrypted at rest, as agreements are)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="signatures")
    member = models.ForeignKey(CircleMember, on_delete=models.PROTECT, related_name="signatures")
    typed_name = models.CharField(max_length=150)
    # The e-sign consent record, as a dyad agreement's signature keeps it: the person's
    # consent (agreements.SigningConsent) and the hash of the disclosure agreed to.
    consent = models.ForeignKey(
        "agreements.SigningConsent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_text_hash = models.CharField(max_length=64, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    text_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(storage=encrypted_storage, upload_to=_signature_pdf_path, blank=True, max_length=300)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["member"], name="circle_signature_one_per_place")]

    def __str__(self) -> str:
        return f"Circle agreement signed by {self.typed_name}"
