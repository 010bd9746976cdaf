"""Organizations, their members and invitations, the emails members make the site send, and the audit log."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.timezones import validate_time_zone

INVITATION_VALID_DAYS = 14

# An organization's web address is the stem its founder chooses plus "-" and four random
# characters (programs.services.organizations.organization_create).
ORGANIZATION_SLUG_STEM_LENGTH = 55

brand_colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Write the colour as # and six hexadecimal digits, for example #0a58ca."
)
DEFAULT_BRAND_COLOUR = "#0a58ca"  # the application's primary colour (mentorship.mail)

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
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Members who have not chosen a time zone of their own see dates and times in this one.",
    )
    brand_colour = models.CharField(
        "brand colour",
        max_length=7,
        default=DEFAULT_BRAND_COLOUR,
        validators=[brand_colour_validator],
        help_text="The band at the top of every email the organization sends, for example #0a58ca. Its name is "
        "written on it in white or black, whichever reads better.",
    )
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


_STATUS_PHRASES = {
    MemberStatus.MEMBER: "a member",
    MemberStatus.CANDIDATE: "a candidate member",
    MemberStatus.FACULTY: "a faculty member",
    MemberStatus.TRAINEE: "a trainee",
    MemberStatus.ALUMNI: "an alumni member",
}


def member_status_phrase(value: str) -> str:
    """The member status as it reads after "as" in a sentence: "as a faculty member"."""
    return _STATUS_PHRASES.get(value, "a member")


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
    # Email preferences (issue 18): immediately, in a daily digest, or not at all. Kept in
    # step with ``nudges_enabled`` (off ⇔ disabled) by the preference services.
    messages_email = models.CharField(
        "emails about new messages",
        max_length=20,
        choices=[("immediate", "Immediately"), ("digest", "In a daily digest"), ("off", "Don't email me")],
        default="immediate",
    )
    nudges_email = models.CharField(
        "emails with friendly nudges",
        max_length=20,
        choices=[("immediate", "Immediately"), ("digest", "In a daily digest"), ("off", "Don't email me")],
        default="immediate",
        help_text="Check-ins, surveys and quiet-mentorship nudges. Reminders of something only you can do "
        "(a signature, a consent, a review, a report) are always sent at once.",
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

    @property
    def member_status_phrase(self) -> str:
        return member_status_phrase(self.member_status)


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
