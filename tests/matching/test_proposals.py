"""Proposed pairings and mutual consent: final only when both accept."""

import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django_scopes import scope, scopes_disabled

from matching.models import Proposal, ProposalStatus
from matching.services import proposals as proposal_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, Role
from relationships.models import Mentorship, PairExclusion
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

ACCEPTED = ApplicationStatus.ACCEPTED


@pytest.fixture
def society(org_a):
    return ProgramFactory(organization=org_a, slug="society")


def accepted(program, role, capacity=None):
    return ApplicationFactory(program=program, role=role, status=ACCEPTED, capacity=capacity).membership


def offer(coordinator, program, mentor, mentee):
    """Propose, and (in a committee-model program) have the coordinator approve it."""
    with scope(organization=program.organization):
        proposal = proposal_services.proposal_offer(actor=coordinator, program=program, mentor=mentor, mentee=mentee)
        if proposal.status == ProposalStatus.PROPOSED:
            proposal = proposal_services.proposal_finalize(actor=coordinator, proposal=proposal, approve=True)
        return proposal


def respond(actor, proposal, accept=True, reason=""):
    with scope(organization=proposal.organization):
        return proposal_services.proposal_respond(actor=actor, proposal=proposal, accept=accept, reason=reason)


@pytest.mark.django_db
def test_one_acceptance_is_not_enough_both_make_it_final(society, coordinator_a, django_capture_on_commit_callbacks):
    mentor, mentee = accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = offer(coordinator_a, society, mentor, mentee)
    # One offer email each: neither learns the other's address before both accept.
    assert sorted(m.to for m in mail.outbox[-2:]) == sorted([[mentor.user.email], [mentee.user.email]])
    half = respond(mentor, proposal)
    assert half.status == ProposalStatus.OFFERED
    with scopes_disabled():
        assert not Mentorship.objects.exists()
    with pytest.raises(ServiceError):
        respond(mentor, proposal)  # answering twice
    with django_capture_on_commit_callbacks(execute=True):
        done = respond(mentee, proposal)
    assert done.status == ProposalStatus.CONFIRMED
    with scopes_disabled():
        mentorship = Mentorship.objects.get()
    assert (mentorship.mentor, mentorship.mentee, mentorship.origin) == (mentor, mentee, "proposal")
    assert "You are paired" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_a_declined_pair_is_never_proposed_again(society, coordinator_a, django_capture_on_commit_callbacks):
    mentor, mentee = accepted(society, Role.MENTOR, 2), accepted(society, Role.MENTEE)
    proposal = offer(coordinator_a, society, mentor, mentee)
    respond(mentor, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        declined = respond(mentee, proposal, accept=False, reason="Our fields are too far apart")
    assert declined.status == ProposalStatus.DECLINED
    # The other person hears neutrally; the reason stays with the program office.
    assert mail.outbox[-1].to == [mentor.user.email]
    assert "too far apart" not in mail.outbox[-1].body
    with scopes_disabled():
        assert PairExclusion.objects.filter(mentor=mentor, mentee=mentee, reason="declined_proposal").exists()
        assert not Mentorship.objects.exists()
    with pytest.raises(ServiceError) as error:
        offer(coordinator_a, society, mentor, mentee)
    assert "never proposed again" in error.value.message
    # The mentee is back in the pool for someone else.
    assert offer(coordinator_a, society, accepted(society, Role.MENTOR, 1), mentee).status == ProposalStatus.OFFERED


@pytest.mark.django_db
def test_only_the_pair_answers_and_only_coordinators_offer(society, coordinator_a, coordinator_b):
    mentor, mentee = accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE)
    stranger = MembershipFactory(organization=society.organization)
    with pytest.raises(PermissionDenied):
        offer(stranger, society, mentor, mentee)
    with pytest.raises(PermissionDenied):
        offer(coordinator_b, society, mentor, mentee)
    proposal = offer(coordinator_a, society, mentor, mentee)
    for actor in (stranger, coordinator_a):
        with pytest.raises(PermissionDenied):
            respond(actor, proposal)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "problem, message",
    [
        ("mentor_not_accepted", "is not a mentor in"),
        ("mentee_not_accepted", "not an accepted mentee"),
        ("self", "cannot mentor themselves"),
    ],
)
def test_only_accepted_applicants_are_paired(society, coordinator_a, problem, message):
    mentor, mentee = accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE)
    if problem == "mentor_not_accepted":
        mentor = ApplicationFactory(program=society, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE).membership
    elif problem == "mentee_not_accepted":
        mentee = ApplicationFactory(program=society, role=Role.MENTEE, status=ApplicationStatus.WAITLISTED).membership
    elif problem == "self":
        mentee = mentor
    with pytest.raises(ServiceError) as error:
        offer(coordinator_a, society, mentor, mentee)
    assert message in error.value.message


