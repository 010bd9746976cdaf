"""A circle's record, its services: who may schedule, move and cancel meetings (with one
calendar invitation to every active place), answer, write the agenda and the summary,
record attendance and keep private notes; the ended circle's read-only record; the
coordinators' counts; tenancy."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from icalendar import Calendar

from circles.models import CircleMemberStatus, CircleNote, CircleRsvp, CircleStatus
from circles.services import record as services
from mentorship.exceptions import ServiceError
from programs.models import Notification
from tests.circles.record_world import add_meeting, add_place, next_week, record_world
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


@pytest.fixture
def world(org_a):
    return record_world(org_a)


def _schedule(world, actor=None, **values):
    with scope(organization=world.circle.organization):
        return services.meeting_schedule(
            actor=actor or world.facilitator,
            circle=world.circle,
            **{"starts_at": next_week(), "duration_minutes": 90, "location": "Room 4B", "agenda": "", **values},
        )


def _event(message):
    calendar = Calendar.from_ical(message.alternatives[-1][0])
    return calendar, next(iter(calendar.walk("VEVENT")))


def _attendees(event) -> set[str]:
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:") for a in found}


def test_a_facilitator_schedules_and_every_active_place_gets_one_invitation(world, django_capture_on_commit_callbacks):
    _left, _ = add_place(world.circle, status=CircleMemberStatus.LEFT)
    _waiting, _ = add_place(world.circle, status=CircleMemberStatus.WAITLISTED, signed=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _schedule(world, agenda="AGENDA-MARKER")
    everyone = {m.user.email for m in [world.facilitator, *world.members]}
    assert {message.to[0] for message in mail.outbox} == everyone  # not the waitlist, not who left
    uids = set()
    for message in mail.outbox:
        calendar, event = _event(message)
        assert str(calendar["method"]) == "REQUEST"
        assert int(event["sequence"]) == 0
        assert _attendees(event) == everyone
        assert "AGENDA-MARKER" not in message.body and "AGENDA-MARKER" not in calendar.to_ical().decode()
        assert "Room 4B" in str(event["location"])
        uids.add(str(event["uid"]))
    assert uids == {f"circle-meeting-{meeting.uid}"}
    with scopes_disabled():
        # Everyone's bell but the facilitator's, already emailed.
        notified = set(
            Notification.objects.filter(key=f"circle_meeting:{meeting.pk}").values_list("recipient", flat=True)
        )
        assert notified == {m.pk for m in world.members}
        assert not Notification.objects.filter(key=f"circle_meeting:{meeting.pk}", emailed_at__isnull=True).exists()


def test_moving_keeps_the_uid_and_raises_the_sequence_cancelling_sends_cancel(
    world, django_capture_on_commit_callbacks
):
    meeting = _schedule(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=world.circle.organization):
        services.meeting_move(
            actor=world.facilitator, meeting=meeting, starts_at=next_week() + timedelta(days=1), duration_minutes=60
        )
    _calendar, event = _event(mail.outbox[0])
    assert int(event["sequence"]) == 1 and str(event["uid"]) == f"circle-meeting-{meeting.uid}"
    assert "moved" in mail.outbox[0].subject.lower()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=world.circle.organization):
        meeting = services.meeting_cancel(actor=world.facilitator, meeting=meeting)
    assert len(mail.outbox) == 1 + len(world.members)
    calendar, event = _event(mail.outbox[0])
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2
    assert mail.outbox[0].attachments[0][0] == "cancel.ics"
    with scope(organization=world.circle.organization), pytest.raises(ServiceError, match="cancelled"):
        services.meeting_cancel(actor=world.facilitator, meeting=meeting)


def test_only_facilitators_schedule_move_cancel_and_write_agenda_summary_attendance(world, coordinator_a):
    meeting = _schedule(world)
    org = world.circle.organization
    outsider = MembershipFactory(organization=org)
    for actor in (world.member, coordinator_a, outsider):
        with scope(organization=org):
            with pytest.raises(PermissionDenied):
                _schedule(world, actor=actor)
            with pytest.raises(PermissionDenied):
                services.meeting_cancel(actor=actor, meeting=meeting)
            with pytest.raises(PermissionDenied):
                services.agenda_save(actor=actor, meeting=meeting, agenda="x")
            with pytest.raises(PermissionDenied):
                services.summary_save(actor=actor, meeting=meeting, summary="x")
            with pytest.raises(PermissionDenied):
                services.attendance_save(actor=actor, meeting=meeting, attended=[])


def test_bad_times_and_texts_are_refused_with_a_message_on_the_field(world):
    cases = [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at", "already passed"),
        ({"starts_at": timezone.now() + timedelta(days=800)}, "starts_at", "two years"),
        ({"starts_at": timezone.now() + timedelta(days=300)}, "starts_at", "circle ends on"),
        ({"duration_minutes": 5}, "duration_minutes", "between 15 minutes"),
        ({"duration_minutes": 600}, "duration_minutes", "between 15 minutes"),
        ({"agenda": "x" * 10001}, "agenda", "at most 10000"),
        ({"location": "x" * 501}, "location", "at most 500"),
    ]
    for values, field, message in cases:
        with pytest.raises(ServiceError) as caught:
            _schedule(world, **values)
        assert field in caught.value.errors and message in caught.value.errors[field][0], values
    with scopes_disabled():
        assert not world.circle.meetings.exists()


def test_answers_are_one_per_person_until_the_meeting_starts(world, time_machine):
    meeting = _schedule(world)
    org = world.circle.organization
    with scope(organization=org):
        services.rsvp_save(actor=world.member, meeting=meeting, response="maybe")
        services.rsvp_save(actor=world.member, meeting=meeting, response="yes")
        services.rsvp_save(actor=world.facilitator, meeting=meeting, response="no")
        with pytest.raises(ServiceError, match="yes, no or maybe"):
            services.rsvp_save(actor=world.members[1], meeting=meeting, response="perhaps")
        row = services.meeting_row(meeting, world.places[world.member.pk])
        assert (row.yes, row.no, row.maybe, row.my_answer) == (1, 1, 0, "yes")
        assert CircleRsvp.objects.filter(meeting=meeting).count() == 2
        with pytest.raises(PermissionDenied):
            services.rsvp_save(actor=MembershipFactory(organization=org), meeting=meeting, response="yes")
    time_machine.move_to(meeting.starts_at + timedelta(minutes=5))
    with scope(organization=org), pytest.raises(ServiceError, match="has started"):
        services.rsvp_save(actor=world.member, meeting=meeting, response="no")


def test_attendance_and_summary_after_the_meeting_then_counts_for_coordinators(world, time_machine):
    org = world.circle.organization
    meeting = _schedule(world, agenda="AGENDA-MARKER")
    with scope(organization=org):
        with pytest.raises(ServiceError, match="once the meeting has started"):
            services.summary_save(actor=world.facilitator, meeting=meeting, summary="too early")
        with pytest.raises(ServiceError, match="once the meeting has started"):
            services.attendance_save(actor=world.facilitator, meeting=meeting, attended=[])
        services.rsvp_save(actor=world.member, meeting=meeting, response="yes")
    time_machine.move_to(meeting.starts_at + timedelta(hours=2))
    came = [world.places[world.facilitator.pk].pk, world.places[world.member.pk].pk]
    with scope(organization=org):
        assert services.attendance_save(actor=world.facilitator, meeting=meeting, attended=came) == 2
        services.summary_save(actor=world.facilitator, meeting=meeting, summary="SUMMARY-MARKER")
        with pytest.raises(ServiceError, match="Choose among"):
            stranger = add_place(world.circle, status=CircleMemberStatus.LEFT)[1]
            services.attendance_save(actor=world.facilitator, meeting=meeting, attended=[stranger.pk])
        metadata = services.circle_metadata(world.circle)
    assert (metadata.meetings_held, metadata.meetings_upcoming, metadata.attended_total) == (1, 0, 2)
    [row] = metadata.meetings
    assert (row.attended, row.absent, row.yes, row.held) == (2, 2, 1, True)
    assert "MARKER" not in repr(metadata)


def test_private_notes_are_their_authors_alone(world):
    org = world.circle.organization
    meeting = _schedule(world)
    with scope(organization=org):
        mine = services.note_add(actor=world.member, circle=world.circle, text="MY-NOTE", meeting=meeting)
        services.note_add(actor=world.facilitator, circle=world.circle, text="FACILITATOR-NOTE")
        assert [n.text for n in services.my_notes(world.circle, world.member)] == ["MY-NOTE"]
        assert [n.text for n in services.my_notes(world.circle, world.facilitator)] == ["FACILITATOR-NOTE"]
        for other in (world.facilitator, world.members[1]):
            with pytest.raises(PermissionDenied):
                services.note_update(actor=other, note=mine, text="changed")
            with pytest.raises(PermissionDenied):
                services.note_delete(actor=other, note=mine)
        with pytest.raises(ServiceError, match="at most 10000"):
            services.note_update(actor=world.member, note=mine, text="x" * 10001)
        with pytest.raises(ServiceError, match="Write the note"):
            services.note_add(actor=world.member, circle=world.circle, text="   ")
        with pytest.raises(PermissionDenied):
            services.note_add(actor=MembershipFactory(organization=org), circle=world.circle, text="x")
    with scopes_disabled():
        assert CircleNote.objects.get(pk=mine.pk).text == "MY-NOTE"


def test_a_former_member_keeps_only_their_own_notes(world):
    org = world.circle.organization
    meeting = _schedule(world, agenda="AGENDA")
    with scope(organization=org):
        note = services.note_add(actor=world.member, circle=world.circle, text="MINE")
    place = world.places[world.member.pk]
    with scopes_disabled():
        place.status = CircleMemberStatus.LEFT
        place.save()
    with scope(organization=org):
        assert services.record_place(world.circle, world.member) is None
        assert services.notes_place(world.circle, world.member).pk == place.pk
        with pytest.raises(PermissionDenied):
            services.rsvp_save(actor=world.member, meeting=meeting, response="yes")
        with pytest.raises(PermissionDenied):
            services.note_add(actor=world.member, circle=world.circle, text="more")
        with pytest.raises(PermissionDenied):
            services.note_update(actor=world.member, note=note, text="changed")
        assert [n.text for n in services.my_notes(world.circle, world.member)] == ["MINE"]
        services.note_delete(actor=world.member, note=note)
        assert services.my_notes(world.circle, world.member) == []


def test_an_unsigned_member_has_no_record_until_they_sign(world):
    unsigned, _ = add_place(world.circle, signed=False)
    meeting = _schedule(world)
    with scope(organization=world.circle.organization):
        assert services.record_place(world.circle, unsigned) is None
        with pytest.raises(PermissionDenied):
            services.rsvp_save(actor=unsigned, meeting=meeting, response="yes")


def test_an_ended_circle_is_read_only(world, time_machine):
    org = world.circle.organization
    meeting = _schedule(world)
    with scope(organization=org):
        note = services.note_add(actor=world.member, circle=world.circle, text="MINE")
    with scopes_disabled():
        world.circle.status = CircleStatus.ENDED
        world.circle.save()
    with scope(organization=org):
        with pytest.raises(ServiceError, match="ended"):
            _schedule(world)
        with pytest.raises(ServiceError, match="ended"):
            services.rsvp_save(actor=world.member, meeting=meeting, response="yes")
        with pytest.raises(ServiceError, match="ended"):
            services.agenda_save(actor=world.facilitator, meeting=meeting, agenda="x")
        with pytest.raises(ServiceError, match="ended"):
            services.note_update(actor=world.member, note=note, text="x")
        with pytest.raises(ServiceError, match="ended"):
            services.meeting_cancel(actor=world.facilitator, meeting=meeting)
        services.note_delete(actor=world.member, note=note)  # one's own note may still go


def test_another_organizations_people_can_do_nothing(world, org_b, coordinator_b):
    meeting = _schedule(world)
    stranger_circle = record_world(org_b, slug="b-circles")
    for actor in (coordinator_b, stranger_circle.facilitator, stranger_circle.member):
        with scopes_disabled():
            with pytest.raises(PermissionDenied):
                services.rsvp_save(actor=actor, meeting=meeting, response="yes")
            with pytest.raises(PermissionDenied):
                services.meeting_cancel(actor=actor, meeting=meeting)
            with pytest.raises(PermissionDenied):
                services.note_add(actor=actor, circle=world.circle, text="x")
        assert services.record_place(world.circle, actor) is None


def test_the_record_area_reads_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    org = world.circle.organization
    place = world.places[world.member.pk]

    def meetings(n):
        start = timezone.now() - timedelta(days=n)
        for i in range(n):
            meeting = add_meeting(world.circle, start + timedelta(days=2 * i), agenda=f"A{i}", summary=f"S{i}")
            with scopes_disabled():
                CircleRsvp.objects.create(
                    organization=org, meeting=meeting, member=place, response="yes", attended=True
                )
                CircleNote.objects.create(
                    organization=org, circle=world.circle, author=world.member, meeting=meeting, text=f"N{i}"
                )

    def read():
        with scope(organization=org):
            area = services.record_area(world.circle, place)
            metadata = services.circle_metadata(world.circle)
        return area, metadata

    meetings(3)
    # The meetings, their counts, the reader's answers, notes, the notes' count; the metadata.
    with django_assert_max_num_queries(6) as small:
        area, metadata = read()
    assert len(area.upcoming) + len(area.past) == 3 and metadata.meetings_scheduled == 3
    meetings(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        area, metadata = read()
    assert len(area.upcoming) + len(area.past) == 30 and area.note_count == 30


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_leave_one_row(org_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world = record_world(org_a)
    meeting = _schedule(world)
    barrier = threading.Barrier(2)
    errors = []

    def answer(response):
        try:
            barrier.wait()
            with scope(organization=org_a):
                services.rsvp_save(actor=world.member, meeting=meeting, response=response)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(r,)) for r in ("yes", "no")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scopes_disabled():
        assert CircleRsvp.objects.filter(meeting=meeting).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_each_raise_the_sequence(org_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world = record_world(org_a)
    meeting = _schedule(world)
    barrier = threading.Barrier(2)
    errors = []

    def move(days):
        try:
            barrier.wait()
            with scope(organization=org_a):
                services.meeting_move(
                    actor=world.facilitator,
                    meeting=meeting,
                    starts_at=next_week() + timedelta(days=days),
                    duration_minutes=60,
                )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(d,)) for d in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    meeting.refresh_from_db()
    assert meeting.sequence == 2


def test_when_a_circle_ends_its_meetings_to_come_are_cancelled_in_everyones_calendar(
    world, django_capture_on_commit_callbacks
):
    meeting = _schedule(world)
    add_meeting(world.circle, timezone.now() - timedelta(days=2))  # a past one stays as it was
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=world.circle.organization):
        assert services.cancel_upcoming(circle=world.circle) == 1
    assert len(mail.outbox) == 1 + len(world.members)
    calendar, event = _event(mail.outbox[0])
    assert str(calendar["method"]) == "CANCEL" and int(event["sequence"]) == 1
    assert "because the circle has ended" in mail.outbox[0].body
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None


def test_a_coordinator_ending_a_circle_cancels_its_meetings_to_come(
    world, coordinator_a, django_capture_on_commit_callbacks
):
    from circles.services.circles import circle_end

    meeting = _schedule(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=world.circle.organization):
        circle_end(actor=coordinator_a, circle=world.circle)
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None
    calendar, _event_ = _event(mail.outbox[0])
    assert str(calendar["method"]) == "CANCEL"
    assert len(mail.outbox) == 1 + len(world.members)
