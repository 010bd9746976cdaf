"""Committee review (issue 15): "needs my vote", the history of decided pairings, the full
goals beside each pairing, and "finalize all approved" for the coordinator."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from matching.models import Proposal, ProposalStatus
from matching.selectors.committee import approved_to_finalize, awaiting_my_vote, committee_approved
from matching.services import proposals as proposal_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, Role
from relationships.models import Mentorship
from tests import html_rules
from tests.factories import ApplicationFactory, MembershipFactory, MentorshipFactory, ProgramFactory
from tests.matching.test_proposals import propose, vote

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-23 09:00")]

REVIEW = "/o/alpha/programs/society/review/"
FINALIZE = "/o/alpha/programs/society/review/finalize-approved/"


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, slug="society")


@pytest.fixture
def committee(org_a):
    return [
        MembershipFactory(organization=org_a, is_committee=True, user__full_name=name)
        for name in ("Ruth Abernathy", "Omar Haddad")
    ]


def pair(program, *, mentor=None, goals="", mentee_name=None):
    extra_mentor = {"membership": mentor} if mentor else {}
    mentor = ApplicationFactory(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED, capacity=1, **extra_mentor
    ).membership
    extra = {"membership__user__full_name": mentee_name} if mentee_name else {}
    mentee = ApplicationFactory(
        program=program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED, goals_statement=goals, **extra
    ).membership
    return mentor, mentee


def proposed(coordinator, program, **kwargs):
    return propose(coordinator, program, *pair(program, **kwargs))


def status(proposal):
    with scopes_disabled():
        return Proposal.objects.get(pk=proposal.pk).status


# --- The rule and "needs my vote" -------------------------------------------------------------


def test_the_committee_approved_when_approvals_outnumber_rejections():
    assert committee_approved(["approve"])
    assert committee_approved(["approve", "approve", "reject"])
    assert not committee_approved([])
    assert not committee_approved(["approve", "reject"])
    assert not committee_approved(["reject"])


def test_needs_my_vote_shows_only_what_awaits_my_vote(client, org_a, coordinator_a, program, committee):
    ruth = committee[0]
    voted = proposed(coordinator_a, program, mentee_name="Voted Already")
    waiting = proposed(coordinator_a, program, mentee_name="Waiting Forme")
    propose(coordinator_a, program, *pair(program, mentor=ruth, mentee_name="Ruths Own"))
    decided = proposed(coordinator_a, program, mentee_name="Decided Before")
    vote(ruth, voted)
    with scope(organization=org_a):
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=decided, approve=False)
        assert list(awaiting_my_vote(program, ruth)) == [waiting]
        assert not awaiting_my_vote(program, coordinator_a).exists()  # not on the committee
    client.force_login(ruth.user)
    page = client.get(REVIEW + "?needs=me").content.decode()
    assert "Waiting Forme" in page and 'id="needs-me-count">1<' in page
    assert "1 pairing awaits your vote." in page
    for name in ("Voted Already", "Ruths Own"):
        assert f"to mentor</span> {name}" not in page
    assert 'aria-current="page">Needs my vote' in page.replace("\n", "")
    everything = client.get(REVIEW).content.decode()
    assert all(f"to mentor</span> {n}" in everything for n in ("Voted Already", "Waiting Forme", "Ruths Own"))
    assert 'All waiting <span class="badge text-bg-light">3</span>' in everything
    # Voting from the filtered list comes back to it, and the pairing leaves it.
    response = client.post(f"{REVIEW}{waiting.pk}/vote/", {"decision": "approve", "comment": "Yes", "needs": "me"})
    assert response.status_code == 302 and response["Location"].endswith("/review/?needs=me")
    page = client.get(REVIEW + "?needs=me").content.decode()
    assert "Nothing awaits your vote." in page and "You have voted on every pairing you can vote on." in page
    client.force_login(coordinator_a.user)  # not on the committee: told so, not "nothing awaits"
    page = client.get(REVIEW + "?needs=me").content.decode()
    assert "Only committee members vote, and you are not on the committee" in page
    assert "Nothing awaits" not in page and "Needs my vote" not in page


def test_the_review_shows_full_goals_and_a_multi_line_comment(client, org_a, coordinator_a, program, committee):
    goals = " ".join(f"word{i}" for i in range(80)) + "\nA second line about the rural practice."
    proposal = proposed(coordinator_a, program, goals=goals)
    vote(committee[0], proposal, comment="First line\nSecond line")
    client.force_login(committee[1].user)
    page = client.get(REVIEW).content.decode()
    assert "word79<br>A second line about the rural practice." in page  # not cut at 50 words
    assert f'<textarea id="comment-{proposal.pk}" name="comment"' in page
    assert "First line<br>Second line" in page


# --- History ----------------------------------------------------------------------------------


def test_committee_members_see_how_decided_pairings_ended(client, org_a, coordinator_a, program, committee):
    ruth, omar = committee
    approved = proposed(coordinator_a, program, mentee_name="Approved Mentee")
    rejected = proposed(coordinator_a, program, mentee_name="Rejected Mentee")
    waiting = proposed(coordinator_a, program, mentee_name="Still Waiting")
    vote(ruth, approved)
    vote(omar, rejected, approve=False)
    with scope(organization=org_a):
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=approved, approve=True)
        proposal_services.proposal_finalize(actor=coordinator_a, proposal=rejected, approve=False)
    with scopes_disabled():
        decided = {p.pk: p.decided_at for p in Proposal.objects.filter(pk__in=[approved.pk, rejected.pk])}
    assert all(at is not None and at.date().isoformat() == "2026-11-23" for at in decided.values())
    client.force_login(ruth.user)
    page = client.get(REVIEW).content.decode()
    assert html_rules.problems(page) == []
    history = page[page.index('id="review-history"') :]
    assert "Decided pairings" in history and "Still Waiting" not in history
    assert "Approved Mentee" in history and "Rejected Mentee" in history
    assert "Approved and offered</span> on <time" in history and "Rejected</span> on <time" in history
    assert "23 Nov 2026" in history
    assert "Now: Offered to both" in history and "Now: Rejected by the committee" in history
    assert "you voted to approve" in history  # Ruth's own vote on the approved one
    # A pairing approved before the decision date was kept shows its offer date.
    with scopes_disabled():
        Proposal.objects.filter(pk=approved.pk).update(decided_at=None)
    history = client.get(REVIEW).content.decode().split('id="review-history"')[1]
    assert history.count('Approved and offered</span> on <time datetime="2026-11-23">23 Nov 2026</time>') == 1
    assert waiting.pk  # still in the queue above
    assert "Still Waiting" in page[: page.index('id="review-history"')]


# --- Finalize all approved --------------------------------------------------------------------


@pytest.fixture
def votes_in(org_a, coordinator_a, program, committee):
    """Four pairings: approved, approved 2-1, tied, and rejected by the committee."""
    ruth, omar = committee
    third = MembershipFactory(organization=org_a, is_committee=True)
    approved = proposed(coordinator_a, program, mentee_name="Alpha Approved")
    two_to_one = proposed(coordinator_a, program, mentee_name="Bravo Approved")
    tied = proposed(coordinator_a, program, mentee_name="Charlie Tied")
    rejected = proposed(coordinator_a, program, mentee_name="Delta Rejected")
    vote(ruth, approved)
    vote(ruth, two_to_one), vote(omar, two_to_one), vote(third, two_to_one, approve=False)
    vote(ruth, tied), vote(omar, tied, approve=False)
    vote(omar, rejected, approve=False)
    return approved, two_to_one, tied, rejected


def test_finalize_all_approved_offers_only_what_the_committee_approved(org_a, coordinator_a, program, votes_in):
    approved, two_to_one, tied, rejected = votes_in
    mail.outbox.clear()
    with scope(organization=org_a):
        assert approved_to_finalize(program, coordinator_a) == [approved, two_to_one]
        report = proposal_services.proposals_finalize_approved(actor=coordinator_a, program=program)
    assert [p.pk for p in report.finalized] == [approved.pk, two_to_one.pk] and report.skipped == []
    assert [status(p) for p in votes_in] == ["offered", "offered", "proposed", "proposed"]
    with scopes_disabled():
        assert all(p.decided_at for p in Proposal.objects.filter(pk__in=[approved.pk, two_to_one.pk]))
        assert not Mentorship.objects.exists()  # final only when both accept


def test_finalize_all_approved_skips_what_changed_and_says_why(
    org_a, coordinator_a, program, committee, votes_in, django_capture_on_commit_callbacks
):
    approved, two_to_one, tied, rejected = votes_in
    other = MembershipFactory(organization=org_a, is_coordinator=True)
    own = propose(other, program, *pair(program, mentor=coordinator_a, mentee_name="Echo Own"))
    vote(committee[0], own)
    gone = proposed(coordinator_a, program, mentee_name="Foxtrot Gone")
    vote(committee[0], gone)
    with scope(organization=org_a):
        confirmed = [p.pk for p in approved_to_finalize(program, coordinator_a)]
    assert confirmed == [approved.pk, two_to_one.pk, gone.pk]  # never one that includes the coordinator
    # After the confirmation: another coordinator finalizes one, a member changes their vote,
    # and the third pairing's mentee is paired elsewhere.
    with scope(organization=org_a):
        proposal_services.proposal_finalize(actor=other, proposal=approved, approve=True)
    vote(committee[1], two_to_one, approve=False)  # now 1 approve, 2 reject
    with scopes_disabled():
        MentorshipFactory(program=program, mentee=gone.mentee)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        report = proposal_services.proposals_finalize_approved(
            actor=coordinator_a, program=program, proposal_ids=[*confirmed, own.pk]
        )
    assert report.finalized == []
    reasons = {p.pk: why for p, why in report.skipped}
    assert reasons[approved.pk] == "it is already offered to both"
    assert reasons[two_to_one.pk] == "the committee's votes changed: it is no longer approved"
    assert reasons[gone.pk].startswith("it can no longer go ahead:") and "already has a mentor" in reasons[gone.pk]
    assert reasons[own.pk].startswith("you are part of it")
    assert status(two_to_one) == status(gone) == status(own) == "proposed"


def test_only_coordinators_of_the_organization_finalize_all(org_a, coordinator_b, program, committee, votes_in):
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        proposal_services.proposals_finalize_approved(actor=committee[0], program=program)
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        proposal_services.proposals_finalize_approved(actor=coordinator_b, program=program)
    assert status(votes_in[0]) == "proposed"


def test_a_majority_rule_program_has_nothing_to_finalize(org_a, coordinator_a):
    majority = ProgramFactory(organization=org_a, slug="majority", committee_rule="majority")
    with scope(organization=org_a), pytest.raises(ServiceError) as error:
        proposal_services.proposals_finalize_approved(actor=coordinator_a, program=majority)
    assert "majority" in error.value.message


def test_the_coordinator_confirms_then_finalizes_all_approved(client, org_a, coordinator_a, program, votes_in):
    approved, two_to_one, tied, rejected = votes_in
    client.force_login(coordinator_a.user)
    review = client.get(REVIEW).content.decode()
    assert "Finalize all approved (2)" in review
    page = client.get(FINALIZE).content.decode()
    assert html_rules.problems(page) == [] and html_rules.problems(review) == []
    assert "Finalize and offer 2 pairings" in page
    assert "Alpha Approved" in page and "Bravo Approved" in page
    assert "Charlie Tied" not in page and "Delta Rejected" not in page
    assert status(approved) == "proposed"  # the GET changes nothing
    response = client.post(FINALIZE, {"proposal": [approved.pk, two_to_one.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == REVIEW
    text = response.content.decode()
    assert "2 approved pairings finalized and offered to both people." in text
    assert [status(p) for p in votes_in] == ["offered", "offered", "proposed", "proposed"]
    # The one-by-one path is still there for the others.
    assert f"/review/{tied.pk}/finalize/" in text
    # Again with the same confirmation: nothing left, each skipped with its reason.
    again = client.post(FINALIZE, {"proposal": [approved.pk]}, follow=True).content.decode()
    assert "No pairing was finalized." in again and "it is already offered to both" in again


def test_bad_confirmations_get_a_message_not_a_500(client, coordinator_a, program, committee, votes_in):
    client.force_login(coordinator_a.user)
    for data in ({}, {"proposal": ["x1"]}, {"proposal": ["²"]}):
        response = client.post(FINALIZE, data, follow=True)
        assert response.status_code == 200
        assert "nothing to finalize" in response.content.decode() or "not understood" in response.content.decode()
    assert status(votes_in[0]) == "proposed"
    client.force_login(committee[0].user)
    assert client.get(FINALIZE).status_code == 403
    assert client.post(FINALIZE, {"proposal": [votes_in[0].pk]}).status_code == 403
    assert "Finalize all approved" not in client.get(REVIEW).content.decode()


def test_the_review_page_runs_a_bounded_number_of_queries(
    client, org_a, coordinator_a, program, committee, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            p = proposed(coordinator_a, program)
            vote(committee[0], p)
            vote(committee[1], p, comment="Looks right")
        for _ in range(n):
            p = proposed(coordinator_a, program)
            vote(committee[0], p)
            with scope(organization=org_a):
                proposal_services.proposal_finalize(actor=coordinator_a, proposal=p, approve=True)

    counts = {}
    for who in (coordinator_a, committee[1]):
        client.force_login(who.user)
        for size, n in (("small", 2), ("large", 20)):
            grow(n if size == "small" else n - 2)
            for url in (REVIEW, REVIEW + "?needs=me", FINALIZE):
                if url == FINALIZE and who != coordinator_a:
                    continue
                with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(26):
                    assert client.get(url).status_code == 200
                counts.setdefault((who.pk, url), []).append(len(queries))
    assert all(small == large for small, large in counts.values()), counts


# --- Races (PostgreSQL) -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL (set DATABASE_URL)")
def test_two_coordinators_finalizing_all_while_votes_change_decide_each_pairing_once(org_a):
    from tests.test_concurrency_races import assert_refused_only_with, audits, member, race, successes

    program = ProgramFactory(organization=org_a, slug="society")
    first, second = (MembershipFactory(organization=org_a, is_coordinator=True) for _ in range(2))
    ruth, omar = (MembershipFactory(organization=org_a, is_committee=True) for _ in range(2))
    proposals = [proposed(first, program) for _ in range(4)]
    for proposal in proposals:
        vote(ruth, proposal)
    mail.outbox.clear()

    def finalize_all(pk):
        return lambda: proposal_services.proposals_finalize_approved(actor=member(pk), program=program)

    outcomes = race(
        org_a,
        [
            ("all-first", finalize_all(first.pk)),
            ("all-second", finalize_all(second.pk)),
            (
                "reject-one",
                lambda: proposal_services.proposal_finalize(
                    actor=member(second.pk), proposal=Proposal.objects.get(pk=proposals[0].pk), approve=False
                ),
            ),
            (
                "vote-no",
                lambda: proposal_services.proposal_vote(
                    actor=member(omar.pk), proposal=Proposal.objects.get(pk=proposals[1].pk), approve=False
                ),
            ),
        ],
    )
    assert_refused_only_with(outcomes, "This pairing is already")
    reports = [o.value for o in successes(outcomes) if o.label.startswith("all-")]
    assert len(reports) == 2
    finalized = [p.pk for report in reports for p in report.finalized]
    assert len(finalized) == len(set(finalized))  # never offered twice
    with scopes_disabled():
        offered = set(Proposal.objects.filter(status=ProposalStatus.OFFERED).values_list("pk", flat=True))
        assert set(finalized) == offered and {proposals[2].pk, proposals[3].pk} <= offered
    assert audits("proposal.approved") == len(offered)
    assert audits("proposal.approved") + audits("proposal.rejected") <= len(proposals)
    assert len([m for m in mail.outbox if "A proposed pairing in" in m.subject]) == 2 * len(offered)
