"""Journeys through programs: apply, be decided on, be found ineligible, rank hubs, and
read mentors' biosketches in a self-selection program."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import Application, ApplicationStatus, HubChoice, Profile, ProgramModel, Role
from tests.factories import (
    PASSWORD,
    AffinityGroupFactory,
    EligibilityRuleFactory,
    GoalAreaFactory,
    HubFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PRINCIPLES = "I accept the program's guiding principles listed above."


def _sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    # A person in one organization lands on its dashboard; the journeys start from the list.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/?all=1")
    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()


def _open_program(page, organization, program):
    """From "My organizations": the organization, then Programs in the navigation, then the program."""
    page.locator("#my-organizations").get_by_role("link", name=organization.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    page.get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(program.name)


def _breadcrumb_to_program(page, program):
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(program.name)


def test_society_mentee_applies_and_a_coordinator_accepts(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons", model=ProgramModel.COMMITTEE)
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["member", "candidate"])
    GoalAreaFactory(program=program, name="Career planning")
    GoalAreaFactory(program=program, name="Work-life balance")
    GoalAreaFactory(program=program, name="Research")
    mentee = MembershipFactory(organization=society, status="member", user__full_name="Priya Natarajan")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")

    page = make_page()
    _sign_in(page, mentee.user.email)
    _open_program(page, society, program)
    page.get_by_role("button", name="Apply as a mentee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mentee application")
    expect(page.locator("#application-status")).to_have_text("Draft")
    page.get_by_label("Your goals").fill("Build a practice in rural surgery and plan the next five years.")
    page.get_by_label("Work-life balance").check()
    page.get_by_label("Video").check()
    page.get_by_label(PRINCIPLES).check()
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Your application is submitted. The program office will be in touch."
    )
    expect(page.locator("#application-status")).to_have_text("Eligible")
    expect(page.get_by_role("status")).to_contain_text("The program office reviews applications and will email you.")
    mentee_url = page.url

    with scopes_disabled():
        application = Application.objects.get(program=program, membership=mentee, role=Role.MENTEE)
        assert application.status == ApplicationStatus.ELIGIBLE
        assert application.eligible is True
        assert [a.name for a in application.goal_areas.all()] == ["Work-life balance"]
        assert application.meeting_modes == ["video"]
        assert application.principles_accepted is True
    assert mail.outbox == []

    # The coordinator, in a browser of their own.
    office = make_page()
    _sign_in(office, coordinator.user.email)
    _open_program(office, society, program)
    office.get_by_role("link", name="Applications", exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Applications to {program.name}")
    office.get_by_role("link", name="Priya Natarajan").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text("Priya Natarajan")
    expect(office.locator("#application-status")).to_have_text("Eligible")
    office.get_by_label("Accept").check()
    office.get_by_label("Message to the applicant").fill("Welcome aboard! Dr. Okafor will be your mentor.")
    office.get_by_role("button", name="Send decision").click()
    expect(office.get_by_role("alert")).to_contain_text("Priya Natarajan is accepted; they have been emailed.")
    expect(office.locator("#application-status")).to_have_text("Accepted")

    # Back to the mentee.
    page.reload()
    assert page.url == mentee_url
    expect(page.locator("#application-status")).to_have_text("Accepted")
    expect(page.get_by_role("status")).to_contain_text("The program office accepted your application")
    expect(page.get_by_role("status")).to_contain_text("Welcome aboard! Dr. Okafor will be your mentor.")

    with scopes_disabled():
        application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.decision_message == "Welcome aboard! Dr. Okafor will be your mentor."
    assert application.decided_by == coordinator
    assert application.decided_at is not None

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [mentee.user.email]
    assert "accepted" in email.subject.lower()
    assert "Welcome aboard! Dr. Okafor will be your mentor." in email.body
    assert f"/o/western/applications/{application.pk}/" in email.body


def test_mentor_with_seven_years_is_told_why_they_are_not_eligible(page):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons")
    EligibilityRuleFactory(
        program=program, role=Role.MENTOR, allowed_statuses=["member", "candidate"], min_years_experience=8
    )
    GoalAreaFactory(program=program, name="Operative skills")
    started = timezone.now().year - 7
    mentor = MembershipFactory(organization=society, status="member", user__full_name="Marco Bellini")
    ProfileFactory(membership=mentor, year_started_practice=started, specialty="General surgery")

    _sign_in(page, mentor.user.email)
    _open_program(page, society, program)
    expect(page.get_by_text("At least 8 years in practice.")).to_be_visible()
    reason = (
        "Mentors need at least 8 years of experience in the field; your profile shows 7 years "
        f"(you started practice in {started}). You can apply as a mentor in 1 year."
    )
    # Told why before a draft is opened; they may still start one (the office can make an exception).
    page.get_by_role("button", name="Apply as a mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not eligible to apply as a mentor yet")
    expect(page.locator("#not-eligible").get_by_role("listitem")).to_have_text([reason])
    page.get_by_role("button", name="Start an application anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mentor application")
    expect(page.locator("#not-eligible")).to_contain_text(reason)
    page.get_by_label("What can you offer as a mentor?").fill("Twenty laparoscopic cases a month; happy to teach.")
    page.get_by_label("Operative skills").check()
    page.get_by_label("In person").check()
    expect(page.get_by_label("How many mentees can you take?")).to_have_value("1")
    page.get_by_label(PRINCIPLES).check()
    page.get_by_role("button", name="Submit application").click()

    expect(page.locator("#application-status")).to_have_text("Not eligible")
    expect(page.get_by_text("Your application is saved, but you are not eligible. See why below.")).to_be_visible()
    eligibility = page.locator("#eligibility")
    expect(eligibility.get_by_role("heading", name="Why you are not eligible")).to_be_visible()
    expect(eligibility.get_by_role("listitem")).to_have_text([reason])
    expect(eligibility).to_contain_text(
        "Mentors need at least 8 years of experience in the field; your profile shows 7 years"
    )

    with scopes_disabled():
        application = Application.objects.get(program=program, membership=mentor, role=Role.MENTOR)
    assert application.status == ApplicationStatus.INELIGIBLE
    assert application.eligible is False
    assert {"ok": False, "text": reason} in application.eligibility_reasons


def test_department_faculty_ranks_three_hubs(page):
    department = OrganizationFactory(name="Department of Anesthesiology", slug="anesthesiology")
    program = ProgramFactory(organization=department, name="Faculty Hubs", model=ProgramModel.HUBS)
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["faculty"])
    GoalAreaFactory(program=program, name="Grant writing")
    research = AffinityGroupFactory(program=program, name="Research and discovery")
    education = AffinityGroupFactory(program=program, name="Education and leadership")
    airway = HubFactory(
        affinity_group=research,
        name="Airway outcomes",
        description="Multicentre studies of difficult-airway outcomes and registry work.",
    )
    pain = HubFactory(affinity_group=research, name="Perioperative pain", description="Opioid-sparing pathways.")
    simulation = HubFactory(
        affinity_group=education, name="Simulation education", description="Crisis resource management."
    )
    HubFactory(affinity_group=education, name="Departmental leadership", description="Running a division.")
    HubFactory(affinity_group=education, name="Retired hub", is_active=False)
    faculty = MembershipFactory(organization=department, status="faculty", user__full_name="Aiko Tanaka")

    _sign_in(page, faculty.user.email)
    _open_program(page, department, program)
    page.get_by_role("button", name="Apply as a mentee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mentee application")

    first = page.get_by_label("First choice")
    second = page.get_by_label("Second choice")
    third = page.get_by_label("Third choice")
    # Only active hubs can be ranked, grouped by affinity group.
    expect(first.locator("optgroup")).to_have_count(2)
    expect(first.locator("option", has_text="Retired hub")).to_have_count(0)
    first.select_option(label="Simulation education")
    second.select_option(label="Airway outcomes")
    third.select_option(label="Perioperative pain")
    page.get_by_label("Your goals").fill("Start an education research program in simulation.")
    page.get_by_label("Grant writing").check()
    page.get_by_label("Phone").check()
    page.get_by_label("Preferences about your mentor").fill("Someone outside my own division.")
    page.get_by_label(PRINCIPLES).check()
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("alert")).to_contain_text("Your application is submitted.")
    expect(page.locator("#application-status")).to_have_text("Eligible")
    # The ranking as saved.
    expect(page.get_by_label("First choice")).to_have_value(str(simulation.pk))
    expect(page.get_by_label("Second choice")).to_have_value(str(airway.pk))
    expect(page.get_by_label("Third choice")).to_have_value(str(pain.pk))

    with scopes_disabled():
        application = Application.objects.get(program=program, membership=faculty, role=Role.MENTEE)
        choices = list(HubChoice.objects.filter(application=application).order_by("rank").values_list("rank", "hub"))
    assert application.status == ApplicationStatus.ELIGIBLE
    assert choices == [(1, simulation.pk), (2, airway.pk), (3, pain.pk)]

    # The hub catalogue, from the form.
    page.get_by_role("link", name="hub catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hubs of scholarly excellence")
    expect(page.get_by_role("heading", name="Research and discovery")).to_be_visible()
    card = page.locator(f"#hub-{airway.pk}")
    expect(card.get_by_role("heading", name="Airway outcomes")).to_be_visible()
    expect(card).to_contain_text("Multicentre studies of difficult-airway outcomes and registry work.")
    expect(page.get_by_text("Retired hub")).to_have_count(0)

    # And from the program page.
    page.go_back()
    _breadcrumb_to_program(page, program)
    expect(page.get_by_text("Your application:")).to_contain_text("Eligible")
    page.get_by_role("link", name="Browse the hubs").click()
    expect(page.locator(f"#hub-{simulation.pk}")).to_contain_text("Crisis resource management.")


def test_alumnus_biosketch_is_read_by_the_programs_mentees(make_page):
    network = OrganizationFactory(name="Residency Alumni Network", slug="alumni")
    program = ProgramFactory(organization=network, name="Alumni Mentors", model=ProgramModel.SELF_SELECT)
    EligibilityRuleFactory(program=program, role=Role.MENTOR, allowed_statuses=["alumni"])
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["trainee"])
    GoalAreaFactory(program=program, name="Fellowship applications")
    GoalAreaFactory(program=program, name="Choosing a practice")
    alumnus = MembershipFactory(organization=network, status="alumni", user__full_name="Grace Oyelaran")
    trainee = MembershipFactory(organization=network, status="trainee", user__full_name="Tomás Ruiz")
    newcomer = MembershipFactory(organization=network, status="trainee", user__full_name="Lena Fischer")

    # The alumnus writes a biosketch, then volunteers as a mentor.
    page = make_page()
    _sign_in(page, alumnus.user.email)
    page.locator("#my-organizations").get_by_role("link", name=network.name).click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"My profile in {network.name}")
    page.get_by_label("Graduation year").fill("2009")
    page.get_by_label("Current institution").fill("Lakeshore University Hospital")
    page.get_by_label("Clinical interests").fill("Pediatric cardiac anesthesia")
    page.get_by_label("Research interests").fill("Neurodevelopmental outcomes after bypass")
    page.get_by_label("Short bio").fill("Fifteen years at Lakeshore; I enjoy helping residents choose fellowships.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved.")
    expect(page.get_by_label("Current institution")).to_have_value("Lakeshore University Hospital")

    with scopes_disabled():
        profile = Profile.objects.get(membership=alumnus)
    assert profile.graduation_year == 2009
    assert profile.institution == "Lakeshore University Hospital"
    assert profile.clinical_interests == "Pediatric cardiac anesthesia"
    assert profile.research_interests == "Neurodevelopmental outcomes after bypass"
    assert profile.bio.startswith("Fifteen years at Lakeshore")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Programs").click()
    page.get_by_role("link", name=program.name).click()
    page.get_by_role("button", name="Apply as a mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mentor application")
    page.get_by_label("What can you offer as a mentor?").fill("Advice on fellowship interviews and early practice.")
    page.get_by_label("Fellowship applications").check()
    page.get_by_label("Video").check()
    page.get_by_label(PRINCIPLES).check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#application-status")).to_have_text("Eligible")

    # A trainee applies as a mentee, then reads the mentors' biosketches.
    mentee_page = make_page()
    _sign_in(mentee_page, trainee.user.email)
    _open_program(mentee_page, network, program)
    expect(mentee_page.get_by_text("Once you have applied as a mentee you can read")).to_be_visible()
    expect(mentee_page.get_by_role("link", name="Browse mentors")).to_have_count(0)
    mentee_page.get_by_role("button", name="Apply as a mentee").click()
    mentee_page.get_by_label("Your goals").fill("Decide between fellowship and community practice.")
    mentee_page.get_by_label("Choosing a practice").check()
    mentee_page.get_by_label("Phone").check()
    mentee_page.get_by_label(PRINCIPLES).check()
    mentee_page.get_by_role("button", name="Submit application").click()
    expect(mentee_page.locator("#application-status")).to_have_text("Eligible")
    _breadcrumb_to_program(mentee_page, program)
    mentee_page.get_by_role("link", name="Browse mentors").click()

    expect(mentee_page.get_by_role("heading", level=1)).to_have_text("Mentors' biosketches")
    sketch = mentee_page.locator("article").filter(has=mentee_page.get_by_role("heading", name="Grace Oyelaran"))
    expect(sketch).to_have_count(1)
    expect(sketch).to_contain_text("Lakeshore University Hospital")
    expect(sketch).to_contain_text("2009")
    expect(sketch).to_contain_text("Pediatric cardiac anesthesia")
    expect(sketch).to_contain_text("Neurodevelopmental outcomes after bypass")
    expect(sketch).to_contain_text("I enjoy helping residents choose fellowships.")
    expect(sketch).to_contain_text("Fellowship applications")
    # Searching by interest finds her.
    mentee_page.get_by_label("Name or interest").fill("cardiac")
    mentee_page.get_by_role("button", name="Search").click()
    expect(mentee_page.get_by_label("Name or interest")).to_have_value("cardiac")
    expect(mentee_page.locator("article")).to_have_count(1)
    expect(mentee_page.locator("article")).to_contain_text("Grace Oyelaran")

    # A trainee who has not applied may not read them.
    outsider = make_page()
    _sign_in(outsider, newcomer.user.email)
    _open_program(outsider, network, program)
    expect(outsider.get_by_role("link", name="Browse mentors")).to_have_count(0)
    # Fetched with the outsider's session rather than navigated to: Chromium reports any 4xx
    # document as a console error ("Failed to load resource"), which make_page treats as a failure.
    response = outsider.request.get(f"/o/alumni/programs/{program.slug}/mentors/")
    assert response.status == 403
    html = response.text()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert heading == "Biosketches are for the program's mentees"
    assert f"Apply to {program.name} as a mentee to read the mentors" in html
    assert "Grace Oyelaran" not in html
    assert "Lakeshore University Hospital" not in html
