"""Account-level actions (not tied to an organization)."""

from django.db import transaction

from mentorship.models import User


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    """A person edits their own name and time zone; nobody else can call this for them."""
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone"])
    return user
