"""Journey (issue 19): a circle's record. The facilitator schedules a meeting with an agenda
(one calendar invitation to everyone in the circle); a member answers "yes" on a phone; after
the meeting the facilitator records who came and writes the summary; the member reads it
and writes a private note; the coordinator sees the counts, never the text."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from circles.models import CircleMeeting, CircleNote, CircleRsvp
from tests.browser.journey_support import Screenshots
from tests.circles.record_world import record_world
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

# Browser tests run on the real clock (cookies): the days are relative to today.
pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
AGENDA = "Specific aims: bring one page to read aloud"
SUMMARY = "We read four aims pages and agreed on one change each"
NOTE = "Ask Fran about the budget justification"


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign In")).to_have_count(0)


def test_a_circle_meets_and_keeps_its_record(make_page, time_machine):
    shots = Screenshots("issue19-circle-record")
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    world = record_world(society, members=3)
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Casey Coordinator")
    circle_url = world.url()

    # The facilitator schedules the meeting, with its agenda.
    facilitator = make_page()
    _sign_in(facilitator, world.facilitator.user.email)
    facilitator.goto(circle_url)
    expect(facilitator.locator("#record-upcoming")).to_contain_text("No meeting is planned")
    facilitator.get_by_role("link", name="Schedule a meeting").click()
    day = timezone.localdate() + timedelta(days=7)
    facilitator.get_by_label("Date and time").fill(f"{day:%Y-%m-%d}T17:00")
    facilitator.get_by_label("Duration (minutes)").fill("90")
    facilitator.get_by_label("Place or link").fill("Room 4B")
    facilitator.get_by_label("Agenda").fill(AGENDA)
    shots(facilitator, "facilitator schedules a meeting")
    mail.outbox.clear()
    facilitator.get_by_role("button", name="Schedule the meeting").click()
    expect(facilitator.get_by_role("alert").filter(has_text="Meeting scheduled")).to_be_visible()
    shots(facilitator, "the meeting with its agenda")
    # One calendar invitation to each of the circle: the facilitator and the three members.
    everyone = sorted(p.user.email for p in [world.facilitator, *world.members])
    assert sorted(m.to[0] for m in mail.outbox) == everyone
    assert all("BEGIN:VCALENDAR" in m.alternatives[-1][0] for m in mail.outbox)

    # A member answers from a phone, on the circle's page.
    member = make_page(**PHONE)
    _sign_in(member, world.member.user.email)
    member.goto(circle_url)
    expect(member.locator("#record-upcoming")).to_contain_text(AGENDA)
    member.locator("#record-upcoming").get_by_role("button", name="Yes").click()
    expect(member.get_by_role("alert").filter(has_text="your answer is saved")).to_be_visible()
    expect(member.locator("#record-upcoming")).to_contain_text("You said yes")
    assert member.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shots(member, "a member answers yes on a phone")

    # After the meeting: the facilitator records who came and writes the summary.
    with scopes_disabled():
        meeting = CircleMeeting.objects.get(circle=world.circle)
    time_machine.move_to(meeting.starts_at + timedelta(hours=2))
    facilitator = make_page()
    _sign_in(facilitator, world.facilitator.user.email)
    facilitator.goto(world.url(f"meetings/{meeting.pk}/"))
    expect(facilitator.locator("#answer-list")).to_contain_text("Member 1: coming")
    facilitator.get_by_label("Fran Facilitator (facilitator)").check()
    facilitator.get_by_label("Member 1").check()
    facilitator.get_by_label("Member 2").check()
    facilitator.get_by_role("button", name="Save attendance").click()
    expect(facilitator.get_by_role("alert").filter(has_text="Attendance saved")).to_be_visible()
    facilitator.get_by_role("textbox", name="Summary").fill(SUMMARY)
    facilitator.get_by_role("button", name="Save the summary").click()
    expect(facilitator.get_by_role("alert").filter(has_text="Summary saved")).to_be_visible()
    expect(facilitator.locator("#meeting-attended")).to_have_text("3")
    shots(facilitator, "the facilitator records attendance and the summary")

    # The member reads the summary and keeps a private note.
    member = make_page(**PHONE)
    _sign_in(member, world.member.user.email)
    member.goto(circle_url)
    expect(member.locator("#record-past")).to_contain_text(SUMMARY)
    member.locator("#record-past").get_by_role("link", name=re.compile(f"{day.day} {day:%B}")).click()
    expect(member.locator("#summary-text")).to_contain_text(SUMMARY)
    member.get_by_role("textbox", name="My private note").fill(NOTE)
    member.get_by_role("button", name="Save my note").click()
    expect(member.get_by_role("alert").filter(has_text="Only you can read it")).to_be_visible()
    expect(member.locator("#meeting-notes")).to_contain_text(NOTE)
    shots(member, "the member reads the summary and writes a private note")

    with scopes_disabled():
        assert CircleRsvp.objects.filter(meeting=meeting, attended=True).count() == 3
        assert CircleNote.objects.get(author=world.member).text == NOTE

    # Another member sees the summary, not the note.
    other = make_page()
    _sign_in(other, world.members[1].user.email)
    other.goto(circle_url)
    expect(other.locator("#record-past")).to_contain_text(SUMMARY)
    assert NOTE not in other.content()

    # The coordinator sees the counts, never the text.
    office = make_page()
    _sign_in(office, coordinator.user.email)
    office.goto(circle_url)
    expect(office.get_by_role("heading", name="The circle's record")).to_be_visible()
    body = office.content()
    for secret in (AGENDA, SUMMARY, NOTE, "Room 4B"):
        assert secret not in body
    assert office.request.get(world.url(f"meetings/{meeting.pk}/")).status == 404
    assert office.request.get(world.url("notes/")).status == 404
    shots(office, "the coordinator sees counts only")
    assert timezone.now() > meeting.starts_at
