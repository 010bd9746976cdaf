"""The quarterly report a pair files (seed 002): what was achieved, what comes next,
what stands in the way; encrypted at rest."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedTextField
from programs.models import Membership, Organization
from relationships.models import Mentorship


class QuarterlyReport(models.Model):
    """The pair's joint report for one calendar quarter: written together, confirmed by
    both, submitted once. It is for the program office (unlike meeting notes)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="quarterly_reports")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    goals_achieved = EncryptedTextField("goals achieved", blank=True, max_length=5000)
    next_plans = EncryptedTextField("plans for the next quarter", blank=True, max_length=5000)
    barriers = EncryptedTextField("barriers to ongoing success", blank=True, max_length=5000)
    revision = models.PositiveIntegerField(default=0, help_text="Raised by every save; a stale save is refused.")
    updated_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    # Each party confirms a revision; the report is submitted when both confirmed the same one.
    mentor_confirmed_revision = models.PositiveIntegerField(null=True, blank=True)
    mentee_confirmed_revision = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-year", "-quarter", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "year", "quarter"], name="quarterly_report_once"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarterly_report_quarter"),
        ]
        indexes = [models.Index(fields=["organization", "year", "quarter"])]

    def __str__(self) -> str:
        return f"Q{self.quarter} {self.year} report for mentorship {self.mentorship_id}"

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year}"


# --- Surveys (seed 000: periodic feedback surveys; seed 004: the 6-month assessment) -------
