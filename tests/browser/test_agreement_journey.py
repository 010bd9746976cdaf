"""Journey: mentor and mentee fill the shared draft, both sign, the coordinator downloads the PDF."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from agreements.models import Agreement
from relationships.models import Mentorship
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pdf]


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def _open_agreement(page, slug, pk):
    page.goto(f"/o/{slug}/mentorships/{pk}/")
    page.get_by_role("link", name=re.compile("Open the agreement")).click()


def _sign(page, full_name):
    page.get_by_role("button", name="I agree to sign electronically").click()
    page.get_by_label(re.compile(r"^\s*Type your full name to sign\*?\s*$")).fill(full_name)
    page.get_by_label("I have read this agreement and I intend to sign it.").check()
    page.get_by_role("button", name=re.compile("^Sign version")).click()


def test_mentor_and_mentee_write_and_sign_and_the_coordinator_downloads(make_page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, slug="mentorship", name="Mentorship Program")
    coordinator = MembershipFactory(organization=society, is_coordinator=True)
    mentor = MembershipFactory(organization=society, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=society, user__full_name="Nia Mensah")
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=society,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=730),
        )

    mentee_page = make_page()
    _sign_in(mentee_page, mentee.user.email)
    _open_agreement(mentee_page, "western", mentorship.pk)
    mentee_page.get_by_role("button", name="Start the agreement").click()
    texts = {
        "Goals": "Publish my first two papers as senior author; lead a quality improvement project.",
        "How success will be measured": "Two submissions by June; the project presented at grand rounds.",
        "Meeting schedule": "Quarterly video calls of an hour, in person at the society's annual meeting.",
        "Opportunities for learning": "Shadowing in the OR, introductions to journal editors.",
        "Confidentiality": "What we discuss stays between us unless we both agree otherwise.",
        "Ground rules": "Reply within a week; cancel at least two days ahead.",
        "Feedback and evaluation": "Five minutes at the end of each call on what helped.",
    }
    for label, text in texts.items():
        mentee_page.get_by_label(label).fill(text)
    mentee_page.get_by_role("button", name="Save the draft").click()
    expect(mentee_page.get_by_role("alert")).to_contain_text("Draft saved")

    mentor_page = make_page()
    _sign_in(mentor_page, mentor.user.email)
    _open_agreement(mentor_page, "western", mentorship.pk)
    expect(mentor_page.get_by_label("Goals")).to_have_value(texts["Goals"])
    mentor_page.get_by_label("Opportunities for learning").fill(
        "Shadowing in the OR, introductions to journal editors, a slot on the society's education committee."
    )
    mentor_page.get_by_role("button", name="Save the draft").click()
    _sign(mentor_page, "Dana Whitfield")
    expect(mentor_page.get_by_role("alert")).to_contain_text("You signed")

    mentee_page.reload()
    expect(mentee_page.get_by_text(re.compile(r"✔ Dana Whitfield \(mentor\)"))).to_be_visible()
    _sign(mentee_page, "Nia Mensah")
    expect(mentee_page.get_by_role("alert")).to_contain_text("Signed by both of you")
    expect(mentee_page.locator("#agreement-status")).to_have_text("Signed")

    coordinator_page = make_page(accept_downloads=True)
    _sign_in(coordinator_page, coordinator.user.email)
    coordinator_page.goto("/o/western/programs/mentorship/")
    coordinator_page.get_by_role("link", name="Agreements").click()
    with coordinator_page.expect_download() as download_info:
        coordinator_page.get_by_role("link", name=re.compile("^PDF")).click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    with scopes_disabled():
        agreement = Agreement.objects.get()
    assert agreement.status == "signed" and agreement.pdf_sha256
    assert "education committee" in agreement.content["learning"]
