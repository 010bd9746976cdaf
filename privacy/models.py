"""Personal data (issue 20): a person's exports (GDPR art. 15 and 20), their requests to be
erased (art. 17) with what each erasure did, and each organization's retention period.

Nothing here holds personal text but a refusal's reason (encrypted at rest): an export's
file is encrypted in private storage, an erasure's log keeps ids and counts only."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from mentorship.storage import encrypted_storage, random_name
from programs.models import Membership, Organization

EXPORT_LIFETIME = timedelta(days=7)
# A running export whose worker has not reported progress for this long has died (or its
# task was redelivered while it ran): it counts as failed and the person may ask again.
EXPORT_STALE_AFTER = timedelta(minutes=30)
# GDPR art. 12(3): one month to answer a request.
ERASURE_DEADLINE = timedelta(days=30)


def _export_path(instance, filename: str) -> str:
    return random_name("users", "exports")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DataExport(models.Model):
    """One download of everything held about a person, built by ``privacy.build_export``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0 to 100.")
    file = models.FileField(storage=encrypted_storage, upload_to=_export_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker building it last reported progress."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="privacy_one_export_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status == ExportStatus.QUEUED or (self.status == ExportStatus.RUNNING and not self.is_stale)

    @property
    def is_stale(self) -> bool:
        """Running, but its worker stopped reporting (``EXPORT_STALE_AFTER``): it failed."""
        seen = self.heartbeat_at or self.created_at
        return self.status == ExportStatus.RUNNING and seen < timezone.now() - EXPORT_STALE_AFTER

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED or (
            self.expires_at is not None and self.expires_at <= timezone.now()
        )


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a coordinator"
    CONFIRMED = "confirmed", "Confirmed"
    REFUSED = "refused", "Refused"
    DONE = "done", "Erased"


class ErasureRequest(models.Model):
    """A person's request to be erased from one organization (one row per organization)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="erasure_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_at = models.DateTimeField(default=timezone.now)
    due_by = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ErasureStatus.choices, default=ErasureStatus.PENDING)
    reason = EncryptedTextField("reason for refusing", blank=True, max_length=2000)
    decided_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status__in=["pending", "confirmed"]),
                name="privacy_one_open_erasure_request",
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (ErasureStatus.PENDING, ErasureStatus.CONFIRMED)

    @property
    def days_left(self) -> int:
        return (self.due_by - timezone.now()).days

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_by < timezone.now()


class ErasureLog(models.Model):
    """What one erasure did, in ids and counts only: no name, no address, no text."""

    organization_id_erased = models.PositiveBigIntegerField(null=True, blank=True)
    membership_id_erased = models.PositiveBigIntegerField(null=True, blank=True)
    user_id_erased = models.PositiveBigIntegerField()
    cause = models.CharField(max_length=20)  # request, retention, account
    counts = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Erasure of user {self.user_id_erased} ({self.cause})"


class PrivacySettings(models.Model):
    """An organization's retention period: members inactive this long are anonymized, after a notice."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="privacy_settings")
    retention_months = models.PositiveSmallIntegerField(
        "retention period (months)",
        null=True,
        blank=True,
        help_text="Members with no sign-in and no activity here for this long are anonymized. Empty: never.",
    )
    notice_days = models.PositiveSmallIntegerField(
        "notice (days)", default=30, help_text="How long before anonymizing a member they are told by email."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"Privacy settings of {self.organization_id}"


class RetentionNotice(models.Model):
    """A member told they will be anonymized for inactivity on ``erase_on`` unless they come back."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="retention_notices")
    sent_at = models.DateTimeField(default=timezone.now)
    erase_on = models.DateField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["erase_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(cancelled_at__isnull=True, erased_at__isnull=True),
                name="privacy_one_open_retention_notice",
            )
        ]

    def __str__(self) -> str:
        return f"Retention notice {self.pk}"
