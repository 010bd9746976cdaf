"""Journeys: each role opens their organization's dashboard, finds what waits for them at
the top ("What needs you") and clicks through to do it (issue 15). Each role's dashboard
is photographed at 1280 px and at 390 px (a phone), where nothing may scroll sideways:
``$TEST_ARTIFACTS_DIR/todo-lists/`` (default ``test-results/seed-journeys/todo-lists/``)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from agreements.models import Agreement, AgreementStatus
from matching.models import MentorshipRequest, Proposal, ProposalStatus
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Meeting, MeetingStatus
from tests.browser.journey_support import Screenshots, log_meeting, open_dashboard, sign_in
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    dana_and_nia,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _todo_list(page):
    return page.get_by_role("region", name="What needs you")


@pytest.fixture(scope="module")
def shots():
    return Screenshots("todo-lists")


def _photograph(page, shots, role: str) -> None:
    """The dashboard as it is, at 1280 px and on a phone (390 px: nothing wider than it)."""
    shots(page, f"{role}-dashboard-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(_todo_list(page)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, f"{role}-dashboard-390")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def society():
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Mentorship Program", model=ProgramModel.COMMITTEE)
    with scopes_disabled():
        pair = dana_and_nia(society, program=program)
        Meeting.objects.create(
            organization=society,
            mentorship=pair,
            starts_at=timezone.now() - timedelta(days=2),
            status=MeetingStatus.SCHEDULED,
        )
        Agreement.objects.create(
            organization=society,
            mentorship=pair,
            status=AgreementStatus.AWAITING,
            title="Mentorship agreement",
            mentor_name="Dana Whitfield",
            mentee_name="Nia Mensah",
        )
        asker = MembershipFactory(organization=society, user__full_name="Omar Asker")
        MentorshipRequest.objects.create(
            organization=society,
            program=program,
            mentor=pair.mentor,
            mentee=asker,
            message="Would you mentor me?",
            expires_at=timezone.now() + timedelta(days=14),
        )
        Proposal.objects.create(
            organization=society,
            program=program,
            mentor=MembershipFactory(organization=society, user__full_name="Priya Proposed"),
            mentee=MembershipFactory(organization=society, user__full_name="Sam Suggested"),
            status=ProposalStatus.PROPOSED,
        )
        ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.SUBMITTED)
    committee = MembershipFactory(organization=society, is_committee=True, user__full_name="Robert Okonkwo")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Carol Coordinator")
    return {"org": society, "pair": pair, "committee": committee, "coordinator": coordinator}


def test_the_mentee_logs_the_meeting_that_waits_and_it_leaves_the_list(make_page, society, shots):
    page = make_page()
    sign_in(page, society["pair"].mentee.user.email)
    open_dashboard(page, society["org"])
    _photograph(page, shots, "mentee")
    todos = _todo_list(page)
    expect(todos.get_by_role("link", name="Sign your mentorship agreement")).to_be_visible()
    expect(todos).to_contain_text("With Dana Whitfield")
    todos.get_by_role("link", name="Log 1 meeting that took place").click()
    log_meeting(page, "We went over the first goals.", minutes=45)
    open_dashboard(page, society["org"])
    expect(_todo_list(page).get_by_role("link", name="Sign your mentorship agreement")).to_be_visible()
    expect(_todo_list(page)).not_to_contain_text("meeting that took place")
    _todo_list(page).get_by_role("link", name="Sign your mentorship agreement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("agreement")


def test_the_mentor_answers_the_request_that_waits(make_page, society, shots):
    page = make_page()
    sign_in(page, society["pair"].mentor.user.email)
    open_dashboard(page, society["org"])
    _photograph(page, shots, "mentor")
    todos = _todo_list(page)
    expect(todos.get_by_role("link", name="Sign your mentorship agreement")).to_be_visible()
    todos.get_by_role("link", name="Answer 1 mentorship request").click()
    expect(page).to_have_url(f"/o/{society['org'].slug}/requests/")
    expect(page.get_by_text("Omar Asker").first).to_be_visible()


def test_the_committee_member_goes_to_the_pairing_to_vote_on(make_page, society, shots):
    page = make_page()
    sign_in(page, society["committee"].user.email)
    open_dashboard(page, society["org"])
    _photograph(page, shots, "committee")
    todos = _todo_list(page)
    expect(todos).to_contain_text("Mentorship Program")
    todos.get_by_role("link", name="Vote on 1 proposed pairing").click()
    expect(page.get_by_text("Priya Proposed").first).to_be_visible()


def test_the_coordinator_goes_to_the_applications_to_decide_and_the_member_sees_an_empty_list(
    make_page, society, shots
):
    page = make_page()
    sign_in(page, society["coordinator"].user.email)
    open_dashboard(page, society["org"])
    _photograph(page, shots, "coordinator")
    _todo_list(page).get_by_role("link", name="Decide on 1 application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Applications")
    newcomer = MembershipFactory(organization=society["org"], user__full_name="Nora Newcomer")
    other = make_page()
    sign_in(other, newcomer.user.email)
    open_dashboard(other, society["org"])
    expect(_todo_list(other)).to_contain_text("Nothing waits for you here right now")


def test_the_mentor_logs_a_meeting_that_was_never_scheduled_here(make_page, society):
    pair = society["pair"]
    with scopes_disabled():
        type(pair).objects.filter(pk=pair.pk).update(started_on=timezone.localdate() - timedelta(days=30))
    page = make_page()
    sign_in(page, pair.mentor.user.email)
    page.goto(f"/o/{society['org'].slug}/mentorships/{pair.pk}/meetings/")
    section = page.get_by_role("region", name="Log a meeting that already took place")
    section.get_by_text("A meeting you did not schedule here").click()
    when = (timezone.localdate() - timedelta(days=4)).strftime("%Y-%m-%dT09:30")
    section.get_by_label("When it took place").fill(when)
    section.get_by_label("How long it lasted (minutes)").fill("30")
    section.get_by_label("How you met").select_option("phone")
    section.get_by_label("Summary").fill("A quick call about the research elective.")
    section.get_by_role("button", name="Log the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("Meeting logged")
    expect(page.locator("#meeting-status")).to_have_text("Held")
    expect(page.locator("#summary-text")).to_have_text("A quick call about the research elective.")
    # A time still to come is refused on the form, with the typed summary kept.
    page.goto(f"/o/{society['org'].slug}/mentorships/{pair.pk}/meetings/")
    section = page.get_by_role("region", name="Log a meeting that already took place")
    section.get_by_text("A meeting you did not schedule here").click()
    later = (timezone.localdate() + timedelta(days=3)).strftime("%Y-%m-%dT09:30")
    section.get_by_label("When it took place").fill(later)
    section.get_by_label("Summary").fill("Not yet.")
    section.get_by_role("button", name="Log the meeting").click()
    section = page.get_by_role("region", name="Log a meeting that already took place")
    expect(section).to_contain_text("schedule the meeting instead")
    expect(section.get_by_label("Summary")).to_have_value("Not yet.")
