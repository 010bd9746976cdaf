"""Speed events: picks after closing, before the event, for no-shows, and the mutual badge."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedPick, SpeedSlot
from events.selectors import met
from events.services import events as event_services
from events.services import picks as pick_services
from mentorship.exceptions import ServiceError
from tests.events.support import speed_program, took_place
from tests.events.test_speed_services import built, held, pick

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def test_an_event_is_marked_held_only_once_it_has_started(org_a, coordinator_a):
    the_event, _mentors, _mentees = built(speed_program(org_a), coordinator_a)
    with scope(organization=org_a), pytest.raises(ServiceError, match="not started yet"):
        event_services.event_mark_held(actor=coordinator_a, event=the_event)
    took_place(the_event)
    with scope(organization=org_a):
        assert event_services.event_mark_held(actor=coordinator_a, event=the_event).status == EventStatus.HELD


def test_closed_picks_never_open_again(org_a, coordinator_a, time_machine):
    the_event, _mentors, _mentees = held(speed_program(org_a), coordinator_a)
    time_machine.move_to(the_event.picks_close_at + timedelta(minutes=1))
    with scope(organization=org_a), pytest.raises(ServiceError, match="cannot open again"):
        event_services.event_update(
            actor=coordinator_a, event=the_event, picks_close_at=timezone.now() + timedelta(days=3)
        )


def test_once_the_desk_checked_people_in_only_those_who_came_can_pick_or_be_picked(org_a, coordinator_a):
    the_event, _mentors, _mentees = held(speed_program(org_a), coordinator_a, mentors=2, mentees=2, rounds=2)
    with scope(organization=org_a):
        slot = SpeedSlot.objects.filter(event=the_event).select_related("mentor", "mentee").first()
        came, absent = slot.mentor, slot.mentee
        SpeedParticipant.objects.filter(pk=came.pk).update(checked_in_at=timezone.now())
        came.refresh_from_db()
        assert absent not in met(came)
        with pytest.raises(ServiceError, match="people you met"):
            pick(the_event, came.membership, [absent.membership])
        absent.refresh_from_db()
        assert met(absent) == []


def test_picks_posted_after_they_closed_are_refused_with_a_message(client, org_a, coordinator_a, time_machine):
    the_event, mentors, _mentees = held(speed_program(org_a), coordinator_a)
    time_machine.move_to(the_event.picks_close_at + timedelta(minutes=1))
    client.force_login(mentors[0].user)
    url = reverse("speed_event_picks", kwargs={"org_slug": org_a.slug, "pk": the_event.pk})
    response = client.post(url, {"chosen": []}, follow=True)
    assert response.status_code == 200
    assert "Picks for this event have closed" in response.content.decode()


def test_a_mutual_pick_that_was_not_offered_does_not_say_offered(client, org_a, coordinator_a):
    the_event, _mentors, _mentees = held(speed_program(org_a), coordinator_a, mentors=1, mentees=1, rounds=1)
    with scope(organization=org_a):
        slot = SpeedSlot.objects.select_related("mentor__membership", "mentee__membership").get(event=the_event)
    pick(the_event, slot.mentor.membership, [slot.mentee.membership])
    pick(the_event, slot.mentee.membership, [slot.mentor.membership])
    with scopes_disabled():
        # Closed with the pair skipped (e.g. already paired in the program).
        SpeedEvent.objects.filter(pk=the_event.pk).update(
            status=EventStatus.CLOSED,
            offer_results=[
                {
                    "mentor": slot.mentor.membership_id,
                    "mentee": slot.mentee.membership_id,
                    "proposal": None,
                    "reason": "already paired",
                }
            ],
        )
        assert SpeedPick.objects.filter(event=the_event).count() == 2
    client.force_login(slot.mentee.membership.user)
    html = client.get(reverse("speed_event_picks", kwargs={"org_slug": org_a.slug, "pk": the_event.pk})).content
    assert b"Mutual" in html and b"offered as a pair" not in html


def test_closing_the_due_picks_goes_on_after_one_event_fails(org_a, coordinator_a, time_machine, monkeypatch):
    first, *_ = held(speed_program(org_a, slug="first"), coordinator_a)
    second, *_ = held(speed_program(org_a, slug="second"), coordinator_a)
    time_machine.move_to(max(first.picks_close_at, second.picks_close_at) + timedelta(minutes=1))
    real = pick_services.picks_close_and_offer

    def flaky(*, actor, event):
        if event.pk == first.pk:
            raise RuntimeError("boom")
        return real(actor=actor, event=event)

    monkeypatch.setattr(pick_services, "picks_close_and_offer", flaky)
    with scopes_disabled():
        assert pick_services.picks_close_due() == 1
        assert SpeedEvent.objects.get(pk=second.pk).status == EventStatus.CLOSED
