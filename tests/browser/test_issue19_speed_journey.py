"""Journey (issue 19): a speed-mentoring event from an empty organization. The coordinator
turns speed events on in a program, creates an event, adds the approved mentors and
mentees, builds the schedule, downloads the printable schedules, checks people in on a
phone, marks the event held; a mentor and a mentee pick each other; the coordinator offers
the mutual pick and the offer reaches both."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from events.models import SpeedEvent, SpeedParticipant, SpeedSlot
from matching.models import Proposal
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.browser.journey_support import Screenshots, sign_in
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_speed_mentoring_event_from_start_to_a_mutual_offer(make_page):
    shot = Screenshots("issue19-speed")
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Casey Coordinator")
    program = ProgramFactory(
        organization=society, name="Annual Meeting Mentoring", slug="annual", model=ProgramModel.SELF_SELECT
    )
    people = {}
    with scopes_disabled():
        for name, role in (
            ("Dana Mentor", Role.MENTOR),
            ("Omar Mentor", Role.MENTOR),
            ("Nia Mentee", Role.MENTEE),
            ("Luis Mentee", Role.MENTEE),
            ("Mei Mentee", Role.MENTEE),
        ):
            membership = MembershipFactory(organization=society, user__full_name=name)
            ApplicationFactory(
                program=program, membership=membership, role=role, status=ApplicationStatus.ACCEPTED, capacity=2
            )
            people[name] = membership

    office = make_page()
    sign_in(office, coordinator.user.email)
    office.goto("/o/western/programs/annual/")
    expect(office.get_by_role("link", name="Speed-mentoring events")).to_have_count(0)
    office.get_by_role("link", name="Edit program").click()
    office.locator("#id_speed_events").check()
    office.locator("#id_goal_areas").fill("Research\nClinical skills")
    shot(office, "speed events on in the program")
    office.get_by_role("button", name="Save program").click()
    expect(office.get_by_role("alert").filter(has_text="Program saved.")).to_be_visible()
    office.goto("/o/western/programs/annual/")
    office.get_by_role("link", name="Speed-mentoring events").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Speed-mentoring events")
    expect(office.locator(".empty-state")).to_contain_text("No events yet")

    starts = timezone.localtime() + timedelta(days=1)
    office.get_by_label("Name").fill("Speed mentoring at the annual meeting")
    office.get_by_label("Starts at").fill(starts.strftime("%Y-%m-%dT14:00"))
    office.get_by_label("Location").fill("Hall B")
    office.locator("#id_rounds").fill("3")
    office.get_by_label("Minutes per round").fill("8")
    office.get_by_label("Minutes between rounds").fill("2")
    shot(office, "a new event")
    office.get_by_role("button", name="Create the event").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Speed mentoring at the annual meeting")

    office.get_by_role("button", name="Add all approved mentors and mentees").click()
    expect(office.get_by_role("alert")).to_contain_text("Added 5 approved mentors and mentees")
    office.get_by_role("button", name="Build the schedule").click()
    expect(office.get_by_role("alert")).to_contain_text("Schedule built")
    shot(office, "the event scheduled")
    office.get_by_role("link", name=re.compile("See the grid")).click()
    expect(office.get_by_role("table")).to_contain_text("Table 2")
    shot(office, "the grid of rounds and tables")
    office.go_back()

    with office.expect_download() as download:
        office.get_by_role("link", name=re.compile("personal schedules")).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith("-schedules.pdf")

    # On the day: the desk on a phone, search and tap.
    desk = make_page(**PHONE)
    sign_in(desk, coordinator.user.email)
    with scopes_disabled():
        event_pk = SpeedParticipant.objects.filter(membership=people["Nia Mentee"]).get().event_id
    desk.goto(f"/o/western/events/{event_pk}/desk/")
    expect(desk.locator("#checkin-counts")).to_contain_text("0 of 5 checked in")
    desk.get_by_label("Name or email").fill("Nia")
    desk.get_by_role("button", name="Find").click()
    desk.get_by_role("button", name="Check in Nia Mentee").click()
    expect(desk.locator("#checkin-counts")).to_contain_text("1 of 5 checked in")
    desk.get_by_label("Name or email").fill("Dana")
    desk.get_by_label("Name or email").press("Enter")
    dana_button = desk.get_by_role("button", name="Check in Dana Mentor")
    dana_button.focus()
    desk.keyboard.press("Enter")  # the keyboard works as well as a tap
    expect(desk.locator("#checkin-counts")).to_contain_text("2 of 5 checked in")
    shot(desk, "the check-in desk on a phone")
    assert desk.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    # The rounds run; the event is marked held once it has taken place.
    with scopes_disabled():
        SpeedEvent.objects.filter(pk=event_pk).update(starts_at=timezone.now() - timedelta(hours=2))
    office.reload()
    office.get_by_role("button", name="Mark as held and open picks").click()
    expect(office.get_by_role("alert")).to_contain_text("Marked as held")

    with scopes_disabled():
        assert SpeedSlot.objects.filter(
            event_id=event_pk, mentor__membership=people["Dana Mentor"], mentee__membership=people["Nia Mentee"]
        ).exists()
    for chooser, chosen in (("Dana Mentor", "Nia Mentee"), ("Nia Mentee", "Dana Mentor")):
        page = make_page()
        sign_in(page, people[chooser].user.email)
        page.goto(f"/o/western/events/{event_pk}/my-schedule/")
        expect(page.get_by_role("table")).to_contain_text(chosen)
        page.get_by_role("link", name="Whom would you like to continue with?").click()
        page.get_by_label(chosen).check()
        shot(page, f"{chooser} picks")
        page.get_by_role("button", name="Save my picks").click()
        expect(page.get_by_role("alert")).to_contain_text("Saved: 1 person chosen")
        page.close()

    office.reload()
    expect(office.get_by_role("region", name="After the event")).to_contain_text("Mutual so far: 1")
    office.get_by_role("button", name="Close picks and offer mutual picks").click()
    expect(office.get_by_role("alert")).to_contain_text("1 mutual picks offered")
    expect(office.get_by_role("region", name="After the event")).to_contain_text(
        "Dana Mentor (mentor) and Nia Mentee (mentee): offered"
    )
    shot(office, "the mutual pick offered")
    with scopes_disabled():
        proposal = Proposal.objects.get()
        assert (proposal.mentor, proposal.mentee, proposal.status) == (
            people["Dana Mentor"],
            people["Nia Mentee"],
            "offered",
        )

    mentee = make_page()
    sign_in(mentee, people["Nia Mentee"].user.email)
    mentee.goto(f"/o/western/events/{event_pk}/picks/")
    expect(mentee.get_by_text("Mutual: offered as a pair")).to_be_visible()
    mentee.get_by_role("link", name="See pairings waiting for your answer").click()
    expect(mentee.locator("main")).to_contain_text("Dana Mentor")
    shot(mentee, "the offer waiting for the mentee")
