"""Journey (issue 19): peer mentoring, from an empty organization. The coordinator creates a
peer program in the browser (choosing the model), residents apply as peers (one in the
browser), the coordinator accepts them, runs a peer round, approves its pairs on the
committee page and so offers them; both peers of a pair accept, and the relationship page
says "peer" to both. Screenshots: ``$TEST_ARTIFACTS_DIR/issue19-peer/``."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import Proposal
from programs.models import ApplicationStatus, MemberStatus, Program, Role
from relationships.models import Mentorship
from tests.browser.journey_support import Screenshots, accept_application, open_program, sign_in
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROGRAM = "Resident Peer Mentoring"
ROLE_WORD = re.compile(r"\b(mentors?|mentees?|mentoring)\b", re.IGNORECASE)
# Four residents: two pairs by specialty interest (Ana and Ben, Cleo and Dev).
RESIDENTS = (
    ("Ana Ruiz", "Regional anesthesia"),
    ("Ben Okafor", "Regional anesthesia"),
    ("Cleo Park", "Pediatric anesthesia"),
    ("Dev Shah", "Pediatric anesthesia"),
)


def _create_peer_program(office, organization) -> None:
    office.goto(f"/o/{organization.slug}/programs/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Programs")
    office.get_by_role("link", name=re.compile(r"New program")).first.click()
    expect(office.get_by_role("heading", level=1)).to_have_text("New program")
    office.locator("#id_name").fill(PROGRAM)
    office.locator("#id_slug").fill("resident-peers")
    office.locator("#id_description").fill("Residents at the same stage are paired with each other, as equals.")
    office.locator("#id_model").select_option(value="peer")
    # The peer rule shows for a peer program; the two sides' rules do not.
    expect(office.locator("#div_id_peer_statuses")).to_be_visible()
    expect(office.locator("#div_id_mentor_statuses")).to_be_hidden()
    office.locator("#div_id_peer_statuses").get_by_label("Trainee", exact=True).check()
    office.locator("#id_is_published").check()
    office.locator("#id_goal_areas").fill("Board preparation\nWork-life balance and wellness")
    office.get_by_role("button", name="Create program").click()
    expect(office.get_by_role("alert")).to_contain_text(f"{PROGRAM} is set up.")
    expect(office.get_by_role("heading", level=1)).to_contain_text(PROGRAM)


def test_peer_mentoring_from_an_empty_organization(make_page, settings, live_server):
    settings.SITE_URL = live_server.url
    shots = Screenshots("issue19-peer")
    organization = OrganizationFactory(name="Lakeshore Residency", slug="lakeshore")
    coordinator = MembershipFactory(organization=organization, is_coordinator=True, user__full_name="Marisol Vega")
    residents = {}
    for name, interest in RESIDENTS:
        person = MembershipFactory(organization=organization, user__full_name=name, status=MemberStatus.TRAINEE)
        ProfileFactory(membership=person, specialty="Anesthesiology", clinical_interests=interest)
        residents[name] = person

    # (1) The coordinator creates the peer program in the browser, choosing the model.
    office = make_page()
    sign_in(office, coordinator.user.email)
    _create_peer_program(office, organization)
    expect(office.get_by_role("main")).to_contain_text("everyone applies as a peer")
    shots(office, "peer-program-created")
    with scopes_disabled():
        program = Program.objects.get(organization=organization, slug="resident-peers")
        # Three residents applied already (set up directly); the fourth applies in the browser.
        for name, _interest in RESIDENTS[1:]:
            ApplicationFactory(
                program=program,
                membership=residents[name],
                role=Role.PEER,
                status=ApplicationStatus.ELIGIBLE,
                eligible=True,
                goals_statement="Study for boards together.",
                meeting_modes=["video"],
            )

    # (2) Ana applies as a peer: no role to choose, and the form speaks of a peer.
    ana = make_page()
    sign_in(ana, residents["Ana Ruiz"].user.email)
    open_program(ana, organization, PROGRAM)
    expect(ana.get_by_role("button", name="Apply as a mentor")).to_have_count(0)
    ana.get_by_role("button", name="Apply as a peer").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text("Your peer application")
    ana.get_by_label("Your goals").fill("A study partner for boards, and someone to compare notes with.")
    ana.get_by_label("Board preparation", exact=True).check()
    ana.get_by_label("Video", exact=True).check()
    expect(ana.get_by_label("Preferences about your peer")).to_be_visible()
    ana.get_by_label("I accept the program's guiding principles listed above.").check()
    shots(ana, "peer-application")
    ana.get_by_role("button", name="Submit application").click()
    expect(ana.locator("#application-status")).to_have_text("Eligible")

    # (3) The coordinator accepts the four; the list says Peer.
    office.reload()
    office.get_by_role("link", name="Applications", exact=True).click()
    expect(office.get_by_role("main")).to_contain_text("Peer")
    expect(office.get_by_role("main")).not_to_contain_text("Mentee")
    shots(office, "applications-peer")
    office.go_back()
    for name, _interest in RESIDENTS:
        accept_application(office, PROGRAM, name, "Welcome to resident peer mentoring.")

    # (4) A peer round: one pool, only the peer mode.
    office.get_by_role("link", name="Match rounds", exact=True).click()
    run = office.get_by_role("region", name="Run a round")
    expect(run).to_contain_text(re.compile(r"4\s+accepted peers without a peer"))
    mode = office.get_by_label("How to pair")
    expect(mode.locator("option")).to_have_count(1)
    office.locator("#id_specialty").fill("1")
    office.locator("#id_interests").fill("5")
    office.get_by_role("button", name="Run the engine").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Match round")
    expect(office.locator("#round-status")).to_have_text("Complete")
    pairs = office.locator("article")
    expect(pairs).to_have_count(2)
    expect(office.get_by_role("heading", name="Ben Okafor and Ana Ruiz")).to_be_visible()
    expect(office.get_by_role("heading", name="Cleo Park and Dev Shah")).to_be_visible()
    shots(office, "peer-round")
    office.get_by_role("button", name="Send these pairings to the committee").click()
    expect(office.get_by_role("alert")).to_contain_text("2 pairings sent to the committee.")

    # (5) The committee page (the coordinator decides under the program's rule): approve and offer.
    office.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=PROGRAM).click()
    office.get_by_role("main").get_by_role("link", name="Committee review", exact=True).click()
    review = office.locator("article").filter(has=office.get_by_role("heading", name="Ben Okafor and Ana Ruiz"))
    expect(review.get_by_role("heading", name="Peer: Ana Ruiz")).to_be_visible()
    expect(review.get_by_role("heading", name="Peer: Ben Okafor")).to_be_visible()
    shots(office, "committee-review-peers")
    review.get_by_role("button", name="Approve and offer").click()
    expect(office.get_by_role("alert")).to_be_visible()

    # (6) Both peers accept the offer; the relationship page says "peer" to both.
    ben = make_page()
    sign_in(ben, residents["Ben Okafor"].user.email)
    for page, other in ((ana, "Ben Okafor"), (ben, "Ana Ruiz")):
        page.goto(f"/o/{organization.slug}/offers/")
        offer = page.locator("article").filter(has=page.get_by_role("heading", name=f"Peer mentoring with {other}"))
        expect(offer).to_have_count(1)
        expect(offer).to_contain_text("Peer in")
        shots(page, f"offer-{other.split()[0].lower()}")
        offer.get_by_role("button", name="Accept this pairing").click()
        expect(page.get_by_role("alert")).to_be_visible()
    with scopes_disabled():
        mentorship = Mentorship.objects.get(program=program)
        assert {mentorship.mentor_id, mentorship.mentee_id} == {residents["Ana Ruiz"].pk, residents["Ben Okafor"].pk}
        assert Proposal.objects.get(mentorship=mentorship).status == "confirmed"
    for page, name in ((ana, "ana"), (ben, "ben")):
        page.goto(f"/o/{organization.slug}/mentorships/{mentorship.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Peer mentoring: Ben Okafor and Ana Ruiz")
        main_text = page.get_by_role("main").inner_text()
        rest = main_text.replace(PROGRAM, "").replace("Peer mentoring", "")  # the program's and the model's names
        assert ROLE_WORD.findall(rest) == [], [
            rest[max(0, m.start() - 80) : m.end() + 40] for m in ROLE_WORD.finditer(rest)
        ]
        shots(page, f"relationship-{name}")
