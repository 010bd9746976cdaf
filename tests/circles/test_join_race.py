"""Joining a full circle at the same moment never fills it past its capacity: the circle's
row is locked, so each join counts the places after the one before it wrote its own.
Run on PostgreSQL (DATABASE_URL); SQLite serialises writers anyway."""

import threading

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from circles.models import CircleMember, CircleMemberStatus
from circles.selectors import waitlist_position
from circles.services import circles as services
from mentorship.exceptions import ServiceError
from tests.circles.support import accepted, circles_program, make_circle

pytestmark = pytest.mark.clock("2026-03-02 09:00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_never_exceed_the_capacity(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3)
    people = [accepted(program, name=f"Joiner {i}") for i in range(8)]
    # One place left before the race: two members are in already.
    with scope(organization=org_a):
        for person in people[:2]:
            services.circle_join(actor=person, circle=circle)
    racers = people[2:]
    barrier = threading.Barrier(len(racers))
    outcomes = []

    def join(person):
        try:
            barrier.wait()
            with scope(organization=org_a):
                place = services.circle_join(actor=person, circle=circle)
            outcomes.append(place.status)
        except ServiceError as error:
            outcomes.append(f"refused: {error.message}")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(p,)) for p in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["active"] + ["waitlisted"] * (len(racers) - 1)
    with scopes_disabled():
        active = CircleMember.objects.filter(circle=circle, status=CircleMemberStatus.ACTIVE).count()
        waitlisted = list(CircleMember.objects.filter(circle=circle, status=CircleMemberStatus.WAITLISTED))
        assert active == 3
        # The waitlist's positions are 1..n, each once.
        assert sorted(waitlist_position(p) for p in waitlisted) == list(range(1, len(racers)))


@pytest.mark.django_db(transaction=True)
def test_a_leave_and_joins_at_once_keep_the_capacity(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3)
    people = [accepted(program) for _ in range(7)]
    with scope(organization=org_a):
        for person in people[:4]:  # three in, one waiting
            services.circle_join(actor=person, circle=circle)
    barrier = threading.Barrier(4)

    def act(fn, person):
        try:
            barrier.wait()
            with scope(organization=org_a):
                fn(actor=person, circle=circle)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(services.circle_leave, people[0]))] + [
        threading.Thread(target=act, args=(services.circle_join, p)) for p in people[4:]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with scopes_disabled():
        statuses = dict(CircleMember.objects.filter(circle=circle).values_list("membership_id", "status"))
    assert list(statuses.values()).count("active") == 3
    # The one who waited first got the place, whoever joined meanwhile.
    assert statuses[people[3].pk] == "active"
