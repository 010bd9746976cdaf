"""Formation rounds: members rank circles, the engine places them (what it returns is what
is stored, with reasons in plain words), the committee reviews, a coordinator applies."""

import numpy as np
import pytest
from django_scopes import scope, scopes_disabled

from circles.models import (
    CircleChoice,
    CircleMember,
    FormationPlacement,
    FormationStatus,
)
from circles.services import circles as circle_services
from circles.services import formation as services
from matching.engine.circles import form_circles
from matching.engine.inputs import MatchConfig
from mentorship.exceptions import ServiceError
from programs.models import Notification, Role
from tests.circles.support import accepted, circles_program, make_circle
from tests.factories import GoalAreaFactory, MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def _setup(org, coordinator, n_members=7):
    program = circles_program(org)
    area = GoalAreaFactory(program=program, name="Writing grants and finding funding")
    a = make_circle(coordinator, program, name="Alpha", capacity=3, open_to_join=False, goal_area=area)
    b = make_circle(coordinator, program, name="Beta", capacity=3, open_to_join=False)
    c = make_circle(coordinator, program, name="Gamma", capacity=3, open_to_join=False)
    with scope(organization=org):
        circle_services.member_add(actor=coordinator, circle=a, membership=accepted(program, Role.MENTOR))
    members = [accepted(program, name=f"Member {i}") for i in range(n_members)]
    return program, (a, b, c), members, area


def test_choices_are_ranked_up_to_three_by_accepted_members(org_a, coordinator_a, member_a):
    program, (a, b, c), members, _area = _setup(org_a, coordinator_a, 1)
    with scope(organization=org_a):
        services.choices_save(actor=members[0], program=program, circles=[b, a])
        assert list(CircleChoice.objects.filter(membership=members[0]).values_list("circle", "rank")) == [
            (b.pk, 1),
            (a.pk, 2),
        ]
        services.choices_save(actor=members[0], program=program, circles=[c])
        assert CircleChoice.objects.filter(membership=members[0]).count() == 1
        with pytest.raises(ServiceError, match="accepted members"):
            services.choices_save(actor=member_a, program=program, circles=[a])
        with pytest.raises(ServiceError, match="at most 3"):
            services.choices_save(actor=members[0], program=program, circles=[a, b, c, a])


def test_the_round_stores_what_the_engine_returns(org_a, coordinator_a):
    program, (a, b, c), members, area = _setup(org_a, coordinator_a)
    with scope(organization=org_a):
        # Everyone wants Alpha first: 3 places there; the rest get their second choice.
        for i, member in enumerate(members):
            services.choices_save(actor=member, program=program, circles=[a, b if i % 2 else c])
        members[0].applications.get().goal_areas.add(area)
        applications, circles, _f, pool_members, pool_circles = services.formation_pool(program)
        expected = form_circles(pool_members, pool_circles, MatchConfig(weights=services.WEIGHTS))
        formation = services.formation_run(actor=coordinator_a, program=program)
        stored = {(p.membership_id, p.circle_id, p.rank): p for p in FormationPlacement.objects.filter(round=formation)}
    want = {(applications[x.mentee].membership_id, circles[x.mentor].pk, x.hub_rank or 0) for x in expected.assignments}
    assert set(stored) == want
    assert len(stored) == len(members) == formation.stats["placed"]
    assert formation.stats["by_rank"]["1"] == 3
    assert np.isclose(sum(p.score for p in stored.values()), sum(x.score for x in expected.assignments))
    in_alpha = [p for p in stored.values() if p.circle_id == a.pk]
    assert len(in_alpha) == 3
    for placement in in_alpha:
        assert "The circle Alpha was your first choice." in placement.contributions["reasons"]
    mine = next((p for p in stored.values() if p.membership_id == members[0].pk), None)
    if mine is not None and mine.circle_id == a.pk:
        assert any("what you asked for help with" in r for r in mine.contributions["reasons"])


