"""A program: its pairing model and rules, its goal-area catalogue and its eligibility rules."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.storage import private_storage
from programs.models.organizations import MemberStatus, Organization, slug_validator

DEFAULT_PRINCIPLES = (
    "Participation is voluntary, and the mentoring relationship is a shared responsibility of both parties.\n"
    "The mentee articulates goals and focus areas; the mentor helps build a successful, satisfying and "
    "sustainable career around mutually agreed goals.\n"
    "Mentor and mentee keep their discussions confidential unless both agree otherwise.\n"
    "Both commit to the program's minimum commitment and meeting schedule.\n"
    "The program complements training available at the mentee's own institution; the mentor is not a "
    "tutor on patient-specific clinical issues."
)

# Seeds 001 and 004: areas a mentee may need help with.
DEFAULT_GOAL_AREAS = (
    "Board preparation",
    "Success in research",
    "Designing research",
    "Writing grants and finding funding",
    "Writing manuscripts",
    "Leadership and leading teams",
    "Work-life balance and wellness",
    "Career development and job search",
    "Preparing for promotion",
    "Residency or fellowship application",
    "Teaching effectively",
    "Networking",
    "Building a referral practice",
    "Patient experience",
    "Navigating the institution",
    "Managing time, staff and budgets",
    "Managing conflict",
    "Medico-legal issues",
    "Ethics and professionalism",
    "Societies, advocacy and volunteering",
)


class ProgramModel(models.TextChoices):
    COMMITTEE = "committee", "Committee pairs, both parties consent"
    HUBS = "hubs", "Hubs: mentees rank their top three hubs"
    SELF_SELECT = "self_select", "Self-selection: mentees browse biosketches and request a mentor"
    # Seed 004's other models: "peer" and "facilitated peer", "group".
    PEER = "peer", "Peer mentoring: people at the same level are paired with each other"
    CIRCLES = "circles", "Group circles: one or two facilitators with 3 to 12 members around a theme"


# The models that pair a mentor with a mentee (a dyad, seed 004's most common model).
DYAD_MODELS = (ProgramModel.COMMITTEE, ProgramModel.HUBS, ProgramModel.SELF_SELECT)
# The models whose proposed pairings wait for the committee (the program's committee
# decision rule applies) before they are offered: committee pairs, and peer pairs.
COMMITTEE_REVIEWED_MODELS = (ProgramModel.COMMITTEE, ProgramModel.PEER)


class Cadence(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    TWICE_YEARLY = "twice_yearly", "Twice a year"


class InPersonCadence(models.TextChoices):
    NONE = "", "No in-person requirement"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    TWICE_YEARLY = "twice_yearly", "Twice a year"
    YEARLY = "yearly", "Once a year"


class CommitteeRule(models.TextChoices):
    COORDINATOR = "coordinator", "The committee votes; a coordinator finalizes"
    MAJORITY = "majority", "A majority of the committee decides"


class Role(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    # Peer programs (seed 004's "peer" model): one pool, no sides. A peer program's
    # applications and its eligibility rule have this role, and only this one.
    PEER = "peer", "Peer"


def _private_storage():
    """Program-wide files (the program guide): private, not encrypted (not a pair's)."""
    return private_storage()


def _guide_path(instance, filename: str) -> str:
    return f"org-{instance.organization_id}/guides/{secrets.token_hex(8)}-{filename}"


class Program(models.Model):
    """A mentorship program an organization runs: its model and rules are data, not code."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, validators=[slug_validator], help_text="Used in the program's address.")
    description = models.TextField(blank=True)
    model = models.CharField("pairing model", max_length=20, choices=ProgramModel.choices)
    guide = models.FileField(
        "program guide", storage=_private_storage, upload_to=_guide_path, blank=True, max_length=300
    )
    applications_open = models.DateTimeField("applications open", null=True, blank=True)
    applications_close = models.DateTimeField("applications close", null=True, blank=True)
    min_commitment_months = models.PositiveSmallIntegerField(
        "minimum commitment (months)", default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    meeting_cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.QUARTERLY)
    in_person_cadence = models.CharField(
        "minimum in-person meetings", max_length=20, choices=InPersonCadence.choices, blank=True, default=""
    )
    first_meeting_days = models.PositiveSmallIntegerField(
        "first meeting within (days)", default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    six_month_assessment = models.BooleanField("6-month assessment", default=True)
    yearly_review = models.BooleanField("yearly review", default=True)
    quarterly_reports = models.BooleanField(
        "joint quarterly report",
        default=False,
        help_text="Each pair submits goals achieved, plans and barriers to the program office every quarter.",
    )
    default_mentees_per_mentor = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    max_mentees_per_mentor = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    committee_rule = models.CharField(
        "committee decision",
        max_length=20,
        choices=CommitteeRule.choices,
        default=CommitteeRule.COORDINATOR,
        help_text="Committee-model programs: how a proposed pairing is approved before it is offered.",
    )
    max_open_requests = models.PositiveSmallIntegerField(
        "open requests per mentee",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Self-selection programs: how many mentors a mentee may ask at once.",
    )
    request_response_days = models.PositiveSmallIntegerField(
        "days a mentor has to answer",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Self-selection programs: an unanswered request expires after this.",
    )
    # Stable-mode rounds (committee model): each side may rank a shortlist of the other side.
    rankings_open = models.BooleanField(
        "participants rank a shortlist",
        default=False,
        help_text="Programs matched by a stable round: mentees and mentors rank their top choices of the other "
        "side. Anyone who does not falls back to the program's scores.",
    )
    shortlist_length = models.PositiveSmallIntegerField(
        "places on a shortlist",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many people each participant may rank (1 to 20).",
    )
    rankings_deadline = models.DateTimeField(
        "rankings close",
        null=True,
        blank=True,
        help_text="In your time zone. After this, lists are read-only. Leave empty to keep them open.",
    )
    # Seed 004's "speed" model, run as dated events of a dyad program (e.g. at a society's
    # annual meeting, seed 000): mutual picks become pairings through the program's consent flow.
    speed_events = models.BooleanField(
        "speed-mentoring events",
        default=False,
        help_text="Speed mentoring: at a dated event, mentors sit at tables and mentees rotate through short "
        "rounds. Afterwards each side says whom they would like to continue with, and mutual picks are "
        "offered as pairs through this program's usual consent flow. Dyad programs only.",
    )
    principles = models.TextField(
        "guiding principles", default=DEFAULT_PRINCIPLES, help_text="One per line. Applicants must accept them all."
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Members see the program and can apply while applications are open."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="program_slug_unique_per_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def principle_list(self) -> list[str]:
        return [line.strip() for line in self.principles.splitlines() if line.strip()]

    @property
    def is_peer(self) -> bool:
        return self.model == ProgramModel.PEER

    @property
    def application_roles(self) -> tuple[str, ...]:
        """The roles people apply for in this program: peers in a peer program, otherwise
        mentee and mentor."""
        return (Role.PEER,) if self.is_peer else (Role.MENTEE, Role.MENTOR)

    def rankings_are_open(self, at=None) -> bool:
        """Participants may still change their shortlist (the program asks for one and its
        deadline has not passed)."""
        if not self.rankings_open or self.model != ProgramModel.COMMITTEE:
            return False
        return not (self.rankings_deadline and (at or timezone.now()) >= self.rankings_deadline)

    def applications_are_open(self, at=None) -> bool:
        at = at or timezone.now()
        if not self.is_published:
            return False
        if self.applications_open and at < self.applications_open:
            return False
        return not (self.applications_close and at >= self.applications_close)


class GoalArea(models.Model):
    """One entry of a program's goal-area catalogue (areas of need / areas of mentoring)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goal_areas")
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="goal_area_unique_per_program")]

    def __str__(self) -> str:
        return self.name


class EligibilityRule(models.Model):
    """Who may apply for a role in a program; evaluated automatically, with reasons."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="eligibility_rules")
    role = models.CharField(max_length=10, choices=Role.choices)
    allowed_statuses = models.JSONField(
        default=list, blank=True, help_text="Member statuses that may apply; empty means any status."
    )
    min_years_experience = models.PositiveSmallIntegerField(
        "minimum years of experience", null=True, blank=True, help_text="Years since starting practice."
    )
    attestations = models.JSONField(
        default=list, blank=True, help_text="Yes/no statements the applicant must confirm, one per entry."
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "role"], name="eligibility_rule_per_role")]

    def __str__(self) -> str:
        return f"{self.program}: {self.get_role_display()} eligibility"

    @property
    def allowed_status_labels(self) -> list[str]:
        labels = dict(MemberStatus.choices)
        return [labels.get(s, s) for s in self.allowed_statuses]
