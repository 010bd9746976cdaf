"""Peer mentoring (issue 19, seed 004's "peer" model): one pool of peers, an exact
general-graph matching, dyad proposals in index order, both orders excluded, the committee,
both peers' consent, and pages that say "peer" and never "mentor" or "mentee"."""

import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching.models import MatchRound, Proposal, ProposalStatus, RoundStatus
from matching.services import peer_rounds, rounds
from matching.services import proposals as proposal_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, ProgramModel, Role
from programs.services import applications as application_services
from relationships.models import Mentorship, PairExclusion
from tests.factories import ApplicationFactory, MembershipFactory, ProfileFactory, ProgramFactory

pytestmark = pytest.mark.clock("2026-03-02 09:00")

ACCEPTED = ApplicationStatus.ACCEPTED
ROLE_WORD = re.compile(r"\b(mentors?|mentees?|mentoring)\b", re.IGNORECASE)


def peer_program(org, **kwargs):
    return ProgramFactory(organization=org, slug=kwargs.pop("slug", "residents"), model=ProgramModel.PEER, **kwargs)


def peer(program, name, **profile):
    membership = MembershipFactory(organization=program.organization, user__full_name=name)
    ApplicationFactory(program=program, membership=membership, role=Role.PEER, status=ACCEPTED)
    if profile:
        ProfileFactory(membership=membership, **profile)
    return membership


def run(coordinator, program, **weights):
    with scope(organization=program.organization):
        match_round = rounds.round_create(
            actor=coordinator, program=program, weights={**rounds.default_weights(program), **weights}
        )
        return rounds.run_round(match_round.pk)


def drafts_of(match_round):
    with scopes_disabled():
        return list(Proposal.objects.filter(match_round=match_round).order_by("pk"))


