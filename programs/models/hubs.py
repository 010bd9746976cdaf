"""Hub-model programs: affinity groups, hubs and their mentors."""

from django.db import models
from django_scopes import ScopedManager

from programs.models.organizations import Membership, Organization
from programs.models.programs import Program


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