@pytest.mark.django_db
def test_the_pairings_page_offers_and_lists(client, society, coordinator_a):
    mentor, mentee = accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE)
    client.force_login(coordinator_a.user)
    page = client.get("/o/alpha/programs/society/pairings/")
    assert page.status_code == 200 and mentor.user.full_name.encode() in page.content
    response = client.post(
        "/o/alpha/programs/society/pairings/", {"mentor": mentor.pk, "mentee": mentee.pk, "note": "Both in trauma"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Proposal.objects.get().note == "Both in trauma"
    foreign = client.post("/o/alpha/programs/society/pairings/", {"mentor": 999999, "mentee": mentee.pk})
    assert foreign.status_code == 200  # a form message, not a 500
    client.force_login(mentee.user)
    assert client.get("/o/alpha/programs/society/pairings/").status_code == 403
    offers = client.get("/o/alpha/offers/")
    # Awaiting the committee: not the pair's business yet.
    assert b"Be mentored by" not in offers.content
    with scopes_disabled():
        proposal = Proposal.objects.get()
    with scope(organization=society.organization):
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=proposal, approve=True)
    assert b"Be mentored by" in client.get("/o/alpha/offers/").content


@pytest.mark.django_db(transaction=True)
def test_concurrent_final_acceptances_never_exceed_capacity(org_a):
    """A mentor with one place has two offered pairings; both mentees accept at once."""
    program = ProgramFactory(organization=org_a, slug="society")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    mentor = accepted(program, Role.MENTOR, 1)
    mentees = [accepted(program, Role.MENTEE) for _ in range(2)]
    proposals = [offer(coordinator, program, mentor, m) for m in mentees]
    for p in proposals:
        respond(mentor, p)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(mentee, proposal):
        try:
            barrier.wait()
            result = respond(mentee, proposal)
            outcomes.append(result.status)
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(mentees, proposals, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["confirmed", "refused"]
    with scopes_disabled():
        assert Mentorship.objects.filter(mentor=mentor, status="active").count() == 1


# --- Committee review ------------------------------------------------------------------------


def propose(coordinator, program, mentor, mentee):
    with scope(organization=program.organization):
        return proposal_services.proposal_offer(actor=coordinator, program=program, mentor=mentor, mentee=mentee)


def vote(member, proposal, approve=True, comment=""):
    with scope(organization=proposal.organization):
        return proposal_services.proposal_vote(actor=member, proposal=proposal, approve=approve, comment=comment)


@pytest.mark.django_db
def test_committee_pairings_wait_for_the_committee(society, coordinator_a, django_capture_on_commit_callbacks):
    committee = MembershipFactory(organization=society.organization, is_committee=True)
    mentor, mentee = accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(coordinator_a, society, mentor, mentee)
    assert proposal.status == ProposalStatus.PROPOSED
    assert mail.outbox[-1].to == [committee.user.email]  # the committee is asked, not the pair
    with pytest.raises(ServiceError):
        respond(mentor, proposal)  # nothing to accept yet
    vote(committee, proposal, comment="Good fit")
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.PROPOSED  # coordinator finalizes
    with scope(organization=society.organization):
        approved = proposal_services.proposal_finalize(actor=coordinator_a, proposal=proposal, approve=True)
    assert approved.status == ProposalStatus.OFFERED


@pytest.mark.django_db
def test_a_majority_of_the_committee_decides_when_the_program_says_so(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society", committee_rule="majority")
    members = [MembershipFactory(organization=org_a, is_committee=True) for _ in range(3)]
    mentor, mentee = accepted(program, Role.MENTOR, 1), accepted(program, Role.MENTEE)
    proposal = propose(coordinator_a, program, mentor, mentee)
    vote(members[0], proposal)
    vote(members[1], proposal, approve=False)
    vote(members[1], proposal)  # changes their mind: 2 of 3 approve
    with scopes_disabled():
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OFFERED
    second = propose(coordinator_a, program, accepted(program, Role.MENTOR, 1), accepted(program, Role.MENTEE))
    vote(members[0], second, approve=False)
    vote(members[2], second, approve=False)
    with scopes_disabled():
        assert Proposal.objects.get(pk=second.pk).status == ProposalStatus.REJECTED
    with pytest.raises(ServiceError):
        vote(members[1], second)  # decided already


@pytest.mark.django_db
def test_nobody_votes_on_their_own_pairing_and_only_the_committee_votes(society, coordinator_a):
    mentor_on_committee = MembershipFactory(organization=society.organization, is_committee=True)
    ApplicationFactory(program=society, membership=mentor_on_committee, role=Role.MENTOR, status=ACCEPTED, capacity=1)
    mentee = accepted(society, Role.MENTEE)
    proposal = propose(coordinator_a, society, mentor_on_committee, mentee)
    with pytest.raises(ServiceError) as error:
        vote(mentor_on_committee, proposal)
    assert "part of this pairing" in error.value.message
    with pytest.raises(PermissionDenied):
        vote(MembershipFactory(organization=society.organization), proposal)
    with pytest.raises(PermissionDenied):
        vote(mentee, proposal)


@pytest.mark.django_db
def test_the_review_page_is_for_the_committee(client, society, coordinator_a):
    committee = MembershipFactory(organization=society.organization, is_committee=True)
    proposal = propose(coordinator_a, society, accepted(society, Role.MENTOR, 1), accepted(society, Role.MENTEE))
    client.force_login(committee.user)
    page = client.get("/o/alpha/programs/society/review/")
    assert page.status_code == 200 and proposal.mentee.user.full_name.encode() in page.content
    response = client.post(
        f"/o/alpha/programs/society/review/{proposal.pk}/vote/", {"decision": "approve", "comment": "Yes"}
    )
    assert response.status_code == 302
    assert (
        client.post(f"/o/alpha/programs/society/review/{proposal.pk}/finalize/", {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(MembershipFactory(organization=society.organization).user)
    assert client.get("/o/alpha/programs/society/review/").status_code == 403