def visible_text(html: str) -> str:
    """What a reader sees: the page without tags, scripts, styles and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_a_peer_round_proposes_exactly_the_engines_pairs(org_a, coordinator_a, monkeypatch):
    program = peer_program(org_a)
    people = [
        peer(program, name, specialty=specialty)
        for name, specialty in (
            ("Ana Ruiz", "Surgery"),
            ("Ben Okafor", "Medicine"),
            ("Cleo Park", "Surgery"),
            ("Dev Shah", "Medicine"),
            ("Eve Long", "Pediatrics"),
        )
    ]
    seen = {}
    engine = peer_rounds.peer_engine

    def spy(peers, config):
        result = engine(peers, config)
        seen["result"], seen["ids"] = result, list(peers.person_id)
        return result

    monkeypatch.setattr(peer_rounds, "peer_engine", spy)
    match_round = run(coordinator_a, program, specialty=5)
    assert match_round.status == RoundStatus.COMPLETE and match_round.mode == "peer"
    ids = seen["ids"]
    expected = {tuple(sorted((ids[a.mentee], ids[a.mentor]))) for a in seen["result"].assignments}
    drafts = drafts_of(match_round)
    # The proposals are the engine's pairs, each in index order (first peer, second peer).
    assert {(p.mentor_id, p.mentee_id) for p in drafts} == expected
    assert all(ids.index(p.mentor_id) < ids.index(p.mentee_id) for p in drafts)
    assert len(drafts) == 2
    # Same specialty wins; the fifth peer waits, with a reason.
    assert expected == {(people[0].pk, people[2].pk), (people[1].pk, people[3].pk)}
    assert [u["mentee"] for u in match_round.unmatched] == [people[4].pk]
    for p in drafts:
        assert p.status == ProposalStatus.DRAFT
        assert abs(sum(p.contributions.values()) - p.score) < 1e-3
        assert p.contributions.get("specialty", 0) > 0


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["as_stored", "reversed"])
def test_an_excluded_peer_pair_is_never_proposed_in_either_order(org_a, coordinator_a, order):
    program = peer_program(org_a)
    ana, ben = peer(program, "Ana Ruiz", specialty="Surgery"), peer(program, "Ben Okafor", specialty="Surgery")
    first, second = (ana, ben) if order == "as_stored" else (ben, ana)
    with scopes_disabled():
        PairExclusion.objects.create(organization=org_a, program=program, mentor=first, mentee=second, reason="ended")
    match_round = run(coordinator_a, program, specialty=5)
    assert drafts_of(match_round) == []
    assert {u["mentee"] for u in match_round.unmatched} == {ana.pk, ben.pk}
    assert all("excluded" in u["reason"].lower() for u in match_round.unmatched)
    # And no path around the engine: proposing the pair by hand is refused too.
    with scope(organization=org_a), pytest.raises(ServiceError, match="never proposed again"):
        proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=second, mentee=first)


@pytest.mark.django_db
def test_people_in_a_live_peer_pairing_or_an_open_proposal_leave_the_pool(org_a, coordinator_a):
    program = peer_program(org_a)
    ana, ben, cleo, dev, eve = (peer(program, n) for n in ("Ana A", "Ben B", "Cleo C", "Dev D", "Eve E"))
    with scopes_disabled():
        Mentorship.objects.create(
            organization=org_a, program=program, mentor=ana, mentee=ben, origin="proposal", planned_end_on="2027-03-02"
        )
        Proposal.objects.create(
            organization=org_a, program=program, mentor=dev, mentee=cleo, status=ProposalStatus.OFFERED
        )
        pool = {a.membership_id for a in peer_rounds.pool_peer_applications(program)}
    assert pool == {eve.pk}


@pytest.mark.django_db
def test_a_peer_round_goes_to_the_committee_then_both_peers_consent(org_a, coordinator_a):
    program = peer_program(org_a)
    ana, ben = peer(program, "Ana Ruiz"), peer(program, "Ben Okafor")
    committee = MembershipFactory(organization=org_a, is_committee=True)
    match_round = run(coordinator_a, program)
    (draft,) = drafts_of(match_round)
    with scope(organization=org_a):
        assert rounds.round_send(actor=coordinator_a, match_round=match_round) == 1
        draft.refresh_from_db()
        assert draft.status == ProposalStatus.PROPOSED  # waiting for the committee
        proposal_services.proposal_vote(actor=committee, proposal=draft, approve=True)
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=draft, approve=True)
        draft.refresh_from_db()
        assert draft.status == ProposalStatus.OFFERED
        # One acceptance is not enough; the second peer's makes the pairing.
        proposal_services.proposal_respond(actor=ben, proposal=draft, accept=True)
        assert not Mentorship.objects.filter(program=program).exists()
        proposal_services.proposal_respond(actor=ana, proposal=draft, accept=True)
        draft.refresh_from_db()
        mentorship = Mentorship.objects.get(program=program)
    assert draft.status == ProposalStatus.CONFIRMED and draft.mentorship == mentorship
    assert {mentorship.mentor_id, mentorship.mentee_id} == {ana.pk, ben.pk}
    assert mentorship.is_peer
    # Now both are out of the pool, and a new round proposes nothing.
    assert drafts_of(run(coordinator_a, program)) == []


@pytest.mark.django_db
def test_a_peer_who_declines_excludes_the_pair_in_both_orders(org_a, coordinator_a):
    program = peer_program(org_a)
    ana, ben = peer(program, "Ana Ruiz"), peer(program, "Ben Okafor")
    match_round = run(coordinator_a, program)
    (draft,) = drafts_of(match_round)
    with scope(organization=org_a):
        rounds.round_send(actor=coordinator_a, match_round=match_round)
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=draft, approve=True)
        proposal_services.proposal_respond(actor=ana, proposal=draft, accept=False)
    assert drafts_of(run(coordinator_a, program)) == []
    with scope(organization=org_a), pytest.raises(ServiceError, match="never proposed again"):
        proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=ben, mentee=ana)


@pytest.mark.django_db
def test_the_round_form_offers_only_the_peer_mode_and_the_page_says_peer(client, org_a, coordinator_a):
    program = peer_program(org_a)
    for name in ("Ana Ruiz", "Ben Okafor", "Cleo Park"):
        peer(program, name)
    client.force_login(coordinator_a.user)
    url = reverse("match_rounds", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    page = client.get(url).content.decode()
    assert "3</strong> accepted peers without a peer" in page
    assert 'value="peer"' in page and "stable_mentee" not in page and "stable_mentor" not in page
    # A stable mode sent anyway is not a choice.
    weights = dict.fromkeys(rounds.FACTOR_LABELS, "1")
    response = client.post(url, {**weights, "mode": "stable_mentee"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert not MatchRound.objects.filter(program=program).exists()


@pytest.mark.django_db
def test_applying_to_a_peer_program_asks_no_role(client, org_a, coordinator_a):
    program = peer_program(org_a)
    member = MembershipFactory(organization=org_a)
    client.force_login(member.user)
    detail = client.get(reverse("program_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug}))
    page = detail.content.decode()
    assert "Apply as a peer" in page and "Apply as a mentor" not in page and "Apply as a mentee" not in page
    for role in (Role.MENTOR, Role.MENTEE):
        with scope(organization=org_a), pytest.raises(ServiceError, match="everyone applies as a peer"):
            application_services.application_start(actor=member, program=program, role=role)
    with scope(organization=org_a):
        application = application_services.application_start(actor=member, program=program, role=Role.PEER)
    form = client.get(reverse("application_edit", kwargs={"org_slug": org_a.slug, "pk": application.pk}))
    text = visible_text(form.content.decode())
    assert "Your peer application" in text and "Preferences about your peer" in text
    assert "same level" in text
    assert "mentees can you take" not in text.lower()


def offered_pair(org, coordinator):
    program = peer_program(org, name="Resident peers")
    ana = peer(program, "Ana Ruiz", specialty="Surgery", year_started_practice=2023)
    ben = peer(program, "Ben Okafor", specialty="Surgery", year_started_practice=2022)
    match_round = run(coordinator, program, specialty=5)
    (draft,) = drafts_of(match_round)
    with scope(organization=org):
        rounds.round_send(actor=coordinator, match_round=match_round)
        proposal_services.proposal_finalize(actor=coordinator, proposal=draft, approve=True)
    return program, ana, ben, draft


@pytest.mark.django_db
def test_the_offer_card_says_peer_and_explains_the_pair(client, org_a, coordinator_a):
    _program, ana, ben, _draft = offered_pair(org_a, coordinator_a)
    for person, other in ((ana, "Ben Okafor"), (ben, "Ana Ruiz")):
        client.force_login(person.user)
        html = client.get(reverse("offer_list", kwargs={"org_slug": org_a.slug})).content.decode()
        text = re.sub(r"\s+", " ", visible_text(html))
        assert f"Peer mentoring with {other}" in text
        assert "Peer in Resident peers" in text
        assert "Why you were matched" in text and "Surgery" in text
        words = [m.group(0) for m in ROLE_WORD.finditer(text.replace("Peer mentoring", ""))]
        assert words == [], text


@pytest.mark.django_db
def test_the_round_page_shows_peer_pairs_in_a_bounded_number_of_queries(
    client, org_a, coordinator_a, django_assert_max_num_queries
):
    program = peer_program(org_a)
    client.force_login(coordinator_a.user)

    def page_for(count):
        for i in range(count):
            peer(program, f"Peer {count}-{i}", specialty="Surgery" if i % 2 else "Medicine")
        match_round = run(coordinator_a, program)
        url = reverse(
            "match_round_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": match_round.pk}
        )
        client.get(url)  # warm the per-request caches (navigation)
        return url

    small = page_for(4)
    with django_assert_max_num_queries(30) as small_queries:
        html = client.get(small).content.decode()
    assert " and " in html and "→" not in html  # a peer pair has no direction
    assert "Next best mentors" not in html and "Use instead" not in html
    large = page_for(16)
    with django_assert_max_num_queries(30) as large_queries:
        client.get(large)
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)


@pytest.mark.django_db
def test_the_coordinator_pairs_two_peers_by_hand_and_the_list_says_peer(client, org_a, coordinator_a):
    program = peer_program(org_a)
    ana, ben = peer(program, "Ana Ruiz"), peer(program, "Ben Okafor")
    client.force_login(coordinator_a.user)
    applications = client.get(
        reverse("application_list", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    ).content.decode()
    text = visible_text(applications)
    assert "Peer" in text and "Both roles" not in text and "Mentee" not in text
    url = reverse("program_pairings", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    page = visible_text(client.get(url).content.decode())
    assert "First peer" in page and "Second peer" in page and "Choose a mentor" not in page
    response = client.post(url, {"mentor": str(ben.pk), "mentee": str(ana.pk), "note": "Same year."})
    assert response.status_code == 302
    with scopes_disabled():
        proposal = Proposal.objects.get(program=program)
    assert proposal.status == ProposalStatus.PROPOSED  # a peer program's pairs go to the committee
    # Neither peer can be proposed again while it waits, in either position.
    cleo = peer(program, "Cleo Park")
    with scope(organization=org_a), pytest.raises(ServiceError, match="already has a pairing waiting"):
        proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=cleo, mentee=ben)
