"""Regression tests for the matching review: hub offers, stale drafts, capacity, ids."""

import pytest
from django_scopes import scope, scopes_disabled

from matching.models import MatchRound, Proposal, ProposalStatus, RoundStatus
from matching.services import endings as ending_services
from matching.services import pairs as pair_services
from matching.services import proposals as proposal_services
from matching.services import rounds
from matching.services import senior as senior_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.clock("2026-11-20 09:00")

ACCEPTED = ApplicationStatus.ACCEPTED


def accepted(program, role, capacity=None):
    return ApplicationFactory(program=program, role=role, status=ACCEPTED, capacity=capacity).membership


def run(coordinator, program):
    with scope(organization=program.organization):
        match_round = rounds.round_create(actor=coordinator, program=program, weights=rounds.default_weights(program))
        return rounds.run_round(match_round.pk)


def respond(actor, proposal):
    with scope(organization=proposal.organization):
        return proposal_services.proposal_respond(actor=actor, proposal=proposal, accept=True)


@pytest.mark.django_db
def test_a_hub_model_offer_becomes_final(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    hub = HubFactory(affinity_group=AffinityGroupFactory(program=program))
    mentor = HubMentorFactory(hub=hub, capacity=1).membership  # no mentor application in the hub model
    application = ApplicationFactory(program=program, role=Role.MENTEE, status=ACCEPTED)
    HubChoiceFactory(application=application, hub=hub, rank=1)
    match_round = run(coordinator_a, program)
    with scope(organization=org_a):
        rounds.round_send(actor=coordinator_a, match_round=match_round)
    with scopes_disabled():
        proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.OFFERED
    respond(mentor, proposal)
    assert respond(application.membership, proposal).status == ProposalStatus.CONFIRMED


@pytest.mark.django_db
def test_only_the_newest_round_is_sent_and_each_pair_is_checked_again(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    accepted(program, Role.MENTOR, 1)
    mentee = accepted(program, Role.MENTEE)
    old = run(coordinator_a, program)
    new = run(coordinator_a, program)
    with scope(organization=org_a):
        with pytest.raises(ServiceError) as error:
            rounds.round_send(actor=coordinator_a, match_round=old)
        assert "newer round" in error.value.message
        # The mentee is removed before the round is sent: nothing is sent for them.
        ending_services.participant_remove(
            actor=coordinator_a, program=program, membership=mentee, reason="Left the society"
        )
        assert rounds.round_send(actor=coordinator_a, match_round=new) == 0
    with scopes_disabled():
        assert not Proposal.objects.filter(status__in=["proposed", "offered"]).exists()


@pytest.mark.django_db
def test_a_hand_made_offer_and_a_round_for_the_same_pair_do_not_collide(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentor, mentee = accepted(program, Role.MENTOR, 2), accepted(program, Role.MENTEE)
    match_round = run(coordinator_a, program)
    with scope(organization=org_a):
        proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=mentor, mentee=mentee)
        assert rounds.round_send(actor=coordinator_a, match_round=match_round) == 0  # dropped, not a 500
    with scopes_disabled():
        assert Proposal.objects.filter(status="withdrawn", match_round=match_round).count() == 1


@pytest.mark.django_db
def test_an_override_cannot_overfill_a_mentor(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    full = accepted(program, Role.MENTOR, 1)
    accepted(program, Role.MENTOR, 1)
    accepted(program, Role.MENTEE)
    accepted(program, Role.MENTEE)
    match_round = run(coordinator_a, program)
    with scopes_disabled():
        other = Proposal.objects.filter(match_round=match_round).exclude(mentor=full).get()
    with scope(organization=org_a), pytest.raises(ServiceError) as error:
        rounds.proposal_override(actor=coordinator_a, proposal=other, mentor=full)
    assert "no open place" in error.value.message


@pytest.mark.django_db
def test_a_locked_draft_that_can_no_longer_go_ahead_is_dropped_at_the_next_run(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    accepted(program, Role.MENTOR, 1)
    mentee = accepted(program, Role.MENTEE)
    first = run(coordinator_a, program)
    with scopes_disabled():
        draft = Proposal.objects.get(match_round=first)
    with scope(organization=org_a):
        rounds.proposal_lock(actor=coordinator_a, proposal=draft, locked=True)
        ending_services.participant_remove(actor=coordinator_a, program=program, membership=mentee, reason="Moved away")
    second = run(coordinator_a, program)
    assert second.status == RoundStatus.COMPLETE
    with scopes_disabled():
        assert not Proposal.objects.filter(status=ProposalStatus.DRAFT).exists()


@pytest.mark.django_db
def test_committee_approval_checks_the_pair_again(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentor, mentee = accepted(program, Role.MENTOR, 2), accepted(program, Role.MENTEE)
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=mentor, mentee=mentee)
    with scopes_disabled():
        Mentorship.objects.create(
            organization=org_a,
            program=program,
            mentor=accepted(program, Role.MENTOR, 1),
            mentee=mentee,
            origin="manual",
            planned_end_on="2030-01-01",
        )
    with scope(organization=org_a), pytest.raises(ServiceError) as error:
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=proposal, approve=True)
    assert "already has a mentor" in error.value.message


@pytest.mark.django_db
def test_senior_coaching_uses_no_hub_places_and_each_hub_mentor_has_one_senior(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    senior = MembershipFactory(organization=org_a)
    group = AffinityGroupFactory(program=program, senior_mentor=senior)
    hub = HubFactory(affinity_group=group)
    HubMentorFactory(hub=hub, membership=senior, capacity=2)
    for _ in range(2):
        HubMentorFactory(hub=hub, capacity=1)
    with scope(organization=org_a):
        assert senior_services.senior_mentors_pair(actor=coordinator_a, program=program) == 2
        assert pair_services.live_mentorship_count(program, senior) == 0
        # A second group led by someone else does not give the same hub mentors a second coach.
        other_group = AffinityGroupFactory(program=program, senior_mentor=MembershipFactory(organization=org_a))
        for hm in hub.hub_mentors.exclude(membership=senior):
            HubMentorFactory(hub=HubFactory(affinity_group=other_group), membership=hm.membership)
        assert senior_services.senior_mentors_pair(actor=coordinator_a, program=program) == 0
    with scope(organization=org_a):
        pool = rounds.build_pool(program)
    senior_rows = [j for j, m in enumerate(pool.mentor_members) if m.pk == senior.pk]
    assert int(pool.mentors.capacity[senior_rows[0]]) == 2


@pytest.mark.django_db
def test_non_numeric_ids_are_404s(client, org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    match_round = run(coordinator_a, program)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/programs/society/rounds/{match_round.pk}/action/"
    assert client.post(url, {"action": "lock", "proposal": "abc"}).status_code == 404
    assert client.post(url, {"action": "override", "proposal": "1;", "mentor": "x"}).status_code == 404
    alumni = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    assert client.post(f"/o/alpha/programs/{alumni.slug}/requests/", {"request_id": "nope"}).status_code == 404
    assert MatchRound.objects.with_scopes_disabled().count() == 1


@pytest.mark.django_db
def test_a_member_in_a_pairing_does_not_see_its_votes(client, org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    involved = MembershipFactory(organization=org_a, is_committee=True)
    ApplicationFactory(program=program, membership=involved, role=Role.MENTOR, status=ACCEPTED, capacity=1)
    voter = MembershipFactory(organization=org_a, is_committee=True)
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(
            actor=coordinator_a, program=program, mentor=involved, mentee=accepted(program, Role.MENTEE)
        )
        proposal_services.proposal_vote(actor=voter, proposal=proposal, approve=False, comment="Secret worry")
    client.force_login(involved.user)
    page = client.get("/o/alpha/programs/society/review/").content
    assert b"Secret worry" not in page and b"you do not vote on it" in page
