"""Calendar feeds (issue 20): a private iCalendar link per person with their meetings across
every organization; the link is the credential, resettable and revocable; nothing people
wrote (agendas, summaries, notes) is in it."""

from datetime import UTC, datetime, timedelta

import pytest
from django_scopes import scopes_disabled
from icalendar import Calendar

from circles.models import CircleAgreementSignature, CircleMeeting, CircleMember
from events.models import SpeedEvent, SpeedParticipant
from integrations.models import CalendarFeed
from integrations.services import calendar as services
from relationships.models import Meeting, MeetingStatus
from tests.circles.record_world import record_world
from tests.factories import MembershipFactory, UserFactory, dana_and_nia

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]
MARKER = "PRIVATE-MARKER-TEXT"


def meeting(pair, days: float, **fields) -> Meeting:
    with scopes_disabled():
        return Meeting.objects.create(
            organization=pair.organization,
            mentorship=pair,
            starts_at=NOW + timedelta(days=days),
            location=fields.pop("location", "https://video.example/room-1"),
            agenda=f"{MARKER} agenda",
            summary=f"{MARKER} summary",
            **fields,
        )


@pytest.fixture
def person(org_a, org_b):
    """Someone who is a mentee in A, a mentor in B, in a circle of B and at a speed event of A."""
    user = UserFactory(full_name="Pat Person", time_zone="America/New_York")
    in_a = MembershipFactory(organization=org_a, user=user)
    in_b = MembershipFactory(organization=org_b, user=user)
    pair_a = dana_and_nia(org_a, program={"slug": "society"}, mentee=None)
    with scopes_disabled():
        pair_a.mentee = in_a
        pair_a.save()
    pair_b = dana_and_nia(org_b, program={"slug": "society"})
    with scopes_disabled():
        pair_b.mentor = in_b
        pair_b.save()
    other_pair = dana_and_nia(org_a, program={"slug": "other"})
    world = record_world(org_b, members=1)
    unsigned = record_world(org_a, members=1, name="Unsigned circle")
    with scopes_disabled():
        place = CircleMember.objects.create(organization=org_b, circle=world.circle, membership=in_b)
        CircleAgreementSignature.objects.create(
            organization=org_b, circle=world.circle, member=place, typed_name="Pat Person", text_sha256="0" * 64
        )
        CircleMember.objects.create(organization=org_a, circle=unsigned.circle, membership=in_a)
        circle_meeting = CircleMeeting.objects.create(
            organization=org_b,
            circle=world.circle,
            starts_at=NOW + timedelta(days=3),
            location="Room 12",
            agenda=f"{MARKER} circle agenda",
            summary=f"{MARKER} circle summary",
        )
        hidden_circle_meeting = CircleMeeting.objects.create(
            organization=org_a, circle=unsigned.circle, starts_at=NOW + timedelta(days=4)
        )
        event = SpeedEvent.objects.create(
            organization=org_a,
            program=pair_a.program,
            name="Speed mentoring at the annual meeting",
            starts_at=NOW + timedelta(days=10),
            location="Hall B",
        )
        SpeedParticipant.objects.create(organization=org_a, event=event, membership=in_a, role="mentee")
    return {
        "user": user,
        "a": meeting(pair_a, 2),
        "b": meeting(pair_b, 5, location=""),
        "cancelled": meeting(pair_a, 7, status=MeetingStatus.CANCELLED),
        "past": meeting(pair_a, -30),
        "too_old": meeting(pair_a, -200),
        "other": meeting(other_pair, 2),
        "circle": circle_meeting,
        "hidden_circle": hidden_circle_meeting,
        "speed": event,
    }


def fetch(client, token):
    return client.get(f"/calendar/feed/{token}.ics")


