"""Issue 13, item 23 in a browser: two people, two pages, one draft. The mentee's older
page never writes back the mentor's section, and a section both changed is shown side
by side with the mentee's text kept in the field."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from agreements.models import Agreement
from tests.browser.journey_support import sign_in
from tests.factories import OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)

GROUND_RULES = "Reply within a week; cancel at least two days ahead."
FEEDBACK = "Five minutes at the end of each call on what helped."
MENTOR_FEEDBACK = "A written note after each quarter."


def _stored() -> dict:
    with scopes_disabled():
        return Agreement.objects.get().content


def test_two_pages_on_one_draft_lose_nothing(make_page, live_server):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    mentorship = dana_and_nia(society, program={"slug": "mentorship", "name": "Mentorship Program"})
    mentor, mentee = mentorship.mentor, mentorship.mentee
    url = f"/o/western/mentorships/{mentorship.pk}/agreement/"

    mentee_page = make_page()
    sign_in(mentee_page, mentee.user.email)
    mentee_page.goto(url)
    mentee_page.get_by_role("button", name="Start the agreement").click()
    mentor_page = make_page()
    sign_in(mentor_page, mentor.user.email)
    mentor_page.goto(url)  # both have the draft open now

    mentor_page.get_by_label("Ground rules").fill(GROUND_RULES)
    mentor_page.get_by_role("button", name="Save the draft").click()
    expect(mentor_page.get_by_role("alert")).to_contain_text("Draft saved")

    # The mentee, on the page opened before the mentor's save, edits Feedback and saves.
    expect(mentee_page.get_by_label("Ground rules")).to_have_value("")
    mentee_page.get_by_label("Feedback and evaluation").fill(FEEDBACK)
    mentee_page.get_by_role("button", name="Save the draft").click()
    expect(mentee_page.get_by_role("alert")).to_contain_text("Draft saved")
    expect(mentee_page.get_by_label("Ground rules")).to_have_value(GROUND_RULES)
    mentee_page.get_by_role("button", name="Save the draft").click()  # and again
    expect(mentee_page.get_by_role("alert")).to_contain_text("Nothing new to save")
    assert (_stored()["ground_rules"], _stored()["feedback"]) == (GROUND_RULES, FEEDBACK)

    # The mentor's page still holds the older Feedback: both changed it.
    mentor_page.get_by_label("Feedback and evaluation").fill(MENTOR_FEEDBACK)
    mentor_page.get_by_role("button", name="Save the draft").click()
    expect(mentor_page.get_by_role("alert").first).to_contain_text("Nia Mensah saved a newer version")
    conflict = mentor_page.locator("#conflict-feedback")
    expect(conflict).to_contain_text("Saved by Nia Mensah meanwhile")
    expect(conflict.locator("#theirs-feedback")).to_have_text(FEEDBACK)
    expect(mentor_page.get_by_label("Feedback and evaluation")).to_have_value(MENTOR_FEEDBACK)
    expect(mentor_page.get_by_label("Ground rules")).to_have_value(GROUND_RULES)
    assert _stored()["feedback"] == FEEDBACK  # nothing written by the refused save

    # The mentor combines both texts and saves: one text, nothing lost anywhere.
    mentor_page.get_by_label("Feedback and evaluation").fill(f"{FEEDBACK} {MENTOR_FEEDBACK}")
    mentor_page.get_by_role("button", name="Save the draft").click()
    expect(mentor_page.get_by_role("alert")).to_contain_text("Draft saved")
    expect(mentor_page.locator(".agreement-conflict")).to_have_count(0)
    assert _stored()["feedback"] == f"{FEEDBACK} {MENTOR_FEEDBACK}"
    assert _stored()["ground_rules"] == GROUND_RULES

    mentee_page.reload()
    expect(mentee_page.get_by_label("Feedback and evaluation")).to_have_value(re.compile(re.escape(MENTOR_FEEDBACK)))
