"""Journey: a pair fills and submits the quarterly report. The mentee writes the three
fields, saves and confirms; the mentor reads the text and confirms, which submits it; a
coordinator then sees it submitted, with the barrier, on the program's reports page."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from surveys.models import QuarterlyReport
from surveys.periods import quarter_of
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_a_pair_fills_and_submits_the_quarterly_report(make_page, live_server):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, user__full_name="Omar Office", is_coordinator=True)
    mentorship = dana_and_nia(
        society, program={"slug": "mentorship", "name": "Mentorship Program", "quarterly_reports": True}
    )
    mentor, mentee = mentorship.mentor, mentorship.mentee
    year, quarter = quarter_of(timezone.localdate())
    label = f"Q{quarter} {year}"
    goals = "Submitted the pilot grant and presented at grand rounds."
    plans = "Draft the first paper and find a statistician."
    barrier = "The call rota leaves no protected research time."

    # The mentee finds the report from the relationship page and writes it.
    mentee_page = make_page()
    _sign_in(mentee_page, mentee.user.email)
    mentee_page.goto(f"/o/western/mentorships/{mentorship.pk}/")
    mentee_page.get_by_role("link", name="Your quarterly reports").click()
    mentee_page.get_by_role("link", name=f"Write the {label} report").first.click()
    expect(mentee_page.locator("#report-status")).to_have_text("Not started")
    mentee_page.get_by_label("Goals achieved").fill(goals)
    mentee_page.get_by_label("Plans for the next quarter").fill(plans)
    mentee_page.get_by_label("Barriers to ongoing success").fill(barrier)
    mentee_page.get_by_role("button", name="Save the report").click()
    expect(mentee_page.get_by_role("alert").first).to_contain_text("Report saved")
    expect(mentee_page.get_by_label("Barriers to ongoing success")).to_have_value(barrier)
    mentee_page.get_by_role("button", name="Confirm and submit").click()
    expect(mentee_page.get_by_role("alert").first).to_contain_text("Dana Whitfield has been asked to confirm")
    expect(mentee_page.locator("#report-status")).to_have_text("Mentee confirmed")

    with scopes_disabled():
        report = QuarterlyReport.objects.get(mentorship=mentorship, year=year, quarter=quarter)
    assert (report.revision, report.mentee_confirmed_revision, report.submitted_at) == (1, 1, None)
    assert report.updated_by == mentee
    assert [m.to for m in mail.outbox] == [[mentor.user.email]]
    assert mail.outbox[0].subject == f"Nia Mensah confirmed the {label} report — your confirmation submits it"

    # The mentor follows the link in the email, reads the text and confirms: submitted.
    link = re.search(r"http://\S+/reports/\d+/\d/", mail.outbox[0].body).group(0)
    mentor_page = make_page()
    _sign_in(mentor_page, mentor.user.email)
    mentor_page.goto(link.replace("http://testserver", ""))
    expect(mentor_page.get_by_label("Goals achieved")).to_have_value(goals)
    expect(mentor_page.get_by_label("Plans for the next quarter")).to_have_value(plans)
    expect(mentor_page.get_by_text("Nia Mensah confirmed this text")).to_be_visible()
    mentor_page.get_by_role("button", name="Confirm and submit").click()
    expect(mentor_page.get_by_role("alert").first).to_contain_text("Submitted to the program office")
    expect(mentor_page.locator("#report-status")).to_have_text("Submitted")
    expect(mentor_page.locator("#report-text")).to_contain_text(barrier)
    expect(mentor_page.get_by_role("button", name="Save the report")).to_have_count(0)

    with scopes_disabled():
        report.refresh_from_db()
    assert report.submitted_at is not None
    assert report.mentor_confirmed_revision == report.mentee_confirmed_revision == 1
    recipients = [sorted(m.to) for m in mail.outbox]
    assert sorted([mentor.user.email, mentee.user.email]) in recipients
    assert [coordinator.user.email] in recipients

    # The program office sees it submitted, with the barrier.
    office = make_page()
    _sign_in(office, coordinator.user.email)
    office.goto("/o/western/programs/mentorship/reports/")
    expect(office.get_by_role("heading", level=1)).to_contain_text(f"{label} reports")
    row = office.locator("#report-table tbody tr").filter(has_text="Dana Whitfield")
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text(barrier)
    row.locator("summary").click()
    expect(row.get_by_text(goals)).to_be_visible()
    expect(office.locator("#report-counts")).to_contain_text("Submitted")

    # On a phone the table scrolls instead of breaking the layout.
    office.set_viewport_size({"width": 390, "height": 800})
    office.reload()
    expect(row).to_contain_text(barrier)
