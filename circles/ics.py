"""iCalendar (RFC 5545) invitations for a circle's meetings: one invitation per meeting,
every active member and facilitator an ATTENDEE.

The UID never changes for a meeting; SEQUENCE rises with every change (moved, cancelled), so
calendar programs replace the earlier invitation instead of adding a second event. The
place or link is in it (the members need it); the agenda, the summary and the notes never.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from circles.models import CircleMeeting

PRODID = "-//Mentorship//Circle meetings//EN"


def meeting_title(meeting: CircleMeeting) -> str:
    return f"Circle meeting: {meeting.circle.name}"


def address(email: str, name: str, **params) -> vCalAddress:
    value = vCalAddress(f"mailto:{email}")
    value.params["CN"] = vText(name or email)
    for key, param in params.items():
        value.params[key] = vText(param)
    return value


def invitation(meeting: CircleMeeting, attendees: list, *, url: str = "") -> str:
    """The meeting's current invitation (METHOD:CANCEL once cancelled, REQUEST otherwise);
    ``attendees`` are the circle's active places (with ``membership.user``)."""
    circle = meeting.circle
    cancelled = meeting.cancelled_at is not None
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    starts_at = meeting.starts_at.astimezone(UTC)
    event.add("uid", f"circle-meeting-{meeting.uid}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", meeting_title(meeting))
    if meeting.location:
        event.add("location", meeting.location)
    description = f"A meeting of the circle {circle.name} in {circle.program.name}."
    if url:
        description += f"\nAnswer whether you will come, and read the agenda, at {url}"
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organization = circle.organization
    event.add("organizer", address(organization.contact_email, organization.name or settings.SITE_NAME))
    for place in attendees:
        user = place.membership.user
        event.add(
            "attendee",
            address(
                user.email,
                user.full_name,
                ROLE="CHAIR" if place.role == "facilitator" else "REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",
                CUTYPE="INDIVIDUAL",
            ),
            encode=0,
        )
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def filename(meeting: CircleMeeting) -> str:
    return "cancel.ics" if meeting.cancelled_at is not None else "invite.ics"
