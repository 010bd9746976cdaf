"""Circles by hand and by themselves: permissions, tenant scoping, capacity, the waitlist's
order, replacing a facilitator, leaving, and ending (by a coordinator and on the date)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from circles.models import CircleMember, CircleMemberStatus, CircleOrigin, CircleRole, CircleStatus
from circles.selectors import waitlist_position
from circles.services import circles as services
from mentorship.exceptions import ServiceError
from programs.models import Notification, Role
from tests.circles.support import accepted, circles_program, make_circle
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def test_a_coordinator_creates_a_circle_others_cannot(org_a, coordinator_a, member_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    assert circle.status == CircleStatus.ACTIVE  # it started yesterday
    with pytest.raises(PermissionDenied):
        make_circle(member_a, program)
    later = make_circle(coordinator_a, program, name="Later", starts_on=date(2026, 4, 1))
    assert later.status == CircleStatus.FORMING


def test_the_circle_form_rules_are_the_services(org_a, coordinator_a):
    program = circles_program(org_a)
    with pytest.raises(ServiceError, match="3 to 12"):
        make_circle(coordinator_a, program, capacity=13)
    with pytest.raises(ServiceError, match="end on or after"):
        make_circle(coordinator_a, program, ends_on=date(2026, 2, 1))
    dyad = ProgramFactory(organization=org_a)
    with pytest.raises(ServiceError, match="group-circles program"):
        make_circle(coordinator_a, dyad)


def test_a_coordinator_of_another_organization_cannot_act(org_a, org_b, coordinator_a, coordinator_b):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    mentee = accepted(program)
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        services.member_add(actor=coordinator_b, circle=circle, membership=mentee)
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        services.circle_end(actor=coordinator_b, circle=circle)


def test_adding_people_follows_their_application(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    mentor, mentee = accepted(program, Role.MENTOR), accepted(program)
    stranger = MembershipFactory(organization=org_a)
    with scope(organization=org_a):
        assert services.member_add(actor=coordinator_a, circle=circle, membership=mentor).role == CircleRole.FACILITATOR
        place = services.member_add(actor=coordinator_a, circle=circle, membership=mentee)
        assert (place.role, place.origin) == (CircleRole.MEMBER, CircleOrigin.COORDINATOR)
        with pytest.raises(ServiceError, match="no accepted application"):
            services.member_add(actor=coordinator_a, circle=circle, membership=stranger)
        with pytest.raises(ServiceError, match="already in this circle"):
            services.member_add(actor=coordinator_a, circle=circle, membership=mentee)
        # Two facilitators at most.
        services.member_add(actor=coordinator_a, circle=circle, membership=accepted(program, Role.MENTOR))
        with pytest.raises(ServiceError, match="at most 2 facilitators"):
            services.member_add(actor=coordinator_a, circle=circle, membership=accepted(program, Role.MENTOR))
        # Full at its capacity of members (facilitators not counted).
        for _ in range(2):
            services.member_add(actor=coordinator_a, circle=circle, membership=accepted(program))
        with pytest.raises(ServiceError, match="full"):
            services.member_add(actor=coordinator_a, circle=circle, membership=accepted(program))
    with scopes_disabled():
        assert Notification.objects.filter(recipient=mentee, kind="agreement").exists()


def test_joining_fills_then_waitlists_in_order_and_promotes_when_someone_leaves(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3)
    people = [accepted(program, name=f"Member {i}") for i in range(6)]
    with scope(organization=org_a):
        places = [services.circle_join(actor=p, circle=circle) for p in people]
        assert [p.status for p in places] == ["active"] * 3 + ["waitlisted"] * 3
        assert [waitlist_position(p) for p in places[3:]] == [1, 2, 3]
        services.circle_leave(actor=people[1], circle=circle)
        statuses = dict(CircleMember.objects.filter(circle=circle).values_list("membership_id", "status"))
        assert statuses[people[1].pk] == CircleMemberStatus.LEFT
        assert statuses[people[3].pk] == CircleMemberStatus.ACTIVE  # the first on the waitlist
        assert statuses[people[4].pk] == CircleMemberStatus.WAITLISTED
        assert waitlist_position(CircleMember.objects.get(circle=circle, membership=people[5])) == 2
        # A waitlisted member may leave the waitlist; the order closes up.
        services.circle_leave(actor=people[4], circle=circle)
        assert waitlist_position(CircleMember.objects.get(circle=circle, membership=people[5])) == 1
        # A coordinator's removal opens a place too.
        removed = CircleMember.objects.get(circle=circle, membership=people[0])
        services.member_remove(actor=coordinator_a, place=removed)
        assert CircleMember.objects.get(circle=circle, membership=people[5]).status == CircleMemberStatus.ACTIVE
        # Raising the capacity promotes nobody further: the waitlist is empty.
        assert not CircleMember.objects.filter(circle=circle, status="waitlisted").exists()
    with scopes_disabled():
        assert Notification.objects.filter(recipient=people[3], title__contains="A place opened").exists()


def test_only_accepted_mentees_join_and_only_open_circles(org_a, coordinator_a, member_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    closed = make_circle(coordinator_a, program, name="Closed", open_to_join=False)
    mentee = accepted(program)
    with scope(organization=org_a):
        with pytest.raises(ServiceError, match="Apply to the program"):
            services.circle_join(actor=member_a, circle=circle)
        with pytest.raises(ServiceError, match="formed by the program office"):
            services.circle_join(actor=mentee, circle=closed)
        services.circle_join(actor=mentee, circle=circle)
        with pytest.raises(ServiceError, match="already in this circle"):
            services.circle_join(actor=mentee, circle=circle)
        with pytest.raises(ServiceError, match="not in this circle"):
            services.circle_leave(actor=member_a, circle=circle)


def test_replacing_a_facilitator_keeps_the_history(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    old, new = accepted(program, Role.MENTOR), accepted(program, Role.MENTOR)
    mentee = accepted(program)
    with scope(organization=org_a):
        place = services.member_add(actor=coordinator_a, circle=circle, membership=old)
        with pytest.raises(ServiceError, match="accepted mentors"):
            services.facilitator_replace(actor=coordinator_a, place=place, membership=mentee)
        replacement = services.facilitator_replace(actor=coordinator_a, place=place, membership=new)
        place.refresh_from_db()
        assert place.status == CircleMemberStatus.REPLACED and place.left_at is not None
        assert (replacement.role, replacement.status) == (CircleRole.FACILITATOR, CircleMemberStatus.ACTIVE)
        with pytest.raises(ServiceError, match="current facilitator"):
            services.facilitator_replace(actor=coordinator_a, place=place, membership=new)
        assert CircleMember.objects.filter(circle=circle).count() == 2


def test_ending_by_a_coordinator_and_on_the_date(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3)
    due = make_circle(coordinator_a, program, name="Due", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 1))
    forming = make_circle(coordinator_a, program, name="Forming", starts_on=date(2026, 3, 10))
    people = [accepted(program) for _ in range(4)]
    with scope(organization=org_a):
        for person in people:
            services.circle_join(actor=person, circle=circle)
        services.circle_end(actor=coordinator_a, circle=circle)
        circle.refresh_from_db()
        assert (circle.status, circle.end_reason, circle.ended_by) == ("ended", "ended_by_coordinator", coordinator_a)
        assert CircleMember.objects.get(circle=circle, membership=people[3]).status == CircleMemberStatus.LEFT
        with pytest.raises(ServiceError, match="has ended"):
            services.circle_join(actor=accepted(program), circle=circle)
        with pytest.raises(ServiceError, match="has ended"):
            services.circle_end(actor=coordinator_a, circle=circle)
    assert services.circle_end_due(date(2026, 3, 2)) == {"ended": 1, "started": 0}
    assert services.circle_end_due(date(2026, 3, 2)) == {"ended": 0, "started": 0}
    assert services.circle_end_due(date(2026, 3, 10))["started"] == 1
    with scopes_disabled():
        due.refresh_from_db()
        forming.refresh_from_db()
    assert (due.status, due.end_reason, due.ended_by) == ("ended", "ended_on_date", None)
    assert forming.status == CircleStatus.ACTIVE


def test_the_beat_runs_the_end_of_circle_scan(settings):
    from mentorship.celery import registered_task

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "circles.end_due")
    assert entry
    assert registered_task("circles.end_due").name == "circles.end_due"


def test_a_capacity_below_the_members_is_refused(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=4)
    with scope(organization=org_a):
        for _ in range(4):
            services.circle_join(actor=accepted(program), circle=circle)
        values = {f: getattr(circle, f) for f in services.EDITABLE_FIELDS}
        with pytest.raises(ServiceError, match="has 4 members"):
            services.circle_update(actor=coordinator_a, circle=circle, **{**values, "capacity": 3})
