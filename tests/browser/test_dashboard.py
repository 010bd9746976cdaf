"""Journey: a coordinator opens the program-health dashboard and sees the overdue pair."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import Cadence
from relationships.models import Meeting, MeetingStatus, Mentorship
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_the_dashboard_shows_an_overdue_pair(make_page, live_server):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(
        organization=society, slug="mentorship", name="Mentorship Program", meeting_cadence=Cadence.MONTHLY
    )
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Carol Coordinator")
    mentor = MembershipFactory(organization=society, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=society, user__full_name="Nia Mensah")
    on_time_mentor = MembershipFactory(organization=society, user__full_name="Omar Punctual")
    on_time_mentee = MembershipFactory(organization=society, user__full_name="Rita Ready")
    today = timezone.localdate()
    with scopes_disabled():
        late = Mentorship.objects.create(
            organization=society,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=today - timedelta(days=120),
            planned_end_on=today + timedelta(days=240),
        )
        Meeting.objects.create(
            organization=society,
            mentorship=late,
            starts_at=timezone.now() - timedelta(days=45),
            status=MeetingStatus.HELD,
            summary="A confidential summary nobody else reads",
        )
        Mentorship.objects.create(
            organization=society,
            program=program,
            mentor=on_time_mentor,
            mentee=on_time_mentee,
            origin="proposal",
            started_on=today - timedelta(days=5),
            planned_end_on=today + timedelta(days=360),
        )

    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/health/")
    expect(page.get_by_role("heading", name="Program health")).to_be_visible()
    overdue = page.get_by_role("table").filter(has_text="Days overdue")
    row = overdue.get_by_role("row").filter(has_text="Dana Whitfield")
    expect(row).to_contain_text("Nia Mensah")
    expect(row.get_by_role("cell").last).to_have_text("15")  # held 45 days ago, monthly: due 15 days ago
    expect(overdue).not_to_contain_text("Omar Punctual")
    expect(page.get_by_text("1 of 2 active pairings (50%) are on schedule")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("confidential summary")
    expect(page.get_by_role("img", name="Active pairings by stage")).to_be_visible()

    # The filter keeps the program, and the pair's link leads to its (metadata) page.
    page.get_by_label("Program", exact=True).select_option("mentorship")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url("/o/western/health/?program=mentorship")
    page.get_by_role("link", name="Dana Whitfield & Nia Mensah").click()
    expect(page).to_have_url(f"/o/western/mentorships/{late.pk}/")
