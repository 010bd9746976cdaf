"""Time zones: the one list people choose from, its check, which zone a person reads
times in, and how a time is written with its zone named.

A person has one time zone, on their account (``User.time_zone``). Someone who has not
chosen one reads times in the time zone of the organization whose page they are on (any
object with a ``time_zone`` attribute: the kernel knows no domain), else in UTC.
"""

import zoneinfo
from contextvars import ContextVar
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

DEFAULT_ZONE = "UTC"
# How a time of day is written when the caller names no format: "14 January 2027, 15:00".
DEFAULT_FORMAT = "j F Y, H:i"


def _time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z.replace("_", " ")) for z in zones]


TIME_ZONE_CHOICES = _time_zone_choices()
TIME_ZONES = frozenset(value for value, _ in TIME_ZONE_CHOICES)


def validate_time_zone(value: str) -> None:
    """Model validator: a zone from the list (an empty value is left to ``blank``)."""
    if value and value not in TIME_ZONES:
        raise ValidationError("Choose a time zone from the list.", code="invalid_time_zone")


def zone_label(name: str) -> str:
    """A zone as people read it: "America/New York"."""
    return (name or DEFAULT_ZONE).replace("_", " ")


def zone_name_for(user=None, organization=None) -> str:
    """The zone a person reads times in: their own, else the organization's, else UTC."""
    for candidate in (getattr(user, "time_zone", ""), getattr(organization, "time_zone", "")):
        if candidate and candidate in TIME_ZONES:
            return candidate
    return DEFAULT_ZONE


# The zone of the organization whose page is being served (set by the middleware), so that
# an email to someone without a zone of their own reads in it rather than in UTC.
organization_zone: ContextVar[str] = ContextVar("organization_zone", default="")


def with_zone(value: datetime | None, fmt: str = DEFAULT_FORMAT) -> str:
    """A moment in the active time zone, with that zone named: "14 January 2027, 15:00
    (Europe/London)". Empty for no value; a date without a time of day is left to ``|date``."""
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    local = timezone.localtime(value)
    return f"{date_format(local, fmt)} ({zone_label(timezone.get_current_timezone_name())})"
