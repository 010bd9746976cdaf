"""A circle's record, its pages: who opens what (facilitator, member, another member's
notes, a former member, the coordinator, another organization), bad input kept on the form,
the emails and the calendar file, and the circle's page with 3 or 30 meetings."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from circles.models import CircleMeeting, CircleMemberStatus, CircleNote, CircleRsvp, CircleStatus
from circles.services import record as services
from tests import html_rules
from tests.circles.record_world import add_meeting, add_place, next_week, record_world
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]

SECRETS = ("AGENDA-MARKER", "SUMMARY-MARKER", "LOCATION-MARKER", "MEMBERNOTE-MARKER", "FACILNOTE-MARKER")


@pytest.fixture
def world(org_a):
    world = record_world(org_a)
    org = world.circle.organization
    past = add_meeting(
        world.circle,
        timezone.now() - timedelta(days=3),
        agenda="AGENDA-MARKER old",
        summary="SUMMARY-MARKER",
        location="LOCATION-MARKER",
    )
    upcoming = add_meeting(world.circle, next_week(), agenda="AGENDA-MARKER next", location="LOCATION-MARKER")
    with scopes_disabled():
        CircleNote.objects.create(
            organization=org, circle=world.circle, author=world.member, meeting=past, text="MEMBERNOTE-MARKER"
        )
        CircleNote.objects.create(
            organization=org, circle=world.circle, author=world.facilitator, text="FACILNOTE-MARKER"
        )
        CircleRsvp.objects.create(
            organization=org, meeting=past, member=world.places[world.member.pk], response="yes", attended=True
        )
    world.past, world.upcoming = past, upcoming
    return world


def _urls(world) -> dict:
    m, p = world.upcoming.pk, world.past.pk
    with scopes_disabled():
        note = CircleNote.objects.get(author=world.member)
    return {
        "new": (world.url("meetings/new/"), "GET"),
        "detail": (world.url(f"meetings/{m}/"), "GET"),
        "past": (world.url(f"meetings/{p}/"), "GET"),
        "ics": (world.url(f"meetings/{m}/invite.ics"), "GET"),
        "move": (world.url(f"meetings/{m}/move/"), "POST"),
        "cancel": (world.url(f"meetings/{m}/cancel/"), "POST"),
        "rsvp": (world.url(f"meetings/{m}/rsvp/"), "POST"),
        "agenda": (world.url(f"meetings/{m}/agenda/"), "POST"),
        "summary": (world.url(f"meetings/{p}/summary/"), "POST"),
        "attendance": (world.url(f"meetings/{p}/attendance/"), "POST"),
        "note": (world.url(f"meetings/{p}/note/"), "POST"),
        "notes": (world.url("notes/"), "GET"),
        "note_edit": (world.url(f"notes/{note.pk}/edit/"), "GET"),
        "note_delete": (world.url(f"notes/{note.pk}/delete/"), "POST"),
    }


def _ask(client, url, method):
    return client.get(url) if method == "GET" else client.post(url, {})


def _no_secret(body: str, allowed=()) -> None:
    for secret in SECRETS:
        if secret not in allowed:
            assert secret not in body, secret


def test_the_coordinator_and_outsiders_get_404_on_every_record_url(client, world, coordinator_a, org_b):
    outsider = MembershipFactory(organization=world.circle.organization)
    waiting, _ = add_place(world.circle, status=CircleMemberStatus.WAITLISTED, signed=False)
    unsigned, _ = add_place(world.circle, signed=False)
    other_org = record_world(org_b, slug="b-circles").facilitator
    for person in (coordinator_a, outsider, waiting, unsigned, other_org):
        client.force_login(person.user)
        for name, (url, method) in _urls(world).items():
            response = _ask(client, url, method)
            assert response.status_code == 404, (person, name, response.status_code)
            _no_secret(response.content.decode())
    with scopes_disabled():
        assert CircleMeeting.objects.get(pk=world.upcoming.pk).cancelled_at is None


def test_the_coordinators_circle_page_has_counts_and_no_text(client, world, coordinator_a):
    client.force_login(coordinator_a.user)
    for url in (world.url(), f"/o/{world.circle.organization.slug}/programs/{world.circle.program.slug}/circles/"):
        response = client.get(url)
        assert response.status_code == 200
        _no_secret(response.content.decode())


def test_a_member_reads_the_record_and_only_their_own_notes(client, world):
    client.force_login(world.member.user)
    page = client.get(world.url()).content.decode()
    assert "AGENDA-MARKER next" in page and "SUMMARY-MARKER" in page and "MEMBERNOTE-MARKER" in page
    _no_secret(page, allowed=("AGENDA-MARKER", "SUMMARY-MARKER", "LOCATION-MARKER", "MEMBERNOTE-MARKER"))
    detail = client.get(world.url(f"meetings/{world.past.pk}/"))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "SUMMARY-MARKER" in body and "MEMBERNOTE-MARKER" in body
    assert 'id="answer-list"' not in body  # who answered what is for the facilitators
    _no_secret(body, allowed=("AGENDA-MARKER", "SUMMARY-MARKER", "LOCATION-MARKER", "MEMBERNOTE-MARKER"))
    notes = client.get(world.url("notes/")).content.decode()
    assert "MEMBERNOTE-MARKER" in notes and "FACILNOTE-MARKER" not in notes
    # Another member reads neither note.
    client.force_login(world.members[1].user)
    for url in (world.url(), world.url(f"meetings/{world.past.pk}/"), world.url("notes/")):
        body = client.get(url).content.decode()
        assert "MEMBERNOTE-MARKER" not in body and "FACILNOTE-MARKER" not in body
    with scopes_disabled():
        note = CircleNote.objects.get(author=world.member)
    assert client.get(world.url(f"notes/{note.pk}/edit/")).status_code == 404
    assert client.post(world.url(f"notes/{note.pk}/delete/")).status_code == 404
    # Members do not schedule nor write the agenda.
    assert client.get(world.url("meetings/new/")).status_code == 404
    client.post(world.url(f"meetings/{world.upcoming.pk}/agenda/"), {"agenda": "mine now"})
    with scopes_disabled():
        assert CircleMeeting.objects.get(pk=world.upcoming.pk).agenda == "AGENDA-MARKER next"


def test_the_facilitator_reads_the_record_but_not_a_members_note(client, world):
    client.force_login(world.facilitator.user)
    for url in (world.url(), world.url(f"meetings/{world.past.pk}/"), world.url("notes/")):
        body = client.get(url).content.decode()
        assert "MEMBERNOTE-MARKER" not in body
    body = client.get(world.url(f"meetings/{world.past.pk}/")).content.decode()
    assert 'id="answer-list"' in body and "Member 1" in body


def test_a_member_answers_from_the_circle_page_and_the_facilitator_sees_who(client, world):
    client.force_login(world.member.user)
    response = client.post(world.url(f"meetings/{world.upcoming.pk}/rsvp/"), {"response": "yes", "next": "circle"})
    assert response.status_code == 302 and response.url == world.url()
    response = client.post(world.url(f"meetings/{world.upcoming.pk}/rsvp/"), {"response": "perhaps"})
    assert response.status_code == 400 and "Answer yes, no or maybe" in response.content.decode()
    client.force_login(world.facilitator.user)
    body = client.get(world.url(f"meetings/{world.upcoming.pk}/")).content.decode()
    assert "Member 1 : coming".replace(" :", ":") in body
    assert "1 coming" in body


def test_a_facilitator_schedules_a_meeting_and_everyone_is_emailed(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.facilitator.user)
    assert client.get(world.url("meetings/new/")).status_code == 200
    mail.outbox.clear()
    starts = next_week(15) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            world.url("meetings/new/"),
            {
                "starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": 90,
                "location": "Room 4B",
                "agenda": "Specific aims",
            },
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in [world.facilitator, *world.members])
    assert all("text/calendar; method=REQUEST" in [a[1] for a in m.alternatives] for m in mail.outbox)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"starts_at": "2026-03-01T10:00"}, "already passed"),
        ({"duration_minutes": 5}, "at least 15 minutes"),
        ({"duration_minutes": 900}, "at most 8 hours"),
        ({"starts_at": "2026-12-01T10:00"}, "circle ends on"),
        ({"starts_at": "not a date"}, "valid date and time"),
        ({"agenda": "x" * 10001}, "at most 10000 characters"),
    ],
)
def test_bad_input_on_the_schedule_form_keeps_what_was_typed(client, world, values, message):
    client.force_login(world.facilitator.user)
    data = {"starts_at": "2026-03-10T17:00", "duration_minutes": 60, "location": "Typed place", "agenda": "Typed"}
    response = client.post(world.url("meetings/new/"), {**data, **values})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Typed place" in body
    with scopes_disabled():
        assert CircleMeeting.objects.filter(circle=world.circle).count() == 2


def test_a_summary_too_long_and_a_note_too_long_keep_the_text(client, world):
    client.force_login(world.facilitator.user)
    response = client.post(world.url(f"meetings/{world.past.pk}/summary/"), {"summary": "y" * 10001})
    assert response.status_code == 400 and "at most 10000 characters" in response.content.decode()
    assert "y" * 10001 in response.content.decode()
    response = client.post(world.url("notes/"), {"text": "z" * 10001})
    assert response.status_code == 400 and "z" * 10001 in response.content.decode()


def test_attendance_and_summary_then_the_member_reads_them(client, world):
    client.force_login(world.facilitator.user)
    came = [world.places[world.facilitator.pk].pk, world.places[world.members[1].pk].pk]
    url = world.url(f"meetings/{world.past.pk}/")
    assert client.post(url + "attendance/", {"attended": came}).status_code == 302
    assert client.post(url + "summary/", {"summary": "We read two aims pages."}).status_code == 302
    client.force_login(world.member.user)
    body = client.get(url).content.decode()
    assert "We read two aims pages." in body and 'id="meeting-attended">2<' in body
    assert client.post(url + "attendance/", {"attended": []}).status_code == 404  # the facilitators' only
    with scopes_disabled():
        assert CircleRsvp.objects.filter(meeting=world.past, attended=True).count() == 2


def test_a_former_member_keeps_only_their_notes(client, world):
    place = world.places[world.member.pk]
    with scopes_disabled():
        place.status = CircleMemberStatus.LEFT
        place.save()
    client.force_login(world.member.user)
    urls = _urls(world)
    for name in ("detail", "past", "ics", "rsvp", "note", "new", "note_edit"):
        url, method = urls[name]
        assert _ask(client, url, method).status_code == 404, name
    notes = client.get(world.url("notes/"))
    assert notes.status_code == 200
    body = notes.content.decode()
    assert "MEMBERNOTE-MARKER" in body and "AGENDA-MARKER" not in body and "SUMMARY-MARKER" not in body
    assert client.post(world.url("notes/"), {"text": "more"}).status_code == 302  # refused, with a message
    assert client.post(urls["note_delete"][0]).status_code == 302
    with scopes_disabled():
        assert not CircleNote.objects.filter(author=world.member).exists()


def test_the_calendar_file_lists_every_active_place(client, world):
    client.force_login(world.member.user)
    response = client.get(world.url(f"meetings/{world.upcoming.pk}/invite.ics"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    for person in (world.facilitator, *world.members):
        assert f"mailto:{person.user.email}" in body.replace("\r\n ", "")
    assert "AGENDA-MARKER" not in body


def test_an_ended_circle_is_read_only_on_its_pages(client, world):
    with scopes_disabled():
        world.circle.status = CircleStatus.ENDED
        world.circle.save()
    client.force_login(world.facilitator.user)
    body = client.get(world.url(f"meetings/{world.past.pk}/")).content.decode()
    assert "SUMMARY-MARKER" in body and 'name="summary"' not in body and 'name="attended"' not in body
    assert client.get(world.url("meetings/new/")).status_code == 302
    client.force_login(world.member.user)
    assert client.post(world.url(f"meetings/{world.upcoming.pk}/rsvp/"), {"response": "yes"}).status_code == 400


def test_the_circle_page_runs_the_same_queries_with_3_or_30_meetings(client, world, django_assert_max_num_queries):
    org = world.circle.organization
    place = world.places[world.member.pk]

    def add(n):
        for i in range(n):
            meeting = add_meeting(world.circle, timezone.now() - timedelta(days=40 - i), agenda="A", summary="S")
            with scopes_disabled():
                CircleRsvp.objects.create(
                    organization=org, meeting=meeting, member=place, response="yes", attended=True
                )
                CircleNote.objects.create(organization=org, circle=world.circle, author=world.member, text=f"N{i}")

    client.force_login(world.member.user)
    add(1)  # 3 meetings
    client.get(world.url())
    with django_assert_max_num_queries(100) as small:
        assert client.get(world.url()).status_code == 200
    add(27)  # 30 meetings
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(world.url()).content.decode()
    assert body.count("record-summary") == 29
    with scope(organization=org):
        assert services.circle_metadata(world.circle).meetings_scheduled == 30


def test_the_record_pages_follow_the_html_rules(client, world):
    """Unique ids, labels, <time> formats (tests/html_rules.py; CI also runs the Nu checker)."""
    with scopes_disabled():
        note = CircleNote.objects.get(author=world.member)
    pages = {
        world.facilitator: [
            world.url(),
            world.url("meetings/new/"),
            world.url(f"meetings/{world.past.pk}/"),
            world.url(f"meetings/{world.upcoming.pk}/"),
            world.url("notes/"),
        ],
        world.member: [
            world.url(),
            world.url(f"meetings/{world.past.pk}/"),
            world.url(f"meetings/{world.upcoming.pk}/"),
            world.url("notes/"),
            world.url(f"notes/{note.pk}/edit/"),
        ],
    }
    for person, urls in pages.items():
        client.force_login(person.user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert html_rules.problems(response.content.decode()) == [], url
    client.force_login(world.facilitator.user)
    refused = client.post(world.url("meetings/new/"), {"starts_at": "2026-03-01T10:00", "duration_minutes": 5})
    assert refused.status_code == 400 and html_rules.problems(refused.content.decode()) == []
