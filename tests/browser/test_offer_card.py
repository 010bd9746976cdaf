"""Journey: a mentee opens the pairing offered to her and decides with the facts beside it
(issue 15): the mentor's card (initials, name, specialty, institution, hub), the reasons
for the match in plain words, never the program office's internal text; then she accepts
and the mentorship starts. The offer is photographed at 1280 px and at 390 px (a phone),
where nothing may scroll sideways: ``$TEST_ARTIFACTS_DIR/offer/`` (default
``test-results/seed-journeys/offer/``)."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import Proposal, ProposalStatus, Response
from programs.models import ApplicationStatus, MeetingMode, ProgramModel, Role
from relationships.models import Mentorship
from tests.browser.journey_support import Screenshots, sign_in
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offer():
    """Dana Whitfield (paediatric surgery, Toronto hub) is offered to Nia Mensah, who ranked
    Toronto first; Dana has accepted already. The round's override left the office's flag."""
    org = OrganizationFactory(name="Lakeshore Faculty of Medicine", slug="lakeshore")
    program = ProgramFactory(organization=org, name="Faculty Mentoring", model=ProgramModel.HUBS)
    toronto = HubFactory(affinity_group=AffinityGroupFactory(program=program), name="Toronto")
    dana = MembershipFactory(organization=org, user__full_name="Dana Whitfield")
    nia = MembershipFactory(organization=org, user__full_name="Nia Mensah")
    ProfileFactory(
        membership=dana,
        specialty="Paediatric surgery",
        institution="SickKids Hospital",
        clinical_interests="Robotic surgery, outcomes research",
    )
    ProfileFactory(membership=nia, specialty="Paediatric surgery", clinical_interests="Outcomes research")
    HubMentorFactory(hub=toronto, membership=dana, capacity=2)
    ApplicationFactory(
        program=program,
        membership=dana,
        role=Role.MENTOR,
        status=ApplicationStatus.ACCEPTED,
        goals_statement="Twenty years of paediatric surgery and a research lab to share.",
        meeting_modes=[MeetingMode.VIDEO],
    )
    application = ApplicationFactory(
        program=program,
        membership=nia,
        role=Role.MENTEE,
        status=ApplicationStatus.ACCEPTED,
        goals_statement="Build a research career alongside a busy clinical practice.",
        meeting_modes=[MeetingMode.VIDEO, MeetingMode.PHONE],
    )
    HubChoiceFactory(application=application, hub=toronto, rank=1)
    with scopes_disabled():
        proposal = Proposal.objects.create(
            organization=org,
            program=program,
            mentor=dana,
            mentee=nia,
            status=ProposalStatus.OFFERED,
            offered_at=timezone.now(),
            score=5.0,
            contributions={"hub_rank": 3.0, "specialty": 1.0, "meeting_mode": 1.0},
            hub_rank=1,
            chosen_by_hand=True,
            mentor_response=Response.ACCEPTED,
            mentor_responded_at=timezone.now(),
        )
    return {"org": org, "mentee": nia, "proposal": proposal}


def test_the_mentee_reads_the_mentors_card_and_the_reasons_then_accepts(make_page, offer):
    shots = Screenshots("offer")
    page = make_page()
    sign_in(page, offer["mentee"].user.email)
    page.goto(f"/o/{offer['org'].slug}/offers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed pairings")
    article = page.locator("article").filter(has=page.get_by_role("heading", name="Be mentored by Dana Whitfield"))
    card = article.get_by_role("region", name="Dana Whitfield")
    expect(card).to_contain_text("Mentor in Faculty Mentoring")
    expect(card).to_contain_text("Paediatric surgery")
    expect(card).to_contain_text("SickKids Hospital")
    expect(card).to_contain_text("Hub: Toronto")
    expect(card).to_contain_text("Twenty years of paediatric surgery")
    reasons = article.get_by_role("region", name="Why you were matched")
    expect(reasons.get_by_role("listitem")).to_have_text(
        [
            "Same hub: Toronto, your first choice.",
            "You both work in paediatric surgery.",
            "You both prefer video meetings.",
        ]
    )
    expect(page.locator("main")).not_to_contain_text("by hand")
    shots(page, "offer-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(card).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "offer-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    article.get_by_role("button", name="Accept this pairing").click()
    expect(page.get_by_role("alert")).to_contain_text("You have both accepted")
    with scopes_disabled():
        mentorship = Mentorship.objects.get(mentee=offer["mentee"])
    expect(page).to_have_url(f"/o/{offer['org'].slug}/mentorships/{mentorship.pk}/")
    shots(page, "mentorship-started")
