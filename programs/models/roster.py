"""An uploaded member roster, previewed before it is applied by a Celery task."""

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager, scopes_disabled

from mentorship.fields import EncryptedJSONField
from programs.models.organizations import Membership, Organization


class RosterImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    QUEUED = "queued", "Waiting to import"
    RUNNING = "running", "Importing"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Not imported"
    DISCARDED = "discarded", "Discarded"


class RosterImport(models.Model):
    """An uploaded member roster: parsed and previewed first, written only on confirmation,
    by the ``programs.apply_roster_import`` task (``progress`` rows of ``summary.total`` done).

    The rows themselves (names, emails, profile columns) are ``RosterImportRow``s, encrypted."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=RosterImportStatus.choices, default=RosterImportStatus.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The confirmation and the task's run.
    confirmed_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveIntegerField(default=0, help_text="Rows written so far.")
    outcome = models.JSONField(default=dict, blank=True, help_text="What the last run did: a code, counts, why not.")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Roster import {self.filename}"

    @property
    def total(self) -> int:
        return int(self.summary.get("total") or 0)

    @property
    def is_running(self) -> bool:
        return self.status in (RosterImportStatus.QUEUED, RosterImportStatus.RUNNING)

    @property
    def rows(self) -> list[dict]:
        """Every row's plan, in the file's order (one query; the pages read them page by page)."""
        with scopes_disabled():  # this import's own rows: its organization's
            return [row.data for row in RosterImportRow.objects.filter(roster_import=self).order_by("number")]


class RosterImportRow(models.Model):
    """One row of an uploaded roster with its errors, notices and planned action. The row's
    content is personal data (name, email, profile), so it is encrypted; the row number and
    the action stay in clear to page and filter the preview."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="row_set")
    number = models.PositiveIntegerField(help_text="The row's number in the file (the header is row 1).")
    action = models.CharField(max_length=20)
    has_error = models.BooleanField(default=False)
    data = EncryptedJSONField(default=dict)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["roster_import", "number"], name="roster_import_row_number_unique")
        ]
        indexes = [models.Index(fields=["roster_import", "has_error", "number"], name="roster_row_page_idx")]

    def __str__(self) -> str:
        return f"Row {self.number} of roster import {self.roster_import_id}"
