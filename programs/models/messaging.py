"""What coordinators write to people: their wording of each email (overrides of the
defaults in ``templates/email/``) and announcements to a program's participants."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models.organizations import Organization
from programs.models.programs import Program


class EmailTemplateOverride(models.Model):
    """An organization's own subject and text for one kind of email (``programs.emails``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="email_overrides")
    key = models.CharField(max_length=60)
    subject = models.CharField(max_length=300)
    body = models.TextField(max_length=10000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="email_override_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.organization_id})"


class AnnouncementAudience(models.TextChoices):
    ALL = "all", "All participants"
    MENTORS = "mentors", "Mentors only"
    MENTEES = "mentees", "Mentees only"


class Announcement(models.Model):
    """A message a coordinator sent to a program's active participants, one email each."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="announcements")
    audience = models.CharField(max_length=10, choices=AnnouncementAudience.choices, default=AnnouncementAudience.ALL)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=10000)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
