"""Issue 18, responsiveness: each side's median reply time on the relationship page (from when
messages were sent and by whom, never their text), and the quiet rule the dashboard and the
reminder scan share: no message and no held meeting within the program's cadence, counted from
the latest of the last message, the last held meeting and the start."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from relationships.models import Conversation, Meeting, MeetingStatus, Mentorship, MentorshipStatus, Message
from relationships.responsiveness import (
    humanize_duration,
    quiet_mentorships,
    quiet_state,
    reply_summary,
    reply_times,
    with_last_author,
)
from tests.factories import dana_and_nia

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
TODAY = NOW.date()
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]

SECRET = "The orchid greenhouse key is under the blue flowerpot."


def say(pair: Mentorship, author, at: datetime, body: str = "Hello") -> Message:
    """A message as the conversation services leave it: the conversation's count and last
    message time kept in step."""
    with scopes_disabled():
        conversation, _ = Conversation.objects.get_or_create(
            mentorship=pair, defaults={"organization": pair.organization}
        )
        message = Message.objects.create(
            organization=pair.organization, conversation=conversation, author=author, body=body, created_at=at
        )
        conversation.message_count = conversation.messages.count()
        conversation.last_message_at = conversation.messages.order_by("-created_at").values_list(
            "created_at", flat=True
        )[0]
        conversation.save(update_fields=["message_count", "last_message_at"])
    return message


def held(pair: Mentorship, at: datetime, status: str = MeetingStatus.HELD) -> Meeting:
    with scopes_disabled():
        return Meeting.objects.create(organization=pair.organization, mentorship=pair, starts_at=at, status=status)


def conversation_of_a_week(pair: Mentorship) -> None:
    """Dana replies in 3 hours, 20 and 45 minutes (median 45 minutes); Nia in 1 hour,
    24 hours and 2 h 40 (median 2 h 40, said as "3 hours")."""
    dana, nia = pair.mentor, pair.mentee
    day = NOW - timedelta(days=7)
    at = {h: day.replace(hour=0) + timedelta(hours=h) for h in (9, 10, 13)}
    say(pair, dana, at[9])
    say(pair, dana, at[9] + timedelta(minutes=5))  # same run: not a reply
    say(pair, nia, at[10])  # Nia: 1 hour after the first of Dana's run
    say(pair, nia, at[10] + timedelta(minutes=10))
    say(pair, dana, at[13])  # Dana: 3 hours
    say(pair, nia, at[13] + timedelta(days=1))  # Nia: 24 hours
    say(pair, dana, at[13] + timedelta(days=1, minutes=20))  # Dana: 20 minutes
    removed = say(pair, nia, at[13] + timedelta(days=1, hours=3))  # Nia: 2 h 40 (since 13:20)
    say(pair, dana, at[13] + timedelta(days=1, hours=3, minutes=45))  # Dana: 45 minutes
    with scopes_disabled():
        # A removed message was still sent then: it still counts as a reply.
        Message.objects.filter(pk=removed.pk).update(removed_at=NOW)


# --- Reply times ---------------------------------------------------------------------------------


def test_reply_times_are_timed_from_the_first_message_of_the_run_answered():
    t = datetime(2026, 1, 5, 9, tzinfo=UTC)
    rows = [
        (1, t),
        (1, t + timedelta(minutes=30)),
        (2, t + timedelta(hours=2)),
        (1, t + timedelta(hours=2, minutes=5)),
        (1, t + timedelta(hours=9)),
        (2, t + timedelta(days=1)),
    ]
    assert reply_times(rows) == {2: [7200.0, 86400.0 - 7500.0], 1: [300.0]}
    assert reply_times([]) == {}
    assert reply_times([(1, t), (1, t + timedelta(hours=1))]) == {}  # talking alone is no reply


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (5, "a minute"),
        (60, "a minute"),
        (61, "2 minutes"),
        (45 * 60, "45 minutes"),
        (59 * 60 + 30, "an hour"),
        (2 * 3600 + 40 * 60, "3 hours"),
        (24 * 3600, "a day"),
        (24 * 3600 + 1, "2 days"),
        (13 * 86400, "13 days"),
        (20 * 86400, "3 weeks"),
    ],
)
def test_durations_read_as_people_say_them(seconds, said):
    assert humanize_duration(seconds) == said


def test_each_sides_median_reply_time_on_a_hand_made_conversation(org_a, django_assert_num_queries):
    pair = dana_and_nia(org_a, started_on=TODAY - timedelta(days=30))
    conversation_of_a_week(pair)
    with scopes_disabled():
        pair = Mentorship.objects.select_related("mentor__user", "mentee__user").get(pk=pair.pk)
        with django_assert_num_queries(1):
            mentor, mentee = reply_summary(pair)
    assert mentor["replies"] == 3 and mentor["median_seconds"] == 45 * 60
    assert mentee["replies"] == 3 and mentee["median_seconds"] == 2 * 3600 + 40 * 60
    assert mentor["text"] == "Dana Whitfield usually replies within 45 minutes"
    assert mentee["text"] == "Nia Mensah usually replies within 3 hours"


def test_no_reply_yet_and_a_single_reply_are_said_plainly(org_a):
    pair = dana_and_nia(org_a, started_on=TODAY - timedelta(days=30))
    with scopes_disabled():
        pair = Mentorship.objects.select_related("mentor__user", "mentee__user").get(pk=pair.pk)
        assert [s["text"] for s in reply_summary(pair)] == [
            "Dana Whitfield: no replies yet",
            "Nia Mensah: no replies yet",
        ]
        say(pair, pair.mentee, NOW - timedelta(hours=5))
        say(pair, pair.mentor, NOW - timedelta(hours=3))
        assert [s["text"] for s in reply_summary(pair)] == [
            "Dana Whitfield replied within 2 hours",
            "Nia Mensah: no replies yet",
        ]


def _page(client, pair, user) -> str:
    client.force_login(user)
    response = client.get(reverse("mentorship_detail", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_relationship_page_shows_both_sides_to_the_pair(client, org_a):
    pair = dana_and_nia(org_a, started_on=TODAY - timedelta(days=30))
    conversation_of_a_week(pair)
    page = _page(client, pair, pair.mentee.user)
    assert 'id="reply-times"' in page
    assert "Dana Whitfield usually replies within 45 minutes" in page
    assert "Nia Mensah usually replies within 3 hours" in page


def test_coordinators_see_reply_times_and_never_a_message(client, org_a, coordinator_a):
    pair = dana_and_nia(org_a, started_on=TODAY - timedelta(days=30))
    conversation_of_a_week(pair)
    say(pair, pair.mentee, NOW - timedelta(hours=1), body=SECRET)
    page = _page(client, pair, coordinator_a.user)
    assert "You see this pairing as a coordinator" in page
    assert "Dana Whitfield usually replies within" in page and "Nia Mensah" in page
    assert SECRET not in page and "orchid" not in page
    assert SECRET not in _page(client, pair, pair.mentor.user)  # nor on the pair's page: it has no text


def test_the_page_reads_as_many_queries_with_two_messages_as_with_forty(client, org_a):
    few = dana_and_nia(org_a, started_on=TODAY - timedelta(days=90), program={"slug": "few"})
    many = dana_and_nia(org_a, started_on=TODAY - timedelta(days=90), program={"slug": "many"})
    say(few, few.mentor, NOW - timedelta(days=2))
    say(few, few.mentee, NOW - timedelta(days=1))
    for n in range(40):
        say(many, (many.mentor, many.mentee)[n % 2], NOW - timedelta(hours=80 - n))
    counts = []
    for pair in (few, many):
        client.force_login(pair.mentee.user)
        url = reverse("mentorship_detail", kwargs={"org_slug": org_a.slug, "pk": pair.pk})
        client.get(url)  # the first request stamps the session
        cache.clear()  # count a computed fragment, not a kept one
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The quiet rule ------------------------------------------------------------------------------


def _quiet_pks(today=TODAY) -> set[int]:
    with scopes_disabled():
        return set(quiet_mentorships(today).values_list("pk", flat=True))


def _state(pair, today=TODAY) -> dict:
    with scopes_disabled():
        row = (
            quiet_mentorships(today + timedelta(days=10_000), Mentorship.objects.filter(pk=pair.pk))
            .values("started_on", "origin", "last_message_at", "last_held", "program__meeting_cadence")
            .get()
        )
    return quiet_state(
        started_on=row["started_on"],
        last_message_at=row["last_message_at"],
        last_held=row["last_held"],
        cadence=row["program__meeting_cadence"],
        origin=row["origin"],
        today=today,
    )


def _at(days_ago: int) -> datetime:
    return NOW.replace(hour=12) - timedelta(days=days_ago)


@pytest.fixture
def monthly(org_a):
    numbers = count()

    def make(days_ago: int = 200, **kwargs) -> Mentorship:
        return dana_and_nia(
            org_a,
            program={"slug": f"monthly-{next(numbers)}", "meeting_cadence": "monthly"},
            started_on=TODAY - timedelta(days=days_ago),
            **kwargs,
        )

    return make


def test_quiet_one_day_past_the_cadence_not_on_its_last_day(monthly):
    inside, outside = monthly(), monthly()
    held(inside, _at(30))  # 30 days: still within a monthly cadence
    held(outside, _at(31))
    assert _quiet_pks() == {outside.pk}
    assert _state(inside)["quiet"] is False and _state(inside)["days_quiet"] == 30
    state = _state(outside)
    assert state["quiet"] is True and state["days_quiet"] == 31 and state["last_contact"] == "meeting"
    assert state["last_contact_on"] == TODAY - timedelta(days=31) and state["interval_days"] == 30
    assert _quiet_pks(TODAY - timedelta(days=1)) == set()  # a day earlier neither was


def test_the_start_counts_as_the_first_contact(monthly):
    new, older = monthly(days_ago=30), monthly(days_ago=31)
    assert _quiet_pks() == {older.pk}
    assert _state(older)["last_contact"] == "start"
    assert new.pk not in _quiet_pks()


def test_a_message_resets_it(monthly):
    pair = monthly()
    held(pair, _at(60))
    assert _quiet_pks() == {pair.pk}
    say(pair, pair.mentee, _at(30))
    assert _quiet_pks() == set()
    assert _state(pair)["last_contact"] == "message"
    assert _quiet_pks(TODAY + timedelta(days=1)) == {pair.pk}


def test_a_held_meeting_resets_it_and_a_scheduled_or_cancelled_one_does_not(monthly):
    pair = monthly()
    say(pair, pair.mentor, _at(45))
    held(pair, _at(10), status=MeetingStatus.CANCELLED)
    held(pair, NOW + timedelta(days=3), status=MeetingStatus.SCHEDULED)
    assert _quiet_pks() == {pair.pk}
    held(pair, _at(5))
    assert _quiet_pks() == set()


def test_only_active_pairs_go_quiet_and_the_cadence_is_the_programs(org_a, monthly):
    paused = monthly()
    with scopes_disabled():
        Mentorship.objects.filter(pk=paused.pk).update(status=MentorshipStatus.PAUSED)
    quarterly = dana_and_nia(
        org_a, program={"slug": "q", "meeting_cadence": "quarterly"}, started_on=TODAY - timedelta(days=200)
    )
    held(quarterly, _at(91))
    held(quarterly, _at(120))  # an older meeting changes nothing
    assert _quiet_pks() == set()
    assert _quiet_pks(TODAY + timedelta(days=1)) == {quarterly.pk}
    senior = dana_and_nia(org_a, program={"slug": "s", "meeting_cadence": "monthly"}, origin="senior")
    with scopes_disabled():
        Mentorship.objects.filter(pk=senior.pk).update(started_on=TODAY - timedelta(days=100))
    assert senior.pk not in _quiet_pks()  # a senior mentor's hub pairing meets every six months


def test_who_wrote_last(monthly):
    pair = monthly()
    with scopes_disabled():
        assert with_last_author(Mentorship.objects.filter(pk=pair.pk)).get().last_author is None
    say(pair, pair.mentee, _at(50))
    say(pair, pair.mentor, _at(40))
    with scopes_disabled():
        assert with_last_author(Mentorship.objects.filter(pk=pair.pk)).get().last_author == pair.mentor_id
    assert _state(pair)["last_message_on"] == TODAY - timedelta(days=40)
