"""Issue 13, item 7: nobody reviews a pairing that includes themselves.

A coordinator who is also a mentor (or a mentee) could offer a pairing with themselves and
finalize it alone, skipping the committee. Every path by which someone acts on a pairing in
a reviewing role (propose, approve or reject, vote, hand-pick, lock, withdraw, send a round,
create senior-mentor pairings) refuses the pairings that include the person acting, in the
service, and changes nothing.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching.models import MatchRound, MentorshipRequest, Proposal, ProposalStatus, RoundStatus, Vote
from matching.services import proposals as proposal_services
from matching.services import requests as request_services
from matching.services import rounds
from matching.services import senior as senior_services
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

ACCEPTED = ApplicationStatus.ACCEPTED


def accepted(program, role, membership=None, capacity=2):
    extra = {"membership": membership} if membership is not None else {}
    return ApplicationFactory(
        program=program, role=role, status=ACCEPTED, capacity=capacity if role == Role.MENTOR else None, **extra
    ).membership


@pytest.fixture
def coordinator_mentor(org_a):
    """A coordinator who is also a committee member (the worst case)."""
    return MembershipFactory(organization=org_a, is_coordinator=True, is_committee=True)


def _world(org_a, coordinator_mentor, model=ProgramModel.COMMITTEE):
    program = ProgramFactory(organization=org_a, slug="society", model=model)
    accepted(program, Role.MENTOR, coordinator_mentor)
    mentee = accepted(program, Role.MENTEE)
    other_mentor = accepted(program, Role.MENTOR)
    return program, mentee, other_mentor


def _proposal(program, mentor, mentee, status, match_round=None):
    with scopes_disabled():
        return Proposal.objects.create(
            organization=program.organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            status=status,
            match_round=match_round,
        )


def _snapshot():
    with scopes_disabled():
        return (
            sorted(Proposal.objects.values_list("pk", "status", "mentor_id", "locked")),
            Mentorship.objects.count(),
            Vote.objects.count(),
        )


def _refused(call):
    before = _snapshot()
    with pytest.raises(ServiceError) as error:
        call()
    assert "part of this pairing" in error.value.message
    assert _snapshot() == before
    return error.value.message


@pytest.mark.parametrize("model", [ProgramModel.COMMITTEE, ProgramModel.HUBS])
@pytest.mark.parametrize("side", ["mentor", "mentee"])
def test_a_coordinator_cannot_propose_a_pairing_that_includes_themselves(org_a, coordinator_mentor, model, side):
    program, mentee, other_mentor = _world(org_a, coordinator_mentor, model)
    if side == "mentee":
        accepted(program, Role.MENTEE, MembershipFactory(organization=org_a))  # someone else to mentor
        with scopes_disabled():
            Application.objects.filter(membership=coordinator_mentor).update(role=Role.MENTEE)
        mentor, mentee = other_mentor, coordinator_mentor
    else:
        mentor = coordinator_mentor
    with scope(organization=org_a):
        _refused(
            lambda: proposal_services.proposal_offer(
                actor=coordinator_mentor, program=program, mentor=mentor, mentee=mentee
            )
        )
    assert not mail.outbox


@pytest.mark.parametrize("approve", [True, False])
def test_a_coordinator_cannot_finalize_their_own_pairing(org_a, coordinator_mentor, approve):
    program, mentee, _other = _world(org_a, coordinator_mentor)
    proposal = _proposal(program, coordinator_mentor, mentee, ProposalStatus.PROPOSED)
    with scope(organization=org_a):
        _refused(
            lambda: proposal_services.proposal_finalize(actor=coordinator_mentor, proposal=proposal, approve=approve)
        )
        _refused(lambda: proposal_services.proposal_vote(actor=coordinator_mentor, proposal=proposal, approve=approve))
    # Another coordinator still can: the pairing is not blocked, only not self-decided.
    other = MembershipFactory(organization=org_a, is_coordinator=True)
    with scope(organization=org_a):
        decided = proposal_services.proposal_finalize(actor=other, proposal=proposal, approve=approve)
    assert decided.status == (ProposalStatus.OFFERED if approve else ProposalStatus.REJECTED)


def test_a_coordinator_cannot_withdraw_their_own_pairing(org_a, coordinator_mentor):
    program, mentee, _other = _world(org_a, coordinator_mentor)
    proposal = _proposal(program, coordinator_mentor, mentee, ProposalStatus.OFFERED)
    with scope(organization=org_a):
        _refused(lambda: proposal_services.proposal_withdraw(actor=coordinator_mentor, proposal=proposal))


def test_a_coordinator_does_not_add_the_offices_guidance_to_their_own_request(org_a, coordinator_mentor):
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    accepted(program, Role.MENTOR, coordinator_mentor)
    mentee = accepted(program, Role.MENTEE)
    with scopes_disabled():
        request = MentorshipRequest.objects.create(
            organization=org_a,
            program=program,
            mentee=mentee,
            mentor=coordinator_mentor,
            message="Hello",
            expires_at=timezone.now() + timedelta(days=5),
        )
    with scope(organization=org_a), pytest.raises(ServiceError) as error:
        request_services.request_add_guidance(actor=coordinator_mentor, request=request, guidance="Pick me")
    assert "part of this pairing" in error.value.message
    with scopes_disabled():
        assert MentorshipRequest.objects.get(pk=request.pk).guidance == ""


def test_a_coordinator_cannot_hand_pick_or_lock_a_draft_that_includes_them(org_a, coordinator_mentor):
    program, mentee, other_mentor = _world(org_a, coordinator_mentor)
    with scopes_disabled():
        match_round = MatchRound.objects.create(
            organization=org_a, program=program, created_by=coordinator_mentor, status=RoundStatus.COMPLETE
        )
    someone_elses = _proposal(program, other_mentor, mentee, ProposalStatus.DRAFT, match_round)
    with scope(organization=org_a):
        # Choosing oneself as the mentor by hand.
        _refused(
            lambda: rounds.proposal_override(
                actor=coordinator_mentor, proposal=someone_elses, mentor=coordinator_mentor
            )
        )
    with scopes_disabled():
        someone_elses.delete()
    own = _proposal(program, coordinator_mentor, mentee, ProposalStatus.DRAFT, match_round)
    with scope(organization=org_a):
        _refused(lambda: rounds.proposal_lock(actor=coordinator_mentor, proposal=own, locked=True))
        # Nor swap oneself out of one's own draft.
        _refused(lambda: rounds.proposal_override(actor=coordinator_mentor, proposal=own, mentor=other_mentor))


def test_sending_a_hub_round_does_not_offer_the_senders_own_pairing(
    org_a, coordinator_mentor, django_capture_on_commit_callbacks
):
    program, mentee, other_mentor = _world(org_a, coordinator_mentor, ProgramModel.HUBS)
    second_mentee = accepted(program, Role.MENTEE)
    hub = HubFactory(affinity_group=AffinityGroupFactory(program=program))
    for mentor in (coordinator_mentor, other_mentor):  # hub places are the capacity in this model
        HubMentorFactory(hub=hub, membership=mentor, capacity=2)
    with scopes_disabled():
        match_round = MatchRound.objects.create(
            organization=org_a, program=program, created_by=coordinator_mentor, status=RoundStatus.COMPLETE
        )
    own = _proposal(program, coordinator_mentor, mentee, ProposalStatus.DRAFT, match_round)
    other = _proposal(program, other_mentor, second_mentee, ProposalStatus.DRAFT, match_round)
    with scope(organization=org_a), django_capture_on_commit_callbacks(execute=True):
        sent = rounds.round_send(actor=coordinator_mentor, match_round=match_round)
    assert sent == 1
    with scopes_disabled():
        assert Proposal.objects.get(pk=other.pk).status == ProposalStatus.OFFERED
        assert Proposal.objects.get(pk=own.pk).status == ProposalStatus.WITHDRAWN
        assert MatchRound.objects.get(pk=match_round.pk).stats["withheld_own"] == 1
    offered_to = {address for message in mail.outbox for address in message.to}
    assert coordinator_mentor.user.email not in offered_to and mentee.user.email not in offered_to


def test_a_coordinator_does_not_create_their_own_senior_mentor_pairings(org_a, coordinator_mentor):
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    group = AffinityGroupFactory(program=program, senior_mentor=coordinator_mentor)
    hub = HubFactory(affinity_group=group)
    hub_mentors = [HubMentorFactory(hub=hub).membership for _ in range(2)]
    other_group = AffinityGroupFactory(program=program, senior_mentor=MembershipFactory(organization=org_a))
    coached_by_other = HubMentorFactory(hub=HubFactory(affinity_group=other_group)).membership
    with scope(organization=org_a):
        assert senior_services.senior_mentors_pair(actor=coordinator_mentor, program=program) == 1
        assert senior_services.senior_pairs_left_to_others(actor=coordinator_mentor, program=program) == 2
    with scopes_disabled():
        assert set(Mentorship.objects.values_list("mentee_id", flat=True)) == {coached_by_other.pk}
    other = MembershipFactory(organization=org_a, is_coordinator=True)
    with scope(organization=org_a):
        assert senior_services.senior_mentors_pair(actor=other, program=program) == 2
        assert senior_services.senior_pairs_left_to_others(actor=coordinator_mentor, program=program) == 0
    with scopes_disabled():
        assert {m.pk for m in hub_mentors} <= set(Mentorship.objects.values_list("mentee_id", flat=True))


def test_the_pages_say_why_and_change_nothing(client, org_a, coordinator_mentor):
    """Through the views: offering oneself shows the refusal on the form; finalizing one's
    own pairing is refused with a message; the review page offers no decision buttons."""
    program, mentee, _other = _world(org_a, coordinator_mentor)
    client.force_login(coordinator_mentor.user)
    response = client.post(
        f"/o/alpha/programs/{program.slug}/pairings/",
        {"mentor": str(coordinator_mentor.pk), "mentee": str(mentee.pk), "note": ""},
    )
    assert response.status_code == 200 and b"part of this pairing" in response.content
    with scopes_disabled():
        assert not Proposal.objects.exists()
    proposal = _proposal(program, coordinator_mentor, mentee, ProposalStatus.PROPOSED)
    page = client.get(f"/o/alpha/programs/{program.slug}/review/")
    assert f"/review/{proposal.pk}/finalize/".encode() not in page.content
    response = client.post(f"/o/alpha/programs/{program.slug}/review/{proposal.pk}/finalize/", {"decision": "approve"})
    assert response.status_code == 302
    assert "part of this pairing" in client.get(response["Location"]).content.decode()
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.PROPOSED
        assert not Mentorship.objects.exists()
