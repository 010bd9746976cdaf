"""Races on PostgreSQL: two coordinators building one event's schedule at once, a schedule
built while people are added, two taps on one person at the check-in desk."""

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from events.models import SpeedParticipant, SpeedSlot
from events.services import events as event_services
from events.services import schedule as schedule_services
from programs.models import Membership, Role
from tests.events.support import approved, event, people, speed_program
from tests.factories import MembershipFactory
from tests.test_concurrency_races import race, successes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL (set DATABASE_URL); SQLite serializes every write",
    ),
]


def valid(the_event):
    with scopes_disabled():
        rows = list(SpeedSlot.objects.filter(event=the_event).values_list("round_number", "mentor_id", "mentee_id"))
    assert len({(r, m) for r, m, _ in rows}) == len(rows)
    assert len({(r, e) for r, _, e in rows}) == len(rows)
    assert len({(m, e) for _, m, e in rows}) == len(rows)
    return rows


def test_two_coordinators_building_the_schedule_at_once_leave_one_valid_schedule(org_a):
    first = MembershipFactory(organization=org_a, is_coordinator=True)
    second = MembershipFactory(organization=org_a, is_coordinator=True)
    program = speed_program(org_a)
    the_event = event(program, first, rounds=3)
    people(program, 3, 5)
    with scope(organization=org_a):
        event_services.participants_add_approved(actor=first, event=the_event)
    outcomes = race(
        org_a,
        [
            (
                "first",
                lambda: schedule_services.schedule_build(actor=Membership.objects.get(pk=first.pk), event=the_event),
            ),
            (
                "second",
                lambda: schedule_services.schedule_build(actor=Membership.objects.get(pk=second.pk), event=the_event),
            ),
        ],
    )
    assert len(successes(outcomes)) == 2  # one waits for the other, then builds again
    assert len(valid(the_event)) == 9


def test_adding_people_while_the_schedule_is_built_ends_with_everyone_scheduled(org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    program = speed_program(org_a)
    the_event = event(program, coordinator, rounds=2)
    people(program, 2, 2)
    with scope(organization=org_a):
        event_services.participants_add_approved(actor=coordinator, event=the_event)
        schedule_services.schedule_build(actor=coordinator, event=the_event)
    late = approved(program, Role.MENTEE, "Late Mentee")
    outcomes = race(
        org_a,
        [
            ("build", lambda: schedule_services.schedule_build(actor=coordinator, event=the_event)),
            (
                "add",
                lambda: event_services.participant_add(
                    actor=coordinator, event=the_event, membership=late, role="mentee"
                ),
            ),
        ],
    )
    assert len(successes(outcomes)) == 2
    rows = valid(the_event)
    with scopes_disabled():
        late_person = SpeedParticipant.objects.get(event=the_event, membership=late)
    assert any(e == late_person.pk for _, _, e in rows)


def test_two_taps_on_one_person_at_the_desk_check_them_in_once(org_a):
    first = MembershipFactory(organization=org_a, is_coordinator=True)
    second = MembershipFactory(organization=org_a, is_coordinator=True)
    program = speed_program(org_a)
    the_event = event(program, first, rounds=1)
    people(program, 1, 1)
    with scope(organization=org_a):
        event_services.participants_add_approved(actor=first, event=the_event)
        person = SpeedParticipant.objects.filter(event=the_event).first()
    outcomes = race(
        org_a,
        [
            ("first", lambda: event_services.check_in(actor=first, participant=person).checked_in_at),
            ("second", lambda: event_services.check_in(actor=second, participant=person).checked_in_at),
        ],
    )
    times = {o.value for o in successes(outcomes)}
    assert len(times) == 1 and None not in times
