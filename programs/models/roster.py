"""An uploaded member roster, previewed before it is applied."""

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models.organizations import Membership, Organization


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
