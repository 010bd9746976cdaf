"""Journey (issue 19): group circles, from an empty organization. The coordinator creates a
circles program and a circle and adds its facilitator; accepted members join it (the last
one is waitlisted, position shown), sign its agreement and see it on a phone; a second
circle is formed from a member's ranked choice through a formation round; the coordinator
sees the circle's metadata, never what it writes. (The people and their accepted
applications are made with factories: the application path has its own journeys.)"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from circles.models import Circle, CircleAgreementSignature, CircleMeeting, CircleMember
from programs.models import ApplicationStatus, Program, Role
from tests.browser import journey_support as j
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PROGRAM = "Early Career Circles"


def _join_and_sign(page, name, *, waitlisted=False):
    j.sign_in(page, f"{name.split()[0].lower()}@lakeshore.example.org")
    page.goto("/o/lakeshore/programs/circles/circles/")
    page.get_by_role("button", name=re.compile("Join (this circle|the waitlist) Grant writers")).click()
    if waitlisted:
        expect(page.get_by_role("alert").filter(has_text="waitlist")).to_contain_text("number 1 on its waitlist")
        return
    expect(page.get_by_role("heading", level=1)).to_contain_text("Circle Agreement: Grant writers")
    page.get_by_label("I have read the notice above and agree to sign electronically.").check()
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_role("alert").filter(has_text="You signed")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grant writers")


def test_circles_from_an_empty_organization(make_page):
    shot = j.Screenshots("issue19-circles")
    organization = OrganizationFactory(name="Lakeshore Department", slug="lakeshore")
    people = {}
    with scopes_disabled():
        people["coordinator"] = MembershipFactory(
            organization=organization,
            is_coordinator=True,
            user__full_name="Marisol Vega",
            user__email="marisol@lakeshore.example.org",
        )
        for name in ("Dana Whitfield", "Nia Mensah", "Omar Haddad", "Priya Nair", "Quinn Baker"):
            people[name] = MembershipFactory(
                organization=organization,
                user__full_name=name,
                user__email=f"{name.split()[0].lower()}@lakeshore.example.org",
            )

    office = make_page()
    j.sign_in(office, "marisol@lakeshore.example.org")
    j.create_program(
        office,
        organization,
        name=PROGRAM,
        slug="circles",
        description="Small groups around one theme with one or two facilitators.",
        model="circles",
        min_commitment_months=6,
        meeting_cadence="monthly",
        in_person_cadence="",
        first_meeting_days=30,
        six_month_assessment=False,
        yearly_review=False,
        quarterly_reports=False,
        default_mentees=1,
        max_mentees=1,
        mentor_statuses=["Member"],
        mentee_statuses=["Member"],
        goal_areas=["Writing grants and finding funding", "Teaching effectively"],
    )
    with scopes_disabled():
        program = Program.objects.get(organization=organization, slug="circles")
        ApplicationFactory(
            program=program, membership=people["Dana Whitfield"], role=Role.MENTOR, status=ApplicationStatus.ACCEPTED
        )
        for name in ("Nia Mensah", "Omar Haddad", "Priya Nair", "Quinn Baker"):
            ApplicationFactory(
                program=program, membership=people[name], role=Role.MENTEE, status=ApplicationStatus.ACCEPTED
            )

    # The coordinator: the program page → Circles → Create a circle.
    office.get_by_role("link", name="Circles", exact=True).first.click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Circles")
    expect(office.get_by_text("No circles yet.")).to_be_visible()
    shot(office, "no circles yet")
    office.get_by_role("link", name="Create a circle").click()
    today = timezone.localdate()
    office.get_by_label("Name").fill("Grant writers")
    office.get_by_label("Theme").fill("Writing your first grant")
    office.get_by_label("Goal area").select_option(label="Writing grants and finding funding")
    office.get_by_label("Description").fill("Monthly, by video; bring your specific aims page.")
    office.get_by_label("Capacity").fill("3")
    office.get_by_label("Open to join").check()
    office.get_by_label("Starts on").fill(today.isoformat())
    office.get_by_label("Ends on").fill((today + timedelta(days=180)).isoformat())
    shot(office, "the circle form")
    office.get_by_role("button", name="Create the circle").click()
    expect(office.get_by_role("alert").filter(has_text="was created")).to_be_visible()
    office.get_by_role("link", name="Add people").click()
    office.get_by_label("Accepted applicant").select_option(label="Dana Whitfield")
    office.get_by_role("button", name="Add to the circle").click()
    expect(office.get_by_role("alert").filter(has_text="Dana Whitfield was added as facilitator")).to_be_visible()
    shot(office, "facilitator added")

    # Three members join and sign; the fourth is waitlisted.
    for name in ("Nia Mensah", "Omar Haddad", "Priya Nair"):
        member = make_page()
        _join_and_sign(member, name)
    shot(member, "a member signed and sees the circle")
    quinn = make_page()
    _join_and_sign(quinn, "Quinn Baker", waitlisted=True)
    expect(quinn.get_by_text("Number 1 on the waitlist")).to_be_visible()
    shot(quinn, "waitlisted")
    with scopes_disabled():
        circle = Circle.objects.get(name="Grant writers")
        assert CircleMember.objects.filter(circle=circle, status="active", role="member").count() == 3
        assert CircleAgreementSignature.objects.filter(circle=circle).count() == 3
        CircleMeeting.objects.create(
            organization=organization,
            circle=circle,
            starts_at=datetime.now(UTC) - timedelta(days=1),
            agenda="CONFIDENTIAL-AGENDA our aims pages",
            summary="CONFIDENTIAL-SUMMARY",
            created_by=people["Dana Whitfield"],
        )

    # On a phone, a member's circle page fits the screen.
    phone = make_page(**PHONE)
    j.sign_in(phone, "nia@lakeshore.example.org")
    phone.goto(f"/o/lakeshore/programs/circles/circles/{circle.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Grant writers")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(phone, "the circle on a phone")

    # A second circle, formed from choices: Quinn ranks it, the coordinator runs a round and applies it.
    office.goto("/o/lakeshore/programs/circles/circles/new/")
    office.get_by_label("Name").fill("Teaching circle")
    office.get_by_label("Theme").fill("Teaching in the operating room")
    office.get_by_label("Capacity").fill("4")
    office.get_by_label("Starts on").fill(today.isoformat())
    office.get_by_label("Ends on").fill((today + timedelta(days=120)).isoformat())
    office.get_by_role("button", name="Create the circle").click()
    expect(office.get_by_role("alert").filter(has_text="was created")).to_be_visible()

    quinn.goto("/o/lakeshore/programs/circles/circles/")
    quinn.get_by_role("link", name="Rank your top three circles").click()
    quinn.get_by_label("First choice").select_option(label="Teaching circle")
    quinn.get_by_role("button", name="Save my choices").click()
    expect(quinn.get_by_role("alert").filter(has_text="Your choices were saved")).to_be_visible()

    office.goto("/o/lakeshore/programs/circles/circles/")
    office.get_by_role("link", name="Formation rounds").click()
    office.get_by_role("button", name="Run a formation round").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text("Formation round")
    expect(office.get_by_text("The circle Teaching circle was your first choice.")).to_be_visible()
    shot(office, "round results with reasons")
    office.get_by_role("button", name="Apply: give members their places").click()
    expect(office.get_by_role("alert").filter(has_text="The round was applied")).to_be_visible()
    with scopes_disabled():
        assert CircleMember.objects.filter(
            circle__name="Teaching circle", membership=people["Quinn Baker"], origin="round"
        ).exists()

    # The coordinator sees the first circle's metadata, never its text.
    office.goto(f"/o/lakeshore/programs/circles/circles/{circle.pk}/")
    expect(office.get_by_text("Meetings held or planned")).to_be_visible()
    assert "CONFIDENTIAL" not in office.content()
    shot(office, "the coordinator sees counts only")
