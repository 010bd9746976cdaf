"""API tokens: made by a coordinator for one organization, with scopes per area; the secret
is shown once and only its SHA-256 is kept."""

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from programs.models import Membership, Organization

# The areas of the API; a token holds "<area>:read" for each it may read and "<area>:write"
# for each it may change. Only the areas with write operations offer a write scope.
AREAS = (
    ("programs", "Programs"),
    ("members", "Members"),
    ("applications", "Applications"),
    ("relationships", "Relationships"),
    ("rounds", "Match rounds"),
    ("agreements", "Agreements"),
    ("surveys", "Survey results"),
    ("exports", "Exports"),
)
AREA_NAMES = tuple(name for name, _ in AREAS)
READ, WRITE = "read", "write"
WRITABLE_AREAS = ("members", "applications", "rounds")
ALL_SCOPES = tuple(
    f"{area}:{level}" for area in AREA_NAMES for level in (READ, WRITE) if level == READ or area in WRITABLE_AREAS
)


class ApiToken(models.Model):
    """A bearer token for /api/v1/. Revoked or expired tokens answer 401."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Data warehouse sync”.")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to recognise it.")
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def maker_is_coordinator(self) -> bool:
        """Is the coordinator who made the token still an active coordinator of its
        organization? A token works only while they are (read ``created_by__user`` with the
        token: no further query)."""
        maker = self.created_by
        return (
            maker is not None
            and maker.is_active
            and maker.is_coordinator
            and maker.organization_id == self.organization_id
            and maker.user.is_active
        )

    def allows(self, area: str, level: str) -> bool:
        """Write implies read: a token that may change an area may read it."""
        if level == READ:
            return f"{area}:{READ}" in self.scopes or f"{area}:{WRITE}" in self.scopes
        return f"{area}:{WRITE}" in self.scopes
