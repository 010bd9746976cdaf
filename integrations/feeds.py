"""The iCalendar feed of one person's meetings across all their organizations (issue 20).

Pair meetings where they are the mentor or the mentee, meetings of the circles where they hold
an active place and signed the circle's agreement (who may see the circle's record,
``circles.services.record.record_place``), and the speed-mentoring events they take part in,
from ``WINDOW_BACK`` ago to ``WINDOW_AHEAD`` ahead. The UIDs are those of the emailed
invitations (``relationships.ics``, ``circles.ics``), so a calendar that has both shows each
meeting once; a cancelled meeting stays with STATUS:CANCELLED. Titles, times and the place or
link only: never an agenda, a summary, a note. Five queries whatever the number of meetings.
"""

from datetime import UTC, timedelta

from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled
from icalendar import Calendar, Event

from circles.ics import meeting_title as circle_meeting_title
from circles.models import CircleMeeting, CircleMember, CircleMemberStatus
from events.models import SpeedEvent
from programs.models import Membership
from relationships.ics import meeting_title
from relationships.models import Meeting, MeetingStatus

PRODID = "-//Mentorship//Calendar feed//EN"
WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=366)


def _event(*, uid: str, sequence: int, start, minutes: int, title: str, location: str, cancelled: bool, note: str):
    event = Event()
    starts_at = start.astimezone(UTC)
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=minutes))
    event.add("summary", title)
    if location:
        event.add("location", location)
    event.add("description", note)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def pair_meetings(memberships: list[int], start, end) -> list[Event]:
    meetings = (
        Meeting.objects.filter(Q(mentorship__mentor_id__in=memberships) | Q(mentorship__mentee_id__in=memberships))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related(
            "mentorship__program", "mentorship__organization", "mentorship__mentor__user", "mentorship__mentee__user"
        )
        .order_by("starts_at", "pk")
    )
    return [
        _event(
            uid=str(meeting.uid),
            sequence=meeting.sequence,
            start=meeting.starts_at,
            minutes=meeting.duration_minutes,
            title=meeting_title(meeting),
            location=meeting.location or meeting.get_mode_display(),
            cancelled=meeting.status == MeetingStatus.CANCELLED,
            note=f"{meeting.get_mode_display()} meeting in {meeting.mentorship.program.name} "
            f"({meeting.mentorship.organization.name}).",
        )
        for meeting in meetings
    ]


def circle_meetings(memberships: list[int], start, end) -> list[Event]:
    circles = CircleMember.objects.filter(
        membership_id__in=memberships, status=CircleMemberStatus.ACTIVE, signatures__isnull=False
    ).values("circle_id")
    meetings = (
        CircleMeeting.objects.filter(circle_id__in=circles, starts_at__gte=start, starts_at__lt=end)
        .select_related("circle__program", "organization")
        .order_by("starts_at", "pk")
    )
    return [
        _event(
            uid=f"circle-meeting-{meeting.uid}",
            sequence=meeting.sequence,
            start=meeting.starts_at,
            minutes=meeting.duration_minutes,
            title=circle_meeting_title(meeting),
            location=meeting.location,
            cancelled=meeting.cancelled_at is not None,
            note=f"A meeting of the circle {meeting.circle.name} in {meeting.circle.program.name} "
            f"({meeting.organization.name}).",
        )
        for meeting in meetings
    ]


def speed_events(memberships: list[int], start, end) -> list[Event]:
    events = (
        SpeedEvent.objects.filter(participants__membership_id__in=memberships, starts_at__gte=start, starts_at__lt=end)
        .select_related("program", "organization")
        .distinct()
        .order_by("starts_at", "pk")
    )
    return [
        _event(
            uid=f"speed-event-{event.pk}@{event.organization.slug}",
            sequence=0,
            start=event.starts_at,
            minutes=int((event.ends_at - event.starts_at).total_seconds() // 60),
            title=f"Speed mentoring: {event.name}",
            location=event.location,
            cancelled=False,
            note=f"A speed-mentoring event of {event.program.name} ({event.organization.name}).",
        )
        for event in events
    ]


def feed_ics(user) -> bytes:
    """The person's calendar as iCalendar bytes."""
    now = timezone.now()
    start, end = now - WINDOW_BACK, now + WINDOW_AHEAD
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Mentoring meetings")
    calendar.add("x-published-ttl", "PT1H")
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user, is_active=True).values_list("pk", flat=True))
        if memberships:
            for event in (
                pair_meetings(memberships, start, end)
                + circle_meetings(memberships, start, end)
                + speed_events(memberships, start, end)
            ):
                calendar.add_component(event)
    return calendar.to_ical()
