"""Account-level actions (not tied to an organization)."""

from django.db import transaction

from mentorship.exceptions import ServiceError
from mentorship.models import User
from mentorship.timezones import TIME_ZONES


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    """A person edits their own name and time zone; nobody else can call this for them."""
    user.full_name = full_name.strip()
    user.time_zone = time_zone or ""
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone"])
    return user


@transaction.atomic
def user_set_time_zone(*, user: User, time_zone: str) -> bool:
    """A person sets their own (one) time zone, from any page that offers it; empty clears
    it. Returns whether it changed. Refuses a zone not on the list."""
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in TIME_ZONES:
        raise ServiceError("Choose a time zone from the list.", field="time_zone")
    if user.time_zone == time_zone:
        return False
    user.time_zone = time_zone
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    return True
