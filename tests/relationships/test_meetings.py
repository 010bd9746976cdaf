"""Meetings: iCalendar invitations, the mentee's agenda, the log, follow-up tasks."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from icalendar import Calendar

from mentorship.exceptions import ServiceError
from relationships.models import FollowUpTask, Meeting, MeetingStatus, PrivateNote
from relationships.services import meetings as services
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")


@pytest.fixture
def pair(org_a):
    return dana_and_nia(
        org_a,
        program={"slug": "society"},
        mentor={"user__time_zone": "America/New_York"},
        mentee={"user__time_zone": "Europe/London"},
    )


def _future(days=10, hour=14):
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def schedule(pair, actor=None, starts_at=None, **kwargs):
    with scope(organization=pair.organization):
        return services.meeting_schedule(
            actor=actor or pair.mentee,
            mentorship=pair,
            starts_at=starts_at or _future(),
            duration_minutes=kwargs.pop("duration_minutes", 60),
            mode=kwargs.pop("mode", "video"),
            location=kwargs.pop("location", "https://meet.example.org/abc"),
        )


def _calendars():
    found = []
    for message in mail.outbox:
        for _name, content, mimetype in message.attachments:
            assert mimetype == "application/ics"
            found.append(Calendar.from_ical(content))
    return found


def _event(calendar):
    return next(iter(calendar.walk("VEVENT")))


@pytest.mark.django_db
def test_scheduling_sends_both_an_ics_invitation(pair, django_capture_on_commit_callbacks):
    starts_at = _future()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(pair, starts_at=starts_at, duration_minutes=90)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.mentor.user.email, pair.mentee.user.email])
    calendars = _calendars()
    assert len(calendars) == 2
    for calendar in calendars:
        assert str(calendar["METHOD"]) == "REQUEST"
        event = _event(calendar)
        assert str(event["UID"]) == str(meeting.uid)
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == starts_at
        assert event.decoded("DTEND") == starts_at + timedelta(minutes=90)
        assert event["DTSTART"].to_ical().endswith(b"Z")
        assert str(event["SUMMARY"]) == "Mentoring meeting: Dana Whitfield and Nia Mensah"
        assert str(event["LOCATION"]) == "https://meet.example.org/abc"
        assert str(event["ORGANIZER"]) == f"mailto:{pair.organization.contact_email}"
        attendees = sorted(str(a) for a in event["ATTENDEE"])
        assert attendees == sorted([f"mailto:{pair.mentor.user.email}", f"mailto:{pair.mentee.user.email}"])
    # Each person reads the time in their own zone.
    to_mentor = next(m for m in mail.outbox if m.to == [pair.mentor.user.email])
    assert "America/New_York" in to_mentor.body and ("09:00" in to_mentor.body or "10:00" in to_mentor.body)


@pytest.mark.django_db
def test_reschedule_keeps_the_uid_with_a_higher_sequence_and_cancel_sends_cancel(
    pair, django_capture_on_commit_callbacks
):
    meeting = schedule(pair)
    later = _future(days=12, hour=9)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        moved = services.meeting_reschedule(
            actor=pair.mentor, meeting=meeting, starts_at=later, duration_minutes=45, mode="phone", location=""
        )
    assert moved.sequence == 1
    event = _event(_calendars()[0])
    assert str(event["UID"]) == str(meeting.uid) and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == later and event.decoded("DTEND") == later + timedelta(minutes=45)
    assert all("Meeting moved" in m.subject for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        cancelled = services.meeting_cancel(actor=pair.mentee, meeting=moved)
    assert cancelled.status == MeetingStatus.CANCELLED and cancelled.sequence == 2
    calendars = _calendars()
    assert len(calendars) == 2
    assert str(calendars[0]["METHOD"]) == "CANCEL"
    event = _event(calendars[0])
    assert str(event["UID"]) == str(meeting.uid) and int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"
    with scope(organization=pair.organization), pytest.raises(ServiceError):
        services.meeting_cancel(actor=pair.mentee, meeting=cancelled)


@pytest.mark.django_db
def test_ics_download_is_the_current_invitation(client, pair):
    meeting = schedule(pair)
    client.force_login(pair.mentor.user)
    response = client.get(f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = _event(Calendar.from_ical(response.content))
    assert str(event["UID"]) == str(meeting.uid)


@pytest.mark.django_db
def test_only_the_mentee_edits_the_agenda(client, pair):
    meeting = schedule(pair)
    with scope(organization=pair.organization):
        services.agenda_save(actor=pair.mentee, meeting=meeting, agenda="Career plan; first grant.")
        with pytest.raises(PermissionDenied):
            services.agenda_save(actor=pair.mentor, meeting=meeting, agenda="Mentor's words")
    client.force_login(pair.mentor.user)
    url = f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/"
    response = client.post(url + "agenda/", {"agenda": "Overwritten by the mentor"})
    assert response.status_code in (302, 403, 404)
    with scopes_disabled():
        assert Meeting.objects.get(pk=meeting.pk).agenda == "Career plan; first grant."
    page = client.get(url).content.decode()
    assert "Career plan; first grant." in page and 'name="agenda"' not in page
    client.force_login(pair.mentee.user)
    assert client.post(url + "agenda/", {"agenda": "My new plan"}).status_code == 302
    with scopes_disabled():
        assert Meeting.objects.get(pk=meeting.pk).agenda == "My new plan"


def _make_past(meeting):
    with scopes_disabled():
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
        return Meeting.objects.select_related("mentorship").get(pk=meeting.pk)


@pytest.mark.django_db
def test_either_party_logs_and_the_stage_is_recorded(client, pair):
    meeting = schedule(pair)
    with scope(organization=pair.organization), pytest.raises(ServiceError):
        services.meeting_log(actor=pair.mentor, meeting=meeting, held=True, held_minutes=60, summary="Too early")
    meeting = _make_past(meeting)
    with scope(organization=pair.organization):
        logged = services.meeting_log(actor=pair.mentor, meeting=meeting, held=True, held_minutes=50, summary="Good")
        assert logged.status == MeetingStatus.HELD and logged.stage == "exploration" and logged.held_minutes == 50
        again = services.meeting_log(actor=pair.mentee, meeting=logged, held=False, summary="")
        assert again.status == MeetingStatus.NOT_HELD and again.logged_by == pair.mentee
        outsider = MembershipFactory(organization=pair.organization)
        with pytest.raises(PermissionDenied):
            services.meeting_log(actor=outsider, meeting=logged, held=True)
    client.force_login(pair.mentee.user)
    response = client.post(
        f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/log/",
        {"held": "yes", "held_minutes": "70", "summary": "We planned the grant."},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Meeting.objects.get(pk=meeting.pk).summary == "We planned the grant."


@pytest.mark.django_db
def test_task_owner_must_be_one_of_the_pair_and_either_ticks_it(client, pair):
    meeting = schedule(pair)
    outsider = MembershipFactory(organization=pair.organization)
    with scope(organization=pair.organization):
        with pytest.raises(ServiceError):
            services.task_add(actor=pair.mentor, mentorship=pair, description="Read", owner=outsider)
        task = services.task_add(
            actor=pair.mentor, mentorship=pair, meeting=meeting, description="Draft the aims", owner=pair.mentee
        )
        done = services.task_set_done(actor=pair.mentee, task=task)
        assert done.done_at is not None
    client.force_login(pair.mentor.user)
    url = f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/tasks/"
    response = client.post(url, {"description": "Someone else's", "owner": str(outsider.pk)})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(url, {"description": "Send the CV", "owner": str(pair.mentor.pk), "due_on": "2030-01-05"})
    assert response.status_code == 302
    with scopes_disabled():
        task = FollowUpTask.objects.get(description__isnull=False, owner=pair.mentor)
    client.force_login(pair.mentee.user)
    response = client.post(f"/o/alpha/mentorships/{pair.pk}/meetings/tasks/{task.pk}/done/", {"done": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        assert FollowUpTask.objects.get(pk=task.pk).done_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        ({"starts_at": "2001-01-01T10:00", "duration_minutes": "60", "mode": "video"}, "in the future"),
        ({"starts_at": "not a date", "duration_minutes": "60", "mode": "video"}, "valid date and time"),
        ({"starts_at": "2099-02-31T10:00", "duration_minutes": "60", "mode": "video"}, "valid date and time"),
        ({"starts_at": "", "duration_minutes": "60", "mode": "video"}, "required"),
        ({"starts_at": "FUTURE", "duration_minutes": "0", "mode": "video"}, "at least 15 minutes"),
        ({"starts_at": "FUTURE", "duration_minutes": "9999", "mode": "video"}, "at most 8 hours"),
        ({"starts_at": "FUTURE", "duration_minutes": "abc", "mode": "video"}, "whole number"),
        ({"starts_at": "FUTURE", "duration_minutes": "60", "mode": "teleport"}, "valid choice"),
        ({"starts_at": "2099-01-01T10:00", "duration_minutes": "60", "mode": "video"}, "within the next two years"),
    ],
)
def test_bad_dates_and_durations_give_form_messages(client, pair, data, message):
    if data["starts_at"] == "FUTURE":
        data = dict(data, starts_at=(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    client.force_login(pair.mentee.user)
    response = client.post(f"/o/alpha/mentorships/{pair.pk}/meetings/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with scopes_disabled():
        assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_bad_log_values_give_form_messages(client, pair):
    meeting = _make_past(schedule(pair))
    client.force_login(pair.mentor.user)
    url = f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/"
    response = client.post(url + "log/", {"held": "yes", "held_minutes": "-5", "summary": "x"})
    assert response.status_code == 400 and "Give the actual length" in response.content.decode()
    response = client.post(url + "reschedule/", {"starts_at": "yesterday", "duration_minutes": "60", "mode": "video"})
    assert response.status_code == 400 and "valid date and time" in response.content.decode()
    response = client.post(url + "tasks/", {"description": "x", "owner": str(pair.mentee.pk), "due_on": "2030-13-40"})
    assert response.status_code == 400 and "valid date" in response.content.decode()


@pytest.mark.django_db
def test_the_schedule_form_reads_the_time_in_the_persons_zone(client, pair):
    client.force_login(pair.mentee.user)  # Europe/London
    local = (timezone.now() + timedelta(days=40)).strftime("%Y-%m-%d") + "T15:30"
    response = client.post(
        f"/o/alpha/mentorships/{pair.pk}/meetings/",
        {"starts_at": local, "duration_minutes": "60", "mode": "in_person", "location": "Room 4"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get()
    import zoneinfo

    assert meeting.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/London")).strftime("%H:%M") == "15:30"


@pytest.mark.django_db
def test_private_note_is_one_per_author(pair):
    meeting = schedule(pair)
    with scope(organization=pair.organization):
        services.private_note_save(actor=pair.mentor, meeting=meeting, text="First")
        services.private_note_save(actor=pair.mentor, meeting=meeting, text="Second")
        assert PrivateNote.objects.filter(meeting=meeting).count() == 1
        assert services.private_note_of(pair.mentee, meeting) is None
        assert services.private_note_of(pair.mentor, meeting).text == "Second"
