"""Journey (issue 16): in a stable-mode program a mentee ranks a shortlist of mentors with
the keyboard alone (and on a phone's width), and a coordinator's stable round follows it
and says who used their own ranking."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from matching.services.rankings import ranking_save
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

MENTEE = "Ann Lindqvist"
MENTORS = {"Tess Okafor": "Trauma", "Vic Abernathy": "Vascular surgery", "Paul Moreau": "Plastic surgery"}


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _world():
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(
        organization=society,
        name="Surgeons Mentoring Surgeons",
        slug="surgeons",
        model=ProgramModel.COMMITTEE,
        rankings_open=True,
        shortlist_length=3,
        rankings_deadline=timezone.now() + timedelta(days=7),
    )
    mentors = {}
    for name, specialty in MENTORS.items():
        mentor = MembershipFactory(organization=society, user__full_name=name)
        ProfileFactory(membership=mentor, specialty=specialty)
        ApplicationFactory(
            program=program, membership=mentor, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED, capacity=1
        )
        mentors[name] = mentor
    mentee = MembershipFactory(organization=society, user__full_name=MENTEE)
    ProfileFactory(membership=mentee, specialty="Trauma")
    ApplicationFactory(program=program, membership=mentee, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED)
    return society, program, mentors, mentee


def _press(page, button, key):
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press(key)


def _my_list(page):
    return page.get_by_role("region", name="My list").get_by_role("listitem")


def test_a_mentee_ranks_mentors_with_the_keyboard_and_on_a_phone(make_page):
    society, program, mentors, mentee = _world()
    page = make_page()
    _sign_in(page, mentee.user.email)
    page.goto(f"/o/{society.slug}/")
    # The dashboard's to-do and link lead to the page.
    page.get_by_role("link", name="Rank your mentors", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rank your mentors")
    expect(page.locator("#ranking-deadline")).to_contain_text(re.compile(r"Rankings close on .+\(UTC\)"))
    expect(page.get_by_role("region", name="My list")).to_contain_text("Your list is empty")
    # The best suited by the program's scores comes first: the trauma surgeon.
    expect(page.get_by_role("region", name="Suggested mentors").get_by_role("heading", level=3).first).to_have_text(
        "Tess Okafor"
    )

    for name, key in (("Vic Abernathy", "Enter"), ("Tess Okafor", "Space"), ("Paul Moreau", "Enter")):
        _press(page, page.get_by_role("button", name=f"Add {name} to my list"), key)
        expect(page.locator(".messages")).to_contain_text("Added to your list.")
    expect(page.locator("#places-left")).to_contain_text("0 places left")
    expect(_my_list(page)).to_have_count(3)

    _press(page, page.get_by_role("button", name="Move Paul Moreau up"), "Enter")
    expect(page.locator(".messages")).to_contain_text("Moved up.")
    page.reload()
    expect(_my_list(page).nth(0)).to_contain_text("Vic Abernathy")
    expect(_my_list(page).nth(1)).to_contain_text("Paul Moreau")
    expect(_my_list(page).nth(2)).to_contain_text("Tess Okafor")

    # A phone's width: everything fits, nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    expect(page.get_by_role("button", name="Move Tess Okafor up")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_stable_round_follows_the_mentees_ranking(make_page):
    society, program, mentors, mentee = _world()
    with scope(organization=society):
        ranking_save(actor=mentee, program=program, ordered_ids=[mentors["Vic Abernathy"].pk])
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")

    office = make_page()
    _sign_in(office, coordinator.user.email)
    office.goto(f"/o/{society.slug}/programs/{program.slug}/rounds/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Match rounds")
    office.get_by_label("How to pair").select_option("stable_mentee")
    office.get_by_role("button", name="Run the engine").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Match round")
    expect(office.locator("#round-status")).to_have_text("Complete", timeout=30_000)

    section = office.get_by_role("region", name="Participants' own rankings")
    expect(section).to_contain_text("Used their own ranking: 1 mentee, 0 mentors.")
    expect(section).to_contain_text("Ranked by the program's scores: the rest (3 people).")
    section.get_by_text("Who used their own ranking").click()
    expect(section).to_contain_text(f"Mentees: {MENTEE}")
    # Her first choice, not the trauma surgeon the scores prefer.
    pair = office.locator("article").filter(has=office.get_by_role("heading", name=f"Vic Abernathy → {MENTEE}"))
    expect(pair).to_have_count(1)
    expect(office.locator("article").filter(has_text="Tess Okafor →")).to_have_count(0)
