"""Times with their zone named, in every template (a built-in library, see settings).

``{{ meeting.starts_at|with_zone }}`` → "14 January 2027, 15:00 (Europe/London)";
``{{ meeting.starts_at|with_zone:"j M, H:i" }}`` → "14 Jan, 15:00 (Europe/London)".
The time is in the active zone: the reader's (``UserTimezoneMiddleware``), or the
recipient's while an email is rendered (``mentorship.mail``). ``{% current_zone %}``
names that zone on its own. A date without a time of day needs no zone: keep ``|date``.
"""

from django import template
from django.utils import timezone

from mentorship import timezones

register = template.Library()


@register.filter(expects_localtime=False, is_safe=False)
def with_zone(value, fmt: str = timezones.DEFAULT_FORMAT) -> str:
    return timezones.with_zone(value, fmt)


@register.simple_tag
def current_zone() -> str:
    return timezones.zone_label(timezone.get_current_timezone_name())
