import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from mentorship.storage import encrypted_storage, private_storage, random_name

INVITATION_VALID_DAYS = 14

# An organization's web address is the stem its founder chooses plus "-" and four random
# characters (programs.services.organization_create).
ORGANIZATION_SLUG_STEM_LENGTH = 55

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens (for example: surgical-society).",
)


class Organization(models.Model):
    """A tenant: a society, a department or an alumni network running mentorship programs."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        validators=[slug_validator],
        help_text="Used in the address of every page, as in /o/your-web-address/.",
    )
    contact_email = models.EmailField(help_text="Where participants can reach the program office.")
    contact_email_confirmed_at = models.DateTimeField(
        "contact address confirmed",
        null=True,
        blank=True,
        help_text="When someone with access to the contact address confirmed it. Invitations, which go out with "
        "it as their reply address, wait until then.",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_email_confirmed(self) -> bool:
        return self.contact_email_confirmed_at is not None


class MemberStatus(models.TextChoices):
    MEMBER = "member", "Member"
    CANDIDATE = "candidate", "Candidate member"
    FACULTY = "faculty", "Faculty"
    TRAINEE = "trainee", "Trainee"
    ALUMNI = "alumni", "Alumni"


class Membership(models.Model):
    """A person's place in one organization: their member status and their roles."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField("member status", max_length=20, choices=MemberStatus.choices, default=MemberStatus.MEMBER)
    is_coordinator = models.BooleanField(
        "coordinator", default=False, help_text="Runs the organization's programs: members, invitations, settings."
    )
    is_committee = models.BooleanField(
        "committee member", default=False, help_text="Reviews proposed pairings and votes on them."
    )
    is_active = models.BooleanField(
        default=True, help_text="Removed members keep their history but lose access to the organization."
    )
    nudges_enabled = models.BooleanField(
        "friendly nudges",
        default=True,
        help_text="Check-in and survey nudges. Reminders of something only you can do (a signature, "
        "a consent, a review, a report) are always sent.",
    )
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_per_org")]
        indexes = [models.Index(fields=["organization", "is_active", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_coordinator:
            labels.append("Coordinator")
        if self.is_committee:
            labels.append("Committee")
        return labels


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _default_expiry():
    return timezone.now() + timedelta(days=INVITATION_VALID_DAYS)


class Invitation(models.Model):
    """A coordinator's invitation for an email address to join the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    member_status = models.CharField(max_length=20, choices=MemberStatus.choices, default=MemberStatus.MEMBER)
    is_coordinator = models.BooleanField("coordinator", default=False)
    is_committee = models.BooleanField("committee member", default=False)
    message = models.TextField("personal message", blank=True, max_length=2000)
    profile_data = models.JSONField(
        default=dict, blank=True, help_text="Profile details from a roster import, applied when the person joins."
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_default_expiry)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address: re-inviting resends the open one.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired

    @property
    def display_status(self) -> str:
        if self.status == InvitationStatus.PENDING and self.is_expired:
            return "Expired"
        return self.get_status_display()


class SentEmailKind(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    CONTACT_CONFIRMATION = "contact_confirmation", "Contact address confirmation"
    FEEDBACK = "feedback", "Feedback notification"


class SentEmail(models.Model):
    """One email that someone in an organization made the site send to addresses they
    chose (or with words they chose): the rows the sending limits count
    (``programs.sending``). ``sent_by`` is empty where the sender must stay unknown
    (anonymous feedback)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=SentEmailKind.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invitation = models.ForeignKey(
        "Invitation", on_delete=models.CASCADE, null=True, blank=True, related_name="sent_emails"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        indexes = [
            models.Index(fields=["organization", "kind", "created_at"], name="sentemail_org_kind_time"),
            models.Index(fields=["sent_by", "kind", "created_at"], name="sentemail_sender_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sent {self.created_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Who did what, when, in an organization (namespaced action codes, e.g. ``invitation.accepted``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=100)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.summary}"


# =====================================================================================
# Programs (issue: programs, eligibility, profiles and applications)
# =====================================================================================

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


def _private_storage():
    """Program-wide files (the program guide): private, not encrypted (not a pair's)."""
    return private_storage()


def _guide_path(instance, filename: str) -> str:
    return f"org-{instance.organization_id}/guides/{secrets.token_hex(8)}-{filename}"


def _cv_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "cvs")


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


class PracticeSetting(models.TextChoices):
    ACADEMIC = "academic", "Academic"
    PRIVATE = "private", "Private practice"
    COMMUNITY = "community", "Community"
    MILITARY = "military", "Military"
    GOVERNMENT = "government", "Government / VA"
    INDUSTRY = "industry", "Industry"
    TRAINING = "training", "In training"
    OTHER = "other", "Other"


class Profile(models.Model):
    """A member's profile in one organization; in self-select programs, their biosketch."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="profile")
    specialty = models.CharField(max_length=120, blank=True)
    practice_setting = models.CharField(max_length=20, choices=PracticeSetting.choices, blank=True)
    year_started_practice = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year you started independent practice (after training)."
    )
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)
    institution = models.CharField("current institution", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / province / region", max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    clinical_interests = models.TextField(blank=True, max_length=2000)
    research_interests = models.TextField(blank=True, max_length=2000)
    languages = models.CharField(max_length=200, blank=True, help_text="Comma-separated.")
    bio = models.TextField("short bio", blank=True, max_length=4000)
    # Encrypted at rest, under a random name: shared only with the people chosen below.
    cv = models.FileField("CV (PDF)", storage=encrypted_storage, upload_to=_cv_path, blank=True, max_length=300)
    cv_shared_with = models.ManyToManyField(
        Membership, blank=True, related_name="cvs_shared_with_me", help_text="People who may download this CV."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"Profile of {self.membership.user}"

    @property
    def years_in_practice(self) -> int | None:
        if not self.year_started_practice:
            return None
        return max(0, timezone.now().year - self.year_started_practice)


# Profile fields a roster import may carry (and that an accepted invitation fills in).
PROFILE_IMPORT_FIELDS = (
    "specialty",
    "practice_setting",
    "year_started_practice",
    "graduation_year",
    "institution",
    "city",
    "region",
    "country",
)


class AffinityGroup(models.Model):
    """Hubs with thematic similarities, led by a senior mentor who mentors the hub mentors."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="affinity_groups")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    senior_mentor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_affinity_groups"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="affinity_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class HubTheme(models.TextChoices):
    RESEARCH = "research", "Research"
    EDUCATION = "education", "Education"
    LEADERSHIP = "leadership", "Leadership"
    SERVICE = "service", "Service"


class Hub(models.Model):
    """A hub of scholarly excellence; mentees rank their top three."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="hubs")
    affinity_group = models.ForeignKey(AffinityGroup, on_delete=models.PROTECT, related_name="hubs")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    theme = models.CharField(max_length=20, choices=HubTheme.choices)
    is_active = models.BooleanField(default=True, help_text="Inactive hubs cannot be ranked by new applicants.")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="hub_unique_name")]

    def __str__(self) -> str:
        return self.name


class HubMentor(models.Model):
    """A mentor in a hub, with how many mentees they can take."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="hub_mentors")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="hub_mentorships")
    capacity = models.PositiveSmallIntegerField(default=2, help_text="How many mentees this mentor can take.")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["hub__name", "membership__user__full_name"]
        constraints = [models.UniqueConstraint(fields=["hub", "membership"], name="hub_mentor_unique")]

    def __str__(self) -> str:
        return f"{self.membership.user} in {self.hub}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


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


class RosterImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"


class RosterImport(models.Model):
    """An uploaded member roster: parsed and previewed first, written only on confirmation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    rows = models.JSONField(default=list, help_text="Parsed rows with their errors and planned action.")
    status = models.CharField(max_length=20, choices=RosterImportStatus.choices, default=RosterImportStatus.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Roster import {self.filename}"
