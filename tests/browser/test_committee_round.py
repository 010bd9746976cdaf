"""Journey through a committee-model match round: the coordinator runs the engine and sends
its pairings to the committee, a committee member approves, the coordinator offers the
pairing, and the mentor and the mentee both accept."""

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import MatchRound, Proposal, Vote
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

MENTOR = "Helen Okafor"
MENTEE = "Samuel Lindqvist"
COMMENT = "Both in general surgery; a sensible first pairing."


def _sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    # A person in one organization lands on its dashboard; the journeys start from the list.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/?all=1")
    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()


def _open_dashboard(page, organization):
    """From "My organizations": the organization's dashboard."""
    page.locator("#my-organizations").get_by_role("link", name=organization.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name)


def _open_program(page, organization, program):
    _open_dashboard(page, organization)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    page.get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(program.name)


def _my_mentorships(page):
    return page.get_by_role("region", name="My mentorships")


def _accept_offer(page, organization, heading):
    """From the dashboard: "Proposed pairings", then accept the one offered."""
    page.get_by_role("region", name="My mentorships").get_by_role("link", name="Proposed pairings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed pairings")
    offer = page.locator("article").filter(has=page.get_by_role("heading", name=heading))
    expect(offer).to_have_count(1)
    expect(offer).to_contain_text("Offered to both")
    expect(offer).to_contain_text("The pairing is final only when you have both accepted.")
    offer.get_by_role("button", name="Accept this pairing").click()


