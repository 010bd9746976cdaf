"""Issue 13, item 17: meeting emails are calendar invitations as mail clients read them.

Each sent message is parsed back with the ``email`` package: a ``text/calendar`` part
whose Content-Type carries the iTIP method (RFC 6047: the same as the calendar's METHOD),
inside ``multipart/alternative`` next to the text and HTML; the same calendar attached as
a file; UID stable, SEQUENCE rising; the time zone of each recipient in the subject."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django_scopes import scope
from icalendar import Calendar

from mentorship import mail as mail_path
from relationships.services import endings as relationship_endings
from relationships.services import meetings as services
from tests.factories import dana_and_nia
from tests.issue13_email_support import alternatives, assert_text_and_html_from_the_layout, parsed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, tzinfo=UTC)
STARTS_AT = datetime(2026, 5, 14, 14, 0, tzinfo=UTC)  # 10:00 in New York, 16:00 in Paris


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def pair(org_a):
    return dana_and_nia(
        org_a,
        program={"slug": "society"},
        mentor={"user__time_zone": "America/New_York"},
        mentee={"user__time_zone": "Europe/Paris"},
        started_on=NOW.date(),
    )


def _schedule(pair, capture, starts_at=STARTS_AT):
    with capture(execute=True), scope(organization=pair.organization):
        return services.meeting_schedule(
            actor=pair.mentee,
            mentorship=pair,
            starts_at=starts_at,
            duration_minutes=60,
            mode="video",
            location="https://meet.example.org/abc",
        )


def _invitation(message, method: str) -> Calendar:
    """Check the MIME tree of one meeting email and return its calendar."""
    root = parsed(message)
    assert root.get_content_type() == "multipart/mixed"
    parts = list(root.iter_parts())
    body = alternatives(root)
    assert parts[0] is body
    types = [part.get_content_type() for part in body.iter_parts()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(body.iter_parts())[2]
    assert calendar_part.get_param("method") == method
    assert calendar_part.get_content_charset() == "utf-8"
    assert calendar_part.get_content_disposition() is None  # shown as the invitation, not a file
    # On the wire, as calendar programs have always been sent it (unquoted):
    assert f'text/calendar; charset="utf-8"; method={method}'.encode() in message.message().as_bytes()
    calendar = Calendar.from_ical(calendar_part.get_content())
    assert str(calendar["METHOD"]) == method  # the Content-Type and the calendar agree

    # The same calendar as an .ics file, for programs that only import files.
    files = [part for part in parts[1:] if part.get_content_disposition() == "attachment"]
    assert len(files) == 1
    assert files[0].get_filename() == ("cancel.ics" if method == "CANCEL" else "invite.ics")
    assert Calendar.from_ical(files[0].get_content()).to_ical() == calendar.to_ical()
    assert_text_and_html_from_the_layout(message)
    return calendar


def _event(calendar):
    return next(iter(calendar.walk("VEVENT")))


def test_a_scheduled_meeting_is_an_imip_request_in_multipart_alternative(pair, django_capture_on_commit_callbacks):
    meeting = _schedule(pair, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.mentor.user.email, pair.mentee.user.email])
    for message in mail.outbox:
        event = _event(_invitation(message, "REQUEST"))
        assert str(event["UID"]) == str(meeting.uid)
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == STARTS_AT
        assert str(event["ORGANIZER"]) == f"mailto:{pair.organization.contact_email}"
        attendees = sorted(str(a) for a in event["ATTENDEE"])
        assert attendees == sorted(f"mailto:{m.user.email}" for m in (pair.mentor, pair.mentee))


def test_the_subject_names_each_recipients_time_zone(pair, django_capture_on_commit_callbacks):
    _schedule(pair, django_capture_on_commit_callbacks)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[pair.mentor.user.email] == "Meeting scheduled: 14 May 2026, 10:00 (America/New_York)"
    assert subjects[pair.mentee.user.email] == "Meeting scheduled: 14 May 2026, 16:00 (Europe/Paris)"


def test_someone_without_a_time_zone_reads_utc_in_the_subject(pair, django_capture_on_commit_callbacks):
    pair.mentee.user.time_zone = ""
    pair.mentee.user.save()
    _schedule(pair, django_capture_on_commit_callbacks)
    to_mentee = next(m for m in mail.outbox if m.to == [pair.mentee.user.email])
    assert to_mentee.subject == "Meeting scheduled: 14 May 2026, 14:00 (UTC)"


def test_a_move_keeps_the_uid_and_raises_the_sequence_and_a_cancel_is_method_cancel(
    pair, django_capture_on_commit_callbacks
):
    meeting = _schedule(pair, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    later = STARTS_AT + timedelta(days=1, hours=-1)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        moved = services.meeting_reschedule(
            actor=pair.mentor, meeting=meeting, starts_at=later, duration_minutes=45, mode="phone", location=""
        )
    for message in mail.outbox:
        event = _event(_invitation(message, "REQUEST"))
        assert (str(event["UID"]), int(event["SEQUENCE"])) == (str(meeting.uid), 1)
        assert event.decoded("DTSTART") == later
    assert {m.subject for m in mail.outbox} == {
        "Meeting moved: 15 May 2026, 09:00 (America/New_York)",
        "Meeting moved: 15 May 2026, 15:00 (Europe/Paris)",
    }

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        services.meeting_cancel(actor=pair.mentee, meeting=moved)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        event = _event(_invitation(message, "CANCEL"))
        assert (str(event["UID"]), int(event["SEQUENCE"])) == (str(meeting.uid), 2)
        assert str(event["STATUS"]) == "CANCELLED"
    assert {m.subject for m in mail.outbox} == {
        "Meeting cancelled: 15 May 2026, 09:00 (America/New_York)",
        "Meeting cancelled: 15 May 2026, 15:00 (Europe/Paris)",
    }


def test_ending_the_mentorship_sends_cancellations_for_the_meetings_to_come(pair, django_capture_on_commit_callbacks):
    meeting = _schedule(pair, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        relationship_endings.mentorship_end_no_fault(actor=pair.mentor, mentorship=pair)
    cancellations = [m for m in mail.outbox if m.subject.startswith("Meeting cancelled")]
    assert len(cancellations) == 2
    for message in cancellations:
        assert str(_event(_invitation(message, "CANCEL"))["UID"]) == str(meeting.uid)


def test_the_invitation_survives_the_trip_through_the_task_queue(pair, monkeypatch, django_capture_on_commit_callbacks):
    """The worker receives the email as JSON (Celery's serializer): the calendar must too."""
    from mentorship.tasks import deliver_email

    sent = []
    monkeypatch.setattr(deliver_email, "delay", lambda payload: sent.append(json.loads(json.dumps(payload))))
    _schedule(pair, django_capture_on_commit_callbacks)
    assert len(sent) == 2
    for payload in sent:
        mail_path.send_now(payload)
    for message in mail.outbox:
        _invitation(message, "REQUEST")


def test_a_calendar_without_an_itip_method_is_refused(pair):
    calendar = Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    with pytest.raises(ValueError, match="METHOD"):
        mail_path.build_message(
            mail_path.RenderedEmail(subject="s", body="b", to=["x@example.org"], calendar=calendar.to_ical().decode())
        )
