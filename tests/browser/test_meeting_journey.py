"""Journey: the mentee schedules a meeting and writes the agenda; the mentor reads it, logs
the meeting with a summary and a private note; the mentee sees the summary, not the note."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from relationships.models import ContentRead, Meeting, Mentorship
from tests.factories import PASSWORD, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_schedule_agenda_log_summary_and_private_note(make_page, live_server):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    mentorship = dana_and_nia(society, program={"slug": "mentorship", "name": "Mentorship Program"})
    mentor, mentee = mentorship.mentor, mentorship.mentee
    meetings_url = f"/o/western/mentorships/{mentorship.pk}/meetings/"

    mentee_page = make_page()
    _sign_in(mentee_page, mentee.user.email)
    mentee_page.goto(meetings_url)
    when = (timezone.now() + timedelta(days=7)).strftime("%Y-%m-%d") + "T15:00"
    mentee_page.get_by_label(re.compile(r"^\s*Date and time")).fill(when)
    mentee_page.get_by_label(re.compile(r"^\s*Duration")).fill("60")
    mentee_page.get_by_label("How you will meet").select_option("video")
    mentee_page.get_by_label(re.compile(r"^\s*Place or link")).fill("https://meet.example.org/nia-dana")
    mentee_page.get_by_role("button", name="Schedule the meeting").click()
    expect(mentee_page.get_by_role("alert")).to_contain_text("Meeting scheduled")
    agenda = "What I want: a plan for my first grant. Pressing: time for research. Background: new post."
    mentee_page.get_by_role("textbox", name="Agenda").fill(agenda)
    mentee_page.get_by_role("button", name="Save the agenda").click()
    expect(mentee_page.get_by_role("alert")).to_contain_text("Agenda saved")

    with scopes_disabled():
        meeting = Meeting.objects.get(mentorship=mentorship)
        # The meeting has taken place.
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))

    mentor_page = make_page()
    _sign_in(mentor_page, mentor.user.email)
    mentor_page.goto(meetings_url)
    mentor_page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    expect(mentor_page.locator("#agenda-text")).to_contain_text("a plan for my first grant")
    summary = "We mapped the grant timeline and agreed two protected research afternoons a month."
    mentor_page.get_by_label("Yes, we met").check()
    mentor_page.get_by_label(re.compile(r"^\s*Actual duration")).fill("55")
    mentor_page.get_by_role("textbox", name="Summary").fill(summary)
    mentor_page.get_by_role("button", name="Save the log").click()
    expect(mentor_page.get_by_role("alert")).to_contain_text("Meeting logged")
    expect(mentor_page.locator("#meeting-status")).to_have_text("Held")
    note = "Nia seems stretched thin; check in about workload next time."
    mentor_page.get_by_role("textbox", name="My private note").fill(note)
    mentor_page.get_by_role("button", name="Save my note").click()
    expect(mentor_page.get_by_role("alert")).to_contain_text("Only you can read it")
    expect(mentor_page.get_by_role("textbox", name="My private note")).to_have_value(note)

    with scopes_disabled():
        assert ContentRead.objects.filter(reader=mentor, kind="agenda", object_id=meeting.pk).exists()

    mentee_page.goto(f"{meetings_url}{meeting.pk}/")
    expect(mentee_page.locator("#summary-text")).to_contain_text("protected research afternoons")
    expect(mentee_page.get_by_role("textbox", name="My private note")).to_have_value("")
    expect(mentee_page.get_by_text(note)).to_have_count(0)
    mentee_page.goto(meetings_url)
    expect(mentee_page.locator("#access-log")).to_contain_text("Dana Whitfield read your agenda for")

    # A second meeting held: the relationship moves on from exploration to understanding.
    with scopes_disabled():
        assert Mentorship.objects.get(pk=mentorship.pk).stage == "exploration"
        second = Meeting.objects.create(
            organization=society,
            mentorship=mentorship,
            scheduled_by=mentee,
            starts_at=timezone.now() - timedelta(days=1),
            mode="video",
        )
    mentor_page.goto(f"{meetings_url}{second.pk}/")
    mentor_page.get_by_label("Yes, we met").check()
    mentor_page.get_by_label(re.compile(r"^\s*Actual duration")).fill("45")
    mentor_page.get_by_role("textbox", name="Summary").fill("Reviewed the draft aims page together.")
    mentor_page.get_by_role("button", name="Save the log").click()
    expect(mentor_page.get_by_role("alert")).to_contain_text("Meeting logged")
    mentee_page.goto(f"/o/western/mentorships/{mentorship.pk}/")
    expect(mentee_page.locator("main")).to_contain_text("Understanding")
    with scopes_disabled():
        assert Mentorship.objects.get(pk=mentorship.pk).stage == "understanding"
