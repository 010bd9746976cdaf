"""Journey (issue 15): a committee-model match round with its facts beside each pair, then
the committee's "needs my vote" list, then the coordinator's "Finalize all approved".

The round page is photographed at 1280 px and at 390 px (a phone, where nothing may scroll
sideways): ``$TEST_ARTIFACTS_DIR/match-round/`` (default
``test-results/seed-journeys/match-round/``)."""

import re

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from matching.models import Proposal, ProposalStatus
from matching.selectors.round_cards import score_scale
from matching.services import rounds
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.browser.journey_support import Screenshots, open_program, sign_in
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProfileFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAIRS = [  # mentor, mentee, specialty: like pairs with like
    ("Helen Okafor", "Samuel Lindqvist", "General surgery"),
    ("Priya Raman", "Tomas Berg", "Vascular surgery"),
    ("Grace Mwangi", "Lena Duarte", "Trauma surgery"),
]
GOALS = "Plan the first years of a rural practice.\nLearn to run a theatre list."


@pytest.fixture(scope="module")
def shots():
    return Screenshots("match-round")


def _photograph(page, shots, step: str) -> None:
    shots(page, f"{step}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, f"{step}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def _article(page, heading: str):
    return page.locator("article").filter(has=page.get_by_role("heading", name=heading))


def test_round_cards_needs_my_vote_and_finalize_all_approved(make_page, shots, settings, live_server):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons", model=ProgramModel.COMMITTEE)
    for mentor_name, mentee_name, specialty in PAIRS:
        for name, role in ((mentor_name, Role.MENTOR), (mentee_name, Role.MENTEE)):
            person = MembershipFactory(organization=society, user__full_name=name)
            ProfileFactory(membership=person, specialty=specialty)
            ApplicationFactory(
                program=program,
                membership=person,
                role=role,
                status=ApplicationStatus.ACCEPTED,
                capacity=1 if role == Role.MENTOR else None,
                meeting_modes=["video"],
                goals_statement=GOALS,
            )
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    ruth = MembershipFactory(organization=society, is_committee=True, user__full_name="Ruth Abernathy")
    with scope(organization=society):
        match_round = rounds.round_create(
            actor=coordinator, program=program, weights={**rounds.default_weights(program), "specialty": 5}
        )
        match_round = rounds.run_round(match_round.pk)
    assert match_round.status == "complete"
    scale = score_scale(match_round.weights)

    # (a) The coordinator opens the round: each card says what its score is out of, links
    # the people to their applications and lists the next best mentors once each.
    office = make_page()
    sign_in(office, coordinator.user.email)
    open_program(office, society, program.name)
    office.get_by_role("link", name="Match rounds", exact=True).click()
    office.get_by_role("link", name=re.compile(r"^Round of ")).first.click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Match round")
    expect(office.get_by_role("region", name="How to read the scores")).to_contain_text(
        f"Each pair's score is out of {scale:g}"
    )
    mentor, mentee, _specialty = PAIRS[0]
    card = _article(office, f"{mentor} → {mentee}")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(re.compile(rf"score \d+\.\d\d of {scale:g}"))
    expect(card.get_by_role("table", name="Why this pair: score by factor")).to_contain_text("of 5")
    options = card.get_by_label(f"Next best mentors for {mentee}").locator("option")
    names = [text.split(" (")[0] for text in options.all_inner_texts()]
    assert mentor not in names and len(names) == len(set(names)) and names
    _photograph(office, shots, "round")
    card.get_by_role("link", name=mentee).click()
    expect(office.get_by_role("heading", level=1)).to_contain_text(mentee)
    office.go_back()
    office.get_by_role("button", name="Send these pairings to the committee").click()
    expect(office.get_by_role("alert")).to_contain_text("3 pairings sent to the committee.")

    # (b) The committee member uses "needs my vote": approves two, rejects one.
    member = make_page()
    sign_in(member, ruth.user.email)
    open_program(member, society, program.name)
    member.get_by_role("main").get_by_role("link", name="Committee review", exact=True).click()
    member.get_by_role("link", name=re.compile(r"^Needs my vote")).click()
    assert member.url.endswith("/review/?needs=me")
    expect(member.locator("#needs-me-summary")).to_have_text("3 pairings await your vote.")
    first = _article(member, f"{mentor} to mentor {mentee}")
    expect(first).to_contain_text("Learn to run a theatre list.")  # the full goals
    first.get_by_label("Comment (optional)").fill("Same specialty.\nA sensible first pairing.")
    first.get_by_role("button", name=f"Approve the pairing of {mentor} and {mentee}", exact=True).click()
    expect(member.get_by_role("alert")).to_contain_text("Your vote is recorded.")
    expect(member.locator("#needs-me-summary")).to_have_text("2 pairings await your vote.")
    expect(_article(member, f"{mentor} to mentor {mentee}")).to_have_count(0)
    for (mentor_name, mentee_name, _s), decision in zip(PAIRS[1:], ("Approve", "Reject"), strict=True):
        article = _article(member, f"{mentor_name} to mentor {mentee_name}")
        article.get_by_role(
            "button", name=f"{decision} the pairing of {mentor_name} and {mentee_name}", exact=True
        ).click()
        expect(member.get_by_role("alert")).to_contain_text("Your vote is recorded.")
    expect(member.locator("#needs-me-summary")).to_have_text("Nothing awaits your vote.")
    shots(member, "committee-needs-my-vote-done")

    # (c) The coordinator finalizes every approved pairing in one action, after confirming.
    office.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=program.name).click()
    office.get_by_role("main").get_by_role("link", name="Committee review", exact=True).click()
    office.get_by_role("link", name="Finalize all approved (2)").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Finalize all approved pairings")
    expect(office.locator("#approved-pairings li")).to_have_count(2)
    shots(office, "finalize-all-approved-confirm")
    office.get_by_role("button", name="Finalize and offer 2 pairings").click()
    expect(office.get_by_role("alert")).to_contain_text("2 approved pairings finalized and offered to both people.")
    history = office.get_by_role("region", name="Decided pairings")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history).to_contain_text("Approved and offered")
    rejected_mentor, rejected_mentee, _s = PAIRS[2]
    expect(_article(office, f"{rejected_mentor} to mentor {rejected_mentee}")).to_have_count(1)  # one by one
    shots(office, "committee-after-finalize")

    # The committee member sees the outcome.
    member.reload()
    expect(member.get_by_role("region", name="Decided pairings")).to_contain_text("Approved and offered")
    with scopes_disabled():
        statuses = sorted(Proposal.objects.filter(program=program).values_list("status", flat=True))
    assert statuses == sorted([ProposalStatus.OFFERED, ProposalStatus.OFFERED, ProposalStatus.PROPOSED])