def events_of(response) -> dict:
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_the_persons_meetings_across_organizations_and_nothing_written(client, person):
    _feed, token = services.feed_create(user=person["user"])
    response = fetch(client, token)  # no sign-in: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    events = events_of(response)
    expected = {
        str(person["a"].uid),
        str(person["b"].uid),
        str(person["cancelled"].uid),
        str(person["past"].uid),
        f"circle-meeting-{person['circle'].uid}",
        f"speed-event-{person['speed'].pk}@alpha",
    }
    assert set(events) == expected  # not the other pair's, not the unsigned circle's, not before the window
    a = events[str(person["a"].uid)]
    assert a.decoded("DTSTART") == person["a"].starts_at  # UTC, whatever the person's zone
    assert a.decoded("DTSTART").tzinfo is not None
    assert str(a["LOCATION"]) == "https://video.example/room-1"
    assert str(a["STATUS"]) == "CONFIRMED"
    assert str(events[str(person["cancelled"].uid)]["STATUS"]) == "CANCELLED"
    circle = events[f"circle-meeting-{person['circle'].uid}"]
    assert str(circle["LOCATION"]) == "Room 12" and "Grant writing circle" in str(circle["SUMMARY"])
    speed = events[f"speed-event-{person['speed'].pk}@alpha"]
    assert speed.decoded("DTEND") - speed.decoded("DTSTART") == timedelta(minutes=6 * 10 + 5 * 2)
    assert MARKER.encode() not in response.content


def test_the_uid_is_the_emailed_invitations(client, person):
    from relationships import ics

    _feed, token = services.feed_create(user=person["user"])
    invitation = Calendar.from_ical(ics.invitation(person["a"]))
    (emailed,) = invitation.walk("VEVENT")
    assert str(emailed["UID"]) in events_of(fetch(client, token))


def test_reset_and_turn_off_revoke_the_old_link(client, person):
    feed, token = services.feed_create(user=person["user"])
    assert fetch(client, token).status_code == 200
    with scopes_disabled():
        assert CalendarFeed.objects.get(pk=feed.pk).last_fetched_at is not None
    _new, new_token = services.feed_create(user=person["user"])
    assert fetch(client, token).status_code == 404
    assert fetch(client, new_token).status_code == 200
    assert services.feed_turn_off(user=person["user"])
    assert fetch(client, new_token).status_code == 404
    assert fetch(client, "unknown-token").status_code == 404
    assert CalendarFeed.objects.filter(token_hash=services.token_hash(new_token)).exists()
    assert not CalendarFeed.objects.filter(token_hash=new_token).exists()  # only the hash is kept


def test_the_page_shows_the_link_once_and_resets_it(client, person):
    client.force_login(person["user"])
    assert b"/profile/calendar/" in client.get("/accounts/profile/").content
    assert client.get("/profile/calendar/").status_code == 200
    assert client.post("/profile/calendar/new/").status_code == 302
    page = client.get("/profile/calendar/").content.decode()
    assert "/calendar/feed/" in page and ".ics" in page
    url = page.split('id="calendar-url">')[1].split("<")[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert fetch(client, token).status_code == 200
    assert url not in client.get("/profile/calendar/").content.decode()  # shown once
    client.post("/profile/calendar/new/")  # reset
    assert fetch(client, token).status_code == 404
    client.post("/profile/calendar/off/")
    with scopes_disabled():
        assert not CalendarFeed.objects.filter(user=person["user"], revoked_at__isnull=True).exists()
    client.logout()
    assert client.get("/profile/calendar/").status_code == 302  # sign in first
    assert client.post("/profile/calendar/new/").status_code == 302
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


def test_a_removed_membership_takes_its_meetings_out(client, person):
    _feed, token = services.feed_create(user=person["user"])
    with scopes_disabled():
        person["a"].mentorship.mentee.__class__.objects.filter(pk=person["a"].mentorship.mentee_id).update(
            is_active=False
        )
    assert str(person["a"].uid) not in events_of(fetch(client, token))
    assert str(person["b"].uid) in events_of(fetch(client, token))


def test_the_feed_runs_a_bounded_number_of_queries(client, person, django_assert_max_num_queries):
    _feed, token = services.feed_create(user=person["user"])
    pair = person["a"].mentorship
    for day in range(40):
        meeting(pair, day + 0.5)
    with django_assert_max_num_queries(10):
        response = fetch(client, token)
    assert len(events_of(response)) == 46
