"""Match rounds: the pool, the engine through a real Celery worker, explanations,
locks and overrides, and sending the pairings on."""

import pytest
from django_scopes import scope, scopes_disabled

from matching.models import MatchRound, Proposal, ProposalStatus, RoundStatus
from matching.services import proposals as proposal_services
from matching.services import rounds
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.conftest import wait_for
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProfileFactory,
    ProgramFactory,
)

ACCEPTED = ApplicationStatus.ACCEPTED


def accepted(program, role, capacity=None, **profile):
    application = ApplicationFactory(program=program, role=role, status=ACCEPTED, capacity=capacity)
    if profile:
        ProfileFactory(membership=application.membership, **profile)
    return application.membership


def run(coordinator, program, mode="optimal", avoid_same_institution=False, **weights):
    with scope(organization=program.organization):
        match_round = rounds.round_create(
            actor=coordinator,
            program=program,
            weights={**rounds.default_weights(program), **weights},
            mode=mode,
            avoid_same_institution=avoid_same_institution,
        )
    with scope(organization=program.organization):
        return rounds.run_round(match_round.pk)


@pytest.mark.django_db
def test_a_round_pairs_everyone_it_can_with_explanations(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentors = [accepted(program, Role.MENTOR, 1, specialty=s) for s in ("Trauma", "Colorectal")]
    mentees = [accepted(program, Role.MENTEE, specialty=s) for s in ("Colorectal", "Trauma", "Vascular")]
    match_round = run(coordinator_a, program, specialty=5)
    assert match_round.status == RoundStatus.COMPLETE
    assert "max matched mentees" in match_round.objective
    with scopes_disabled():
        drafts = list(Proposal.objects.filter(match_round=match_round))
    assert len(drafts) == 2 and all(p.status == ProposalStatus.DRAFT for p in drafts)
    pairs = {(p.mentor_id, p.mentee_id) for p in drafts}
    # Same specialty wins: trauma with trauma, colorectal with colorectal.
    assert pairs == {(mentors[0].pk, mentees[1].pk), (mentors[1].pk, mentees[0].pk)}
    for p in drafts:
        assert abs(sum(p.contributions.values()) - p.score) < 1e-3
    assert [u["mentee"] for u in match_round.unmatched] == [mentees[2].pk]
    assert "places are used" in match_round.unmatched[0]["reason"]


@pytest.mark.django_db
def test_declined_pairs_are_never_proposed_by_the_engine(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentor = accepted(program, Role.MENTOR, 1)
    mentee = accepted(program, Role.MENTEE)
    from relationships.models import PairExclusion

    with scopes_disabled():
        PairExclusion.objects.create(organization=org_a, program=program, mentor=mentor, mentee=mentee, reason="ended")
    match_round = run(coordinator_a, program)
    with scopes_disabled():
        assert not Proposal.objects.filter(match_round=match_round).exists()
    assert "excluded" in match_round.unmatched[0]["reason"].lower()


@pytest.mark.django_db
def test_locks_survive_a_rerun_and_overrides_show_the_engine_score(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentors = [accepted(program, Role.MENTOR, 1) for _ in range(3)]
    mentees = [accepted(program, Role.MENTEE) for _ in range(2)]
    first = run(coordinator_a, program)
    with scopes_disabled():
        draft = Proposal.objects.filter(match_round=first).order_by("pk").first()
    with scopes_disabled():
        spare = next(m for m in mentors if not Proposal.objects.filter(mentor=m).exists())
    with scope(organization=org_a):
        overridden = rounds.proposal_override(actor=coordinator_a, proposal=draft, mentor=spare)
    assert overridden.locked and overridden.mentor == spare
    assert abs(sum(overridden.contributions.values()) - overridden.score) < 1e-3
    second = run(coordinator_a, program)
    with scopes_disabled():
        kept = Proposal.objects.get(pk=draft.pk)
        assert kept.mentor == spare and kept.match_round_id == second.pk
        assert Proposal.objects.filter(status=ProposalStatus.DRAFT).count() == 2
        assert set(Proposal.objects.values_list("mentee_id", flat=True)) == {m.pk for m in mentees}


@pytest.mark.django_db
def test_sending_a_committee_round_asks_the_committee(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    accepted(program, Role.MENTOR, 1)
    accepted(program, Role.MENTEE)
    match_round = run(coordinator_a, program)
    with scope(organization=org_a):
        assert rounds.round_send(actor=coordinator_a, match_round=match_round) == 1
        with pytest.raises(ServiceError):
            rounds.round_send(actor=coordinator_a, match_round=match_round)
    with scopes_disabled():
        assert Proposal.objects.get().status == ProposalStatus.PROPOSED


@pytest.mark.django_db
def test_the_hub_model_allocates_by_ranked_hubs(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    group = AffinityGroupFactory(program=program)
    hubs = [HubFactory(affinity_group=group) for _ in range(3)]
    for hub in hubs:
        HubMentorFactory(hub=hub, capacity=1)
    faculty = [ApplicationFactory(program=program, role=Role.MENTEE, status=ACCEPTED) for _ in range(2)]
    for application, order in zip(faculty, ([0, 1, 2], [0, 2, 1]), strict=True):
        for rank, index in enumerate(order, start=1):
            HubChoiceFactory(application=application, hub=hubs[index], rank=rank)
    match_round = run(coordinator_a, program)
    ranks = match_round.stats["choice_ranks"]
    assert ranks["1"] == 1 and ranks["1"] + ranks["2"] + ranks["3"] == 2
    with scope(organization=org_a):
        rounds.round_send(actor=coordinator_a, match_round=match_round)
    with scopes_disabled():
        # The hub model has no committee: the office's allocation is offered at once.
        assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.OFFERED}


@pytest.mark.django_db
def test_only_coordinators_run_rounds(org_a, member_a):
    program = ProgramFactory(organization=org_a, slug="society")
    from django.core.exceptions import PermissionDenied

    with scope(organization=org_a), pytest.raises(PermissionDenied):
        rounds.round_create(actor=member_a, program=program, weights={})


@pytest.mark.django_db(transaction=True)
def test_a_round_runs_in_a_real_celery_worker(client, celery_worker, org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    program = ProgramFactory(organization=org_a, slug="society")
    accepted(program, Role.MENTOR, 2)
    accepted(program, Role.MENTEE)
    client.force_login(coordinator.user)
    response = client.post(
        "/o/alpha/programs/society/rounds/", {**dict.fromkeys(rounds.FACTOR_LABELS, 1), "mode": "optimal"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        match_round = MatchRound.objects.get()
    wait_for(lambda: MatchRound.objects.with_scopes_disabled().get(pk=match_round.pk).status == RoundStatus.COMPLETE)
    page = client.get(response["Location"])
    assert b"score" in page.content and b"Send these pairings to the committee" in page.content


@pytest.mark.django_db
def test_round_pages_are_for_coordinators(client, org_a, coordinator_a, member_a):
    program = ProgramFactory(organization=org_a, slug="society")
    match_round = run(coordinator_a, program)
    client.force_login(member_a.user)
    assert client.get("/o/alpha/programs/society/rounds/").status_code == 403
    assert client.get(f"/o/alpha/programs/society/rounds/{match_round.pk}/").status_code == 403
    client.force_login(coordinator_a.user)
    assert client.get("/o/alpha/programs/society/rounds/").status_code == 200
    assert client.get(f"/o/alpha/programs/society/rounds/{match_round.pk}/").status_code == 200


def test_services_module_is_importable():
    assert proposal_services.proposal_offer


@pytest.mark.django_db
def test_the_committee_sees_the_engines_reasons_and_the_alternatives(client, org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    committee = MembershipFactory(organization=org_a, is_committee=True)
    accepted(program, Role.MENTOR, 1, specialty="Trauma")
    second = accepted(program, Role.MENTOR, 1, specialty="Colorectal")
    accepted(program, Role.MENTEE, specialty="Trauma")
    match_round = run(coordinator_a, program, specialty=5)
    with scope(organization=org_a):
        rounds.round_send(actor=coordinator_a, match_round=match_round)
    client.force_login(committee.user)
    page = client.get("/o/alpha/programs/society/review/").content.decode()
    assert "Engine score" in page and "Specialty" in page
    assert "Next best mentors" in page and second.user.full_name in page


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["stable_mentee", "stable_mentor"])
def test_stable_rounds_pair_without_blocking_pairs(org_a, coordinator_a, mode):
    program = ProgramFactory(organization=org_a, slug="society")
    for specialty in ("Trauma", "Colorectal", "Vascular"):
        accepted(program, Role.MENTOR, 1, specialty=specialty)
        accepted(program, Role.MENTEE, specialty=specialty)
    match_round = run(coordinator_a, program, mode=mode, specialty=5)
    assert match_round.status == RoundStatus.COMPLETE
    assert "stable" in match_round.objective
    with scopes_disabled():
        drafts = list(
            Proposal.objects.filter(match_round=match_round).select_related("mentor__profile", "mentee__profile")
        )
    # With specialty dominating, the only stable matching pairs like with like.
    assert len(drafts) == 3
    assert all(p.mentor.profile.specialty == p.mentee.profile.specialty for p in drafts)


@pytest.mark.django_db
def test_the_same_institution_rule_is_a_hard_constraint(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    accepted(program, Role.MENTOR, 1, institution="Lakeshore University")
    accepted(program, Role.MENTEE, institution="Lakeshore University")
    allowed = run(coordinator_a, program)
    with scopes_disabled():
        assert Proposal.objects.filter(match_round=allowed).count() == 1
    refused = run(coordinator_a, program, avoid_same_institution=True)
    with scopes_disabled():
        assert not Proposal.objects.filter(match_round=refused).exists()
    assert refused.conflict_rules == ["same_institution"]