def test_committee_round_from_engine_to_mentorship(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons", model=ProgramModel.COMMITTEE)
    mentor = MembershipFactory(organization=society, status="member", user__full_name=MENTOR)
    ProfileFactory(membership=mentor, specialty="General surgery")
    ApplicationFactory(
        program=program,
        membership=mentor,
        role=Role.MENTOR,
        status=ApplicationStatus.ACCEPTED,
        capacity=1,
        meeting_modes=["video"],
        goals_statement="Operative skills and building a practice.",
    )
    mentee = MembershipFactory(organization=society, status="candidate", user__full_name=MENTEE)
    ProfileFactory(membership=mentee, specialty="General surgery")
    ApplicationFactory(
        program=program,
        membership=mentee,
        role=Role.MENTEE,
        status=ApplicationStatus.ACCEPTED,
        meeting_modes=["video"],
        goals_statement="Plan the first years of a rural general surgery practice.",
    )
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    committee = MembershipFactory(organization=society, is_committee=True, user__full_name="Ruth Abernathy")

    # (1) The coordinator runs the engine and sends its pairings to the committee.
    office = make_page()
    _sign_in(office, coordinator.user.email)
    _open_program(office, society, program)
    office.get_by_role("link", name="Match rounds", exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Match rounds")
    expect(office.get_by_role("region", name="Run a round")).to_contain_text(
        re.compile(r"1\s+accepted mentee without a mentor,\s+1\s+mentor with\s+1\s+open place")
    )
    office.get_by_role("button", name="Run the engine").click()

    expect(office.get_by_role("heading", level=1)).to_have_text("Match round")
    expect(office.locator("#round-status")).to_have_text("Complete")
    pair = office.locator("article").filter(has=office.get_by_role("heading", name=f"{MENTOR} → {MENTEE}"))
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text(re.compile(r"score \d+\.\d\d"))
    expect(pair.get_by_role("table", name="Why this pair: score by factor")).to_contain_text("Specialty")
    office.get_by_role("button", name="Send these pairings to the committee").click()
    expect(office.get_by_role("alert")).to_contain_text("1 pairing sent to the committee.")
    expect(office.locator("#round-status")).to_have_text("Sent for review")
    expect(pair).to_contain_text("awaiting the committee")

    with scopes_disabled():
        match_round = MatchRound.objects.get(program=program)
        proposal = Proposal.objects.get(program=program)
    assert match_round.status == "sent"
    assert proposal.status == "proposed"
    assert (proposal.mentor, proposal.mentee) == (mentor, mentee)

    # (2) A committee member, in a browser of their own, approves with a comment.
    member_page = make_page()
    _sign_in(member_page, committee.user.email)
    _open_program(member_page, society, program)
    member_page.locator("#main").get_by_role("link", name="Committee review", exact=True).click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Pairings awaiting the committee")
    review = member_page.locator("article").filter(
        has=member_page.get_by_role("heading", name=f"{MENTOR} to mentor {MENTEE}")
    )
    expect(review).to_have_count(1)
    expect(review).to_contain_text("0 approve · 0 reject")
    expect(review.get_by_role("heading", name=f"Mentor: {MENTOR}")).to_be_visible()
    expect(review.get_by_role("heading", name=f"Mentee: {MENTEE}")).to_be_visible()
    expect(review).to_contain_text("General surgery")
    expect(review.get_by_role("button", name="Approve and offer")).to_have_count(0)
    review.get_by_label("Comment (optional)").fill(COMMENT)
    review.get_by_role("button", name=f"Approve the pairing of {MENTOR} and {MENTEE}", exact=True).click()
    expect(member_page.get_by_role("alert")).to_contain_text("Your vote is recorded.")
    expect(review).to_contain_text("1 approve · 0 reject")
    expect(review).to_contain_text(f"Ruth Abernathy: approve — “{COMMENT}”")
    expect(review).to_contain_text("You voted to approve; you can change it.")

    # (3) The coordinator, back in their page, approves and offers the pairing.
    office.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=program.name).click()
    expect(office.get_by_role("heading", level=1)).to_contain_text(program.name)
    office.locator("#main").get_by_role("link", name="Committee review", exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Pairings awaiting the committee")
    review = office.locator("article").filter(has=office.get_by_role("heading", name=f"{MENTOR} to mentor {MENTEE}"))
    expect(review).to_contain_text("1 approve · 0 reject")
    expect(review).to_contain_text(f"Ruth Abernathy: approve — “{COMMENT}”")
    review.get_by_role("button", name="Approve and offer").click()
    expect(office.get_by_role("alert")).to_contain_text("Approved: the pairing is offered to both.")
    expect(office.get_by_text("Nothing awaits the committee.")).to_be_visible()

    # (4) The mentor accepts first: it is not final yet.
    mentor_page = make_page()
    _sign_in(mentor_page, mentor.user.email)
    _open_dashboard(mentor_page, society)
    mentor_dashboard = mentor_page.url
    expect(_my_mentorships(mentor_page)).to_contain_text("No mentorships yet.")
    _accept_offer(mentor_page, society, f"Mentor {MENTEE}")
    expect(mentor_page.get_by_role("alert")).to_contain_text(
        "Thank you. The pairing becomes final when the other person accepts too."
    )
    expect(mentor_page.get_by_text(f"You accepted. Waiting for {MENTEE}.")).to_be_visible()
    with scopes_disabled():
        assert not Mentorship.objects.filter(program=program).exists()

    # (5) The mentee accepts too, and lands on their mentorship.
    mentee_page = make_page()
    _sign_in(mentee_page, mentee.user.email)
    _open_dashboard(mentee_page, society)
    mentee_dashboard = mentee_page.url
    _accept_offer(mentee_page, society, f"Be mentored by {MENTOR}")
    expect(mentee_page.get_by_role("alert")).to_contain_text("You have both accepted: your mentorship has started.")
    expect(mentee_page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"{MENTOR}\s+mentoring\s+{MENTEE}"))
    expect(mentee_page.locator("#mentorship-status")).to_have_text("Active")
    expect(mentee_page.get_by_text("Proposed by the program")).to_be_visible()

    # (6) Both see the mentorship on their dashboards.
    mentor_page.goto(mentor_dashboard)
    expect(_my_mentorships(mentor_page).get_by_role("link", name=f"Mentoring {MENTEE}")).to_be_visible()
    expect(_my_mentorships(mentor_page)).to_contain_text("Active")
    mentee_page.goto(mentee_dashboard)
    expect(_my_mentorships(mentee_page).get_by_role("link", name=f"Mentored by {MENTOR}")).to_be_visible()

    with scopes_disabled():
        assert MatchRound.objects.filter(program=program).count() == 1
        match_round.refresh_from_db()
        assert match_round.status == "sent"
        proposal = Proposal.objects.get(program=program)
        assert proposal.status == "confirmed"
        assert proposal.match_round == match_round
        assert proposal.score is not None and proposal.score > 0
        assert proposal.contributions.get("specialty", 0) > 0
        vote = Vote.objects.get()
        assert (vote.proposal, vote.voter, vote.decision, vote.comment) == (proposal, committee, "approve", COMMENT)
        mentorship = Mentorship.objects.get(program=program)
        assert (mentorship.mentor, mentorship.mentee, mentorship.origin) == (mentor, mentee, "proposal")
        assert mentorship.status == "active"
        assert proposal.mentorship == mentorship

    offers = [m for m in mail.outbox if m.subject.startswith(f"A proposed pairing in {program.name}")]
    # One email each: neither learns the other's address before both have accepted.
    assert sorted(m.to for m in offers) == sorted([[mentor.user.email], [mentee.user.email]])
    assert f"{live_server.url}/o/western/offers/" in offers[0].body
    paired = [m for m in mail.outbox if m.subject.startswith(f"You are paired in {program.name}")]
    assert [sorted(m.to) for m in paired] == [sorted([mentor.user.email, mentee.user.email])]
    assert f"/o/western/mentorships/{mentorship.pk}/" in paired[0].body
    # Sending a round to the committee asks the committee members to review it.
    review_emails = [m for m in mail.outbox if m.subject == f"A pairing awaits the committee in {program.name}"]
    assert [m.to for m in review_emails] == [[committee.user.email]]
    assert f"{live_server.url}/o/western/programs/{program.slug}/review/" in review_emails[0].body