def test_without_a_committee_a_coordinator_applies_directly(org_a, coordinator_a):
    program, (a, b, _c), members, _area = _setup(org_a, coordinator_a, 4)
    with scope(organization=org_a):
        for member in members:
            services.choices_save(actor=member, program=program, circles=[a, b])
        formation = services.formation_run(actor=coordinator_a, program=program)
        with pytest.raises(ServiceError, match="no committee"):
            services.formation_send_to_review(actor=coordinator_a, formation=formation)
        result = services.formation_apply(actor=coordinator_a, formation=formation)
        assert result == {"applied": 4, "skipped": 0}
        assert CircleMember.objects.filter(circle=a, origin="round", role="member").count() == 3
        assert CircleMember.objects.filter(circle=b, origin="round").count() == 1
        formation.refresh_from_db()
        assert formation.status == FormationStatus.APPLIED
        with pytest.raises(ServiceError):
            services.formation_apply(actor=coordinator_a, formation=formation)
        # Placed members are out of the next pool.
        assert services.formation_pool(program)[0] == []
    with scopes_disabled():
        # The same notification as any other way in: signing marks it read (its key).
        assert Notification.objects.filter(
            recipient=members[0],
            title__startswith="Sign the agreement of the circle",
            key__startswith="circle-agreement:",
        ).exists()


def test_with_a_committee_the_round_is_reviewed_first(org_a, coordinator_a, member_a):
    program, (a, b, _c), members, _area = _setup(org_a, coordinator_a, 3)
    committee = [MembershipFactory(organization=org_a, is_committee=True) for _ in range(3)]
    with scope(organization=org_a):
        for member in members:
            services.choices_save(actor=member, program=program, circles=[a, b])
        formation = services.formation_run(actor=coordinator_a, program=program)
        with pytest.raises(ServiceError, match="committee reviews this round first"):
            services.formation_apply(actor=coordinator_a, formation=formation)
        services.formation_send_to_review(actor=coordinator_a, formation=formation)
        with pytest.raises(Exception, match="committee members vote"):
            services.formation_vote(actor=member_a, formation=formation, approve=True)
        services.formation_vote(actor=committee[0], formation=formation, approve=True, comment="Good mix")
        services.formation_vote(actor=committee[1], formation=formation, approve=False, comment="Too many in Alpha")
        formation.refresh_from_db()
        assert formation.status == FormationStatus.IN_REVIEW
        with pytest.raises(ServiceError, match="approved round"):
            services.formation_apply(actor=coordinator_a, formation=formation)
        # A committee member changes their mind: two of three approve.
        services.formation_vote(actor=committee[1], formation=formation, approve=True)
        formation.refresh_from_db()
        assert formation.status == FormationStatus.APPROVED
        assert services.tally(formation) == {"approve": 2, "reject": 0, "committee": 3, "majority": 2}
        assert services.formation_apply(actor=coordinator_a, formation=formation)["applied"] == 3
    with scopes_disabled():
        assert Notification.objects.filter(recipient=committee[2], title__contains="Review the circle").exists()


def test_a_round_needs_circles_and_choices(org_a, coordinator_a, member_a):
    program = circles_program(org_a)
    with scope(organization=org_a):
        with pytest.raises(ServiceError, match="Create the program's circles first"):
            services.formation_run(actor=coordinator_a, program=program)
        make_circle(coordinator_a, program)
        with pytest.raises(ServiceError, match="ranked one yet"):
            services.formation_run(actor=coordinator_a, program=program)
        with pytest.raises(Exception, match="coordinators"):
            services.formation_run(actor=member_a, program=program)


def test_a_waitlisted_member_is_in_the_pool_and_a_round_gives_the_place(org_a, coordinator_a):
    program = circles_program(org_a)
    full = make_circle(coordinator_a, program, name="Full", capacity=3)
    other = make_circle(coordinator_a, program, name="Other", capacity=3, open_to_join=False)
    waiting = accepted(program)
    with scope(organization=org_a):
        for _ in range(3):
            circle_services.circle_join(actor=accepted(program), circle=full)
        assert circle_services.circle_join(actor=waiting, circle=full).status == "waitlisted"
        services.choices_save(actor=waiting, program=program, circles=[other])
        formation = services.formation_run(actor=coordinator_a, program=program)
        assert formation.stats["placed"] == 1
        services.formation_apply(actor=coordinator_a, formation=formation)
        assert CircleMember.objects.get(circle=other, membership=waiting).status == "active"
        # Ranked a circle they wait for, with a place opened meanwhile: the waitlist place becomes theirs.
        late = accepted(program)
        assert circle_services.circle_join(actor=late, circle=full).status == "waitlisted"
        services.choices_save(actor=late, program=program, circles=[full])
        full.capacity = 4
        full.save(update_fields=["capacity"])
        formation = services.formation_run(actor=coordinator_a, program=program)
        assert services.formation_apply(actor=coordinator_a, formation=formation) == {"applied": 1, "skipped": 0}
        assert CircleMember.objects.get(circle=full, membership=late).status == "active"
        assert CircleMember.objects.filter(circle=full, membership=late).count() == 1
