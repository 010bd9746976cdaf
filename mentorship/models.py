from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from mentorship.timezones import TIME_ZONE_CHOICES, validate_time_zone

__all__ = ["TIME_ZONE_CHOICES", "User", "UserManager"]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """One account per person, identified by email; memberships link it to organizations."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=150)
    # The person's one time zone (profiles in each organization read it from here). Empty:
    # they read times in the zone of the organization whose page they are on, else in UTC.
    # Checked against the list rather than stored as choices, so that a new tzdata release
    # needs no migration.
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text="Dates and times are shown to you in this time zone. Not set: your organization's time zone.",
    )

    # Moved on (by an UPDATE, see mentorship.second_factor) whenever this person gains a role
    # that needs a second factor or loses an authenticator: a session's "second factor
    # checked" note names the value it saw, so it lapses on the very next request.
    mfa_requirement_stamp = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # An instance loaded before the stamp moved must not write the old value back.
        if not self._state.adding and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "mfa_requirement_stamp"
            ]
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email
