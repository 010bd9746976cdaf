"""iCalendar (RFC 5545) invitations for meetings.

The UID never changes for a meeting; SEQUENCE rises with every update, so calendar
programs replace the earlier invitation instead of adding a second event. Nothing the
pair writes (agenda, summary) ever goes into the invitation.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from relationships.models import Meeting, MeetingStatus

PRODID = "-//Mentorship//Meetings//EN"


def meeting_title(meeting: Meeting) -> str:
    mentorship = meeting.mentorship
    return f"Mentoring meeting: {mentorship.mentor.user.full_name} and {mentorship.mentee.user.full_name}"


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name or email)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def invitation(meeting: Meeting, *, url: str = "") -> str:
    """The meeting's current invitation: METHOD:CANCEL once it is cancelled, REQUEST otherwise."""
    mentorship = meeting.mentorship
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    starts_at = meeting.starts_at.astimezone(UTC)
    event.add("uid", str(meeting.uid))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", meeting_title(meeting))
    location = meeting.location or meeting.get_mode_display()
    event.add("location", location)
    description = f"{meeting.get_mode_display()} meeting in {mentorship.program.name}."
    if url:
        description += f"\nPrepare and log it at {url}"
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organization = mentorship.organization
    event.add("organizer", _address(organization.contact_email, organization.name or settings.SITE_NAME))
    for member in (mentorship.mentor, mentorship.mentee):
        event.add(
            "attendee",
            _address(
                member.user.email,
                member.user.full_name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",
                CUTYPE="INDIVIDUAL",
            ),
            encode=0,
        )
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def filename(meeting: Meeting) -> str:
    return "cancel.ics" if meeting.status == MeetingStatus.CANCELLED else "invite.ics"
