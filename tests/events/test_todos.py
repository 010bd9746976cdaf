"""Speed-mentoring events in "What needs you": the schedule of an event to come, then the
picks while they are open, until the person has made them."""

import pytest
from django_scopes import scope, scopes_disabled

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedPick
from programs.dashboard import todos_for
from tests.events.support import speed_program, speed_world
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def _kinds(membership):
    with scope(organization=membership.organization):
        return {todo.kind: todo for todo in todos_for(membership)}


@pytest.mark.parametrize("status", ["scheduled", "held"])
def test_the_event_waits_for_its_participants_and_nobody_else(org_a, status):
    mentor, mentee, outsider = (MembershipFactory(organization=org_a) for _ in range(3))
    with scopes_disabled():
        program = speed_program(org_a)
        speed_world(org_a, program, mentor=mentor, mentee=mentee, marker="A-", status=status)
    kind = "speed_schedules" if status == "scheduled" else "speed_picks"
    for person in (mentor, mentee):
        assert kind in _kinds(person)
    assert kind not in _kinds(outsider)
    if status == "held":
        assert "continue with" in _kinds(mentee)[kind].label


def test_the_picks_leave_the_list_once_made_or_closed(org_a):
    mentor, mentee = (MembershipFactory(organization=org_a) for _ in range(2))
    with scopes_disabled():
        program = speed_program(org_a)
        speed_world(org_a, program, mentor=mentor, mentee=mentee, marker="A-", status="held")
        event = SpeedEvent.objects.get(program=program)
        chooser = SpeedParticipant.objects.get(event=event, membership=mentee)
        chosen = SpeedParticipant.objects.get(event=event, membership=mentor)
        SpeedPick.objects.create(organization=org_a, event=event, chooser=chooser, chosen=chosen)
    assert "speed_picks" not in _kinds(mentee)
    assert "speed_picks" in _kinds(mentor)
    with scopes_disabled():
        SpeedEvent.objects.filter(pk=event.pk).update(status=EventStatus.CLOSED)
    assert "speed_picks" not in _kinds(mentor)
