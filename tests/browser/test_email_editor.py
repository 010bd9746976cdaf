"""Journey: a coordinator rewords the "Application decision" email, previews it (the
preview shows the change, filled in with sample data), saves it, sends a decision, and
finds the email — in the new wording, greeting the applicant by name, in the
organization's colour — in the development mailbox."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import ApplicationStatus, Role
from tests.browser.journey_support import sign_in as _sign_in
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(settings, tmp_path):
    # The live server runs with DEBUG off: the mailbox is turned on by its own setting.
    settings.DEV_MAILBOX = True
    settings.DEV_MAILBOX_DIR = tmp_path / "mail"
    settings.EMAIL_BACKEND = "mentorship.devmail.MailboxBackend"
    return tmp_path / "mail"


def test_a_coordinator_rewords_an_email_previews_it_and_sees_it_sent(make_page, live_server, settings, mailbox):
    settings.SITE_URL = live_server.url
    org = OrganizationFactory(name="Western Surgical Society", slug="western", brand_colour="#7a1f5c")
    coordinator = MembershipFactory(organization=org, is_coordinator=True, user__full_name="Maria Santos")
    program = ProgramFactory(organization=org, name="Surgical Mentoring", slug="surgical", is_published=True)
    application = ApplicationFactory(
        program=program,
        role=Role.MENTEE,
        status=ApplicationStatus.ELIGIBLE,
        membership__user__full_name="Ana Lopez",
        submitted_at=timezone.now(),
    )

    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/settings/")
    page.get_by_role("link", name="Edit email wording").click()
    expect(page.get_by_role("heading", name="Emails", exact=True)).to_be_visible()
    page.get_by_role("link", name="Application decision").click()
    expect(page.get_by_role("heading", name="Application decision")).to_be_visible()

    page.get_by_label(re.compile(r"^\s*Subject")).fill("Good news from {{ organization_name }}")
    page.get_by_label(re.compile(r"^\s*Message")).fill(
        "{{ greeting }}\n\nYou are {{ decision }} in {{ program_name }}. We look forward to it!"
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#email-preview")
    expect(preview.locator("[data-preview=subject]")).to_have_text("Good news from Western Surgical Society")
    expect(preview.locator("[data-preview=text]")).to_contain_text("You are accepted in Surgical Mentoring 2026.")
    frame = page.frame_locator("iframe[title='HTML version of the email']")
    expect(frame.get_by_text("We look forward to it!")).to_be_visible()

    # A tag that reads files is refused on the form.
    page.get_by_label(re.compile(r"^\s*Message")).fill("{% include 'email/base.html' %}")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text(re.compile(r"\{% include %\} is not allowed"))).to_be_visible()

    page.get_by_label(re.compile(r"^\s*Message")).fill(
        "{{ greeting }}\n\nYou are {{ decision }} in {{ program_name }}. We look forward to it!"
    )
    page.get_by_role("button", name="Save wording").click()
    expect(page.get_by_role("alert")).to_contain_text("now goes out in your wording")

    # The decision goes out in the new wording.
    page.goto(f"/o/western/programs/surgical/applications/{application.pk}/")
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_role("alert").first).to_be_visible()

    page.goto("/dev/mailbox/")
    expect(page.get_by_role("heading", name="Development mailbox")).to_be_visible()
    page.get_by_role("link", name="Good news from Western Surgical Society").click()
    expect(page.locator("[data-mailbox=text]")).to_contain_text("Hello Ana Lopez,")
    expect(page.locator("[data-mailbox=text]")).to_contain_text("You are accepted in Surgical Mentoring.")
    message = page.frame_locator("iframe[title='HTML version of the email']")
    expect(message.get_by_text("Western Surgical Society", exact=True)).to_be_visible()
    expect(message.get_by_text("We look forward to it!")).to_be_visible()
