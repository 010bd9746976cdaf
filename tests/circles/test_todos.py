"""A member who joined a circle and has not signed its agreement finds it in "What needs you"."""

import pytest
from django_scopes import scope

from circles.models import CircleMemberStatus
from programs.dashboard import todos_for
from tests.circles.record_world import add_place, record_world

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def _labels(membership):
    with scope(organization=membership.organization):
        return [(todo.kind, todo.label, todo.url) for todo in todos_for(membership)]


def test_an_unsigned_agreement_waits_for_its_member_only(org_a):
    world = record_world(org_a, name="Grant writing circle")
    unsigned, place = add_place(world.circle, signed=False)
    waiting, _ = add_place(world.circle, signed=False, status=CircleMemberStatus.WAITLISTED)
    (todo,) = [t for t in _labels(unsigned) if t[0] == "circle_agreements"]
    assert todo[1] == "Sign the agreement of the circle “Grant writing circle”"
    assert todo[2].endswith(f"/circles/{world.circle.pk}/agreement/")
    # Those who signed, and the waitlist, have nothing to sign.
    assert not [t for t in _labels(world.member) if t[0] == "circle_agreements"]
    assert not [t for t in _labels(waiting) if t[0] == "circle_agreements"]
