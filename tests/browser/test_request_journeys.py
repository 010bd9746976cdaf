"""Journeys through self-selection: a trainee asks an alumnus to be their mentor and the
alumnus accepts; a mentee ends a mentorship under the no-fault clause."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import MentorshipRequest
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship, PairExclusion
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EligibilityRuleFactory,
    GoalAreaFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = (
    "I am a second-year resident deciding between a pediatric cardiac fellowship and community "
    "practice. For a first meeting I would like to talk through my application timeline."
)


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


def _alumni_program():
    network = OrganizationFactory(name="Residency Alumni Network", slug="alumni")
    program = ProgramFactory(organization=network, name="Alumni Mentors", model=ProgramModel.SELF_SELECT)
    EligibilityRuleFactory(program=program, role=Role.MENTOR, allowed_statuses=["alumni"])
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["trainee"])
    return network, program


def test_trainee_asks_an_alumnus_who_accepts(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    network, program = _alumni_program()
    fellowships = GoalAreaFactory(program=program, name="Fellowship applications")
    alumnus = MembershipFactory(organization=network, status="alumni", user__full_name="Grace Oyelaran")
    ProfileFactory(
        membership=alumnus,
        graduation_year=2009,
        institution="Lakeshore University Hospital",
        clinical_interests="Pediatric cardiac anesthesia",
        bio="Fifteen years at Lakeshore; I enjoy helping residents choose fellowships.",
    )
    mentor_application = ApplicationFactory(
        program=program,
        membership=alumnus,
        role=Role.MENTOR,
        status=ApplicationStatus.ELIGIBLE,
        capacity=1,
        goals_statement="Advice on fellowship interviews and early practice.",
    )
    with scopes_disabled():
        mentor_application.goal_areas.add(fellowships)
    trainee = MembershipFactory(organization=network, status="trainee", user__full_name="Tomás Ruiz")
    ApplicationFactory(
        program=program,
        membership=trainee,
        role=Role.MENTEE,
        status=ApplicationStatus.ELIGIBLE,
        goals_statement="Decide between fellowship and community practice.",
    )
    MembershipFactory(organization=network, is_coordinator=True, user__full_name="Dana Whitfield")

    # The trainee reads the alumnus's biosketch and asks.
    page = make_page()
    _sign_in(page, trainee.user.email)
    _open_program(page, network, program)
    page.get_by_role("link", name="Browse mentors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentors' biosketches")
    card = page.locator("article").filter(has=page.get_by_role("heading", name="Grace Oyelaran"))
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Lakeshore University Hospital")
    expect(card).to_contain_text("Pediatric cardiac anesthesia")
    expect(card).to_contain_text("I enjoy helping residents choose fellowships.")
    expect(card).to_contain_text("Fellowship applications")
    expect(card).to_contain_text("1 open place")
    card.get_by_role("link", name="Ask to be my mentor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ask Grace Oyelaran to be your mentor")
    expect(page.get_by_role("heading", name="Grace Oyelaran", level=2)).to_be_visible()
    page.get_by_label("Your message to the mentor").fill(MESSAGE)
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mentorship requests")
    expect(page.get_by_role("alert")).to_contain_text("Your request is on its way to Grace Oyelaran.")
    sent = page.get_by_role("region", name="Your requests to mentors").locator("article")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("Grace Oyelaran")
    expect(sent).to_contain_text("Waiting for the mentor")
    expect(sent.get_by_role("button", name="Withdraw the request to Grace Oyelaran")).to_be_visible()

    with scopes_disabled():
        request = MentorshipRequest.objects.get(program=program, mentee=trainee, mentor=alumnus)
    assert request.status == "open"
    assert request.message == MESSAGE
    assert len(mail.outbox) == 1
    received = mail.outbox[0]
    assert received.to == [alumnus.user.email]
    assert "Tomás Ruiz" in received.subject
    assert MESSAGE in received.body
    assert f"{live_server.url}/o/alumni/requests/" in received.body

    # The alumnus, in a browser of their own, accepts.
    mentor_page = make_page()
    _sign_in(mentor_page, alumnus.user.email)
    _open_dashboard(mentor_page, network)
    expect(_my_mentorships(mentor_page)).to_contain_text("No mentorships yet.")
    _my_mentorships(mentor_page).get_by_role("link", name="Mentorship requests").click()
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Mentorship requests")
    asked = mentor_page.get_by_role("region", name="Asked of you as a mentor").locator("article")
    expect(asked).to_have_count(1)
    expect(asked.get_by_role("heading", name="Tomás Ruiz", exact=True)).to_be_visible()
    expect(asked).to_contain_text("Waiting for the mentor")
    expect(asked.locator("blockquote")).to_have_text(MESSAGE)
    asked.get_by_role("button", name="Accept Tomás Ruiz").click()

    expect(mentor_page.get_by_role("alert")).to_contain_text("You are now mentoring Tomás Ruiz.")
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Grace Oyelaran mentoring Tomás Ruiz")
    expect(mentor_page.locator("#mentorship-status")).to_have_text("Active")
    expect(mentor_page.get_by_text("Requested by the mentee")).to_be_visible()

    with scopes_disabled():
        mentorship = Mentorship.objects.get()
        request.refresh_from_db()
    assert mentor_page.url == f"{live_server.url}/o/alumni/mentorships/{mentorship.pk}/"
    assert mentorship.origin == "request"
    assert mentorship.status == "active"
    assert (mentorship.program, mentorship.mentor, mentorship.mentee) == (program, alumnus, trainee)
    assert request.status == "accepted"
    assert request.mentorship == mentorship
    assert request.responded_at is not None

    assert len(mail.outbox) == 2
    started = mail.outbox[1]
    assert sorted(started.to) == sorted([alumnus.user.email, trainee.user.email])
    assert "Grace Oyelaran" in started.subject and "Tomás Ruiz" in started.subject
    assert f"{live_server.url}/o/alumni/mentorships/{mentorship.pk}/" in started.body

    # Back to the trainee: the mentorship is on the dashboard.
    page.reload()
    expect(sent).to_contain_text("Accepted")
    expect(sent.get_by_role("link", name="Open your mentorship")).to_be_visible()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(network.name)
    mine = _my_mentorships(page)
    expect(mine).to_contain_text("Alumni Mentors")
    expect(mine).to_contain_text("Active")
    mine.get_by_role("link", name="Mentored by Grace Oyelaran").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Oyelaran mentoring Tomás Ruiz")
    expect(page.locator("#mentorship-status")).to_have_text("Active")
    expect(page.get_by_role("link", name=alumnus.user.email)).to_be_visible()

    # The alumnus's one place is now taken.
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=program.name).click()
    page.get_by_role("link", name="Browse mentors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentors' biosketches")
    card = page.locator("article").filter(has=page.get_by_role("heading", name="Grace Oyelaran"))
    expect(card).to_contain_text("No open places")
    expect(card.get_by_role("link", name="Ask to be my mentor")).to_have_count(0)

    with scopes_disabled():
        assert Mentorship.objects.count() == 1
        assert MentorshipRequest.objects.count() == 1
    assert len(mail.outbox) == 2


def test_mentee_ends_a_mentorship_under_the_no_fault_clause(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    network, program = _alumni_program()
    mentor = MembershipFactory(organization=network, status="alumni", user__full_name="Grace Oyelaran")
    mentee = MembershipFactory(organization=network, status="trainee", user__full_name="Tomás Ruiz")
    ApplicationFactory(program=program, membership=mentor, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
    ApplicationFactory(program=program, membership=mentee, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    coordinator = MembershipFactory(organization=network, is_coordinator=True, user__full_name="Dana Whitfield")
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=network,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="request",
            planned_end_on=timezone.localdate() + timedelta(days=365),
        )

    # The mentee ends it.
    page = make_page()
    _sign_in(page, mentee.user.email)
    _open_dashboard(page, network)
    mine = _my_mentorships(page)
    expect(mine).to_contain_text("Active")
    mine.get_by_role("link", name="Mentored by Grace Oyelaran").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Oyelaran mentoring Tomás Ruiz")
    expect(page.locator("#mentorship-status")).to_have_text("Active")
    confirm = page.get_by_role("button", name="Yes, end it under the no-fault clause")
    expect(confirm).to_be_hidden()
    page.get_by_text("End this mentorship", exact=True).click()
    expect(confirm).to_be_visible()
    confirm.click()

    expect(page.get_by_role("alert")).to_contain_text(
        "The mentorship has ended under the no-fault clause. Your shared history stays here for you both."
    )
    expect(page.locator("#mentorship-status")).to_have_text("Ended")
    assert page.url == f"{live_server.url}/o/alumni/mentorships/{mentorship.pk}/"
    # The history stays readable.
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Oyelaran mentoring Tomás Ruiz")
    expect(page.get_by_text("Requested by the mentee")).to_be_visible()
    expect(page.locator("dd").filter(has_text="ended under the no-fault clause")).to_be_visible()
    expect(page.get_by_text("End this mentorship", exact=True)).to_have_count(0)
    # A mentee in a self-selection program can choose again.
    expect(page.get_by_role("link", name="Browse mentors")).to_be_visible()

    with scopes_disabled():
        mentorship.refresh_from_db()
        assert PairExclusion.objects.filter(program=program, mentor=mentor, mentee=mentee).exists()
    assert mentorship.status == "ended"
    assert mentorship.end_reason == "no_fault"
    assert mentorship.ended_by == mentee
    assert mentorship.ended_at is not None

    assert len(mail.outbox) == 2
    to_mentor = [m for m in mail.outbox if m.to == [mentor.user.email]]
    to_office = [m for m in mail.outbox if m.to == [coordinator.user.email]]
    assert len(to_mentor) == 1 and len(to_office) == 1
    assert "has ended" in to_mentor[0].subject
    assert "no-fault" in to_office[0].subject
    for email in (to_mentor[0], to_office[0]):
        assert "Grace Oyelaran" in email.body and "Tomás Ruiz" in email.body
        assert "because" not in email.body.lower()
        assert "reason:" not in email.body.lower()
        assert mentee.user.email not in email.to
    assert f"{live_server.url}/o/alumni/mentorships/{mentorship.pk}/" in to_mentor[0].body

    # The mentor can still read the ended mentorship.
    mentor_page = make_page()
    _sign_in(mentor_page, mentor.user.email)
    _open_dashboard(mentor_page, network)
    mine = _my_mentorships(mentor_page)
    expect(mine).to_contain_text("Ended")
    mine.get_by_role("link", name="Mentoring Tomás Ruiz").click()
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Grace Oyelaran mentoring Tomás Ruiz")
    expect(mentor_page.locator("#mentorship-status")).to_have_text("Ended")
    expect(mentor_page.get_by_text("End this mentorship", exact=True)).to_have_count(0)
    assert len(mail.outbox) == 2
