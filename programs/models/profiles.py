"""A member's profile in an organization (their biosketch and CV)."""

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.storage import encrypted_storage, random_name
from programs.models.organizations import Membership, Organization


def _cv_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "cvs")


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
    def time_zone(self) -> str:
        """The person's one time zone lives on their account (``User.time_zone``); a profile
        reads it from there (empty: not chosen). Set it with
        ``mentorship.services.user_set_time_zone`` or ``profile_save(time_zone=...)``."""
        return self.membership.user.time_zone

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
