"""Issue 13, item 1: a mentor's biosketch is for the program's mentees and coordinators.

The mentor directory refused plain members (403), but a mentor's request page under it
(``…/mentors/<id>/request/``) showed the same biosketch to any member. Both now apply one
rule (``programs.selectors.profiles.can_read_biosketches``). The entry points are read from
the resolver: every page under a program's ``mentors/`` is checked, so a page added there
later is covered too.
"""

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from matching.models import MentorshipRequest
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.factories import ApplicationFactory, MembershipFactory, ProfileFactory, ProgramFactory
from tests.test_tenancy import _org_url_templates

pytestmark = pytest.mark.django_db

MARKER = "BIOSKETCH-MARKER-7QX"

# Who must be refused, and who may read (a mentee application in one of these states).
REFUSED = [
    "plain_member",
    "another_mentor",
    "committee_member",
    "mentee_with_a_draft",
    "mentee_who_withdrew",
    "mentee_declined",
    "mentee_ineligible",
    "mentee_of_another_program",
    "the_mentor_themselves",
]
ALLOWED = ["mentee_submitted", "mentee_eligible", "mentee_accepted", "mentee_waitlisted", "coordinator"]


def _entry_points() -> list[str]:
    """Every route of a program's mentor pages (the directory and what hangs under it)."""
    return sorted(route for _name, route in _org_url_templates() if "/programs/<slug:program_slug>/mentors/" in route)


def test_the_entry_points_are_found():
    routes = _entry_points()
    assert any(route.endswith("/mentors/") for route in routes)
    assert any("<int:mentor_pk>/request/" in route for route in routes)


@pytest.fixture
def world(org_a):
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    other_program = ProgramFactory(organization=org_a, slug="society")
    mentor = ApplicationFactory(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED, capacity=3
    ).membership
    ProfileFactory(membership=mentor, bio=f"{MARKER} twenty years of vascular surgery", institution="General")
    people = {
        "plain_member": MembershipFactory(organization=org_a),
        "another_mentor": ApplicationFactory(
            program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED
        ).membership,
        "committee_member": MembershipFactory(organization=org_a, is_committee=True),
        "coordinator": MembershipFactory(organization=org_a, is_coordinator=True),
        "mentee_of_another_program": ApplicationFactory(
            program=other_program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED
        ).membership,
        "the_mentor_themselves": mentor,
    }
    for key, status in (
        ("mentee_with_a_draft", ApplicationStatus.DRAFT),
        ("mentee_who_withdrew", ApplicationStatus.WITHDRAWN),
        ("mentee_declined", ApplicationStatus.DECLINED),
        ("mentee_ineligible", ApplicationStatus.INELIGIBLE),
        ("mentee_submitted", ApplicationStatus.SUBMITTED),
        ("mentee_eligible", ApplicationStatus.ELIGIBLE),
        ("mentee_accepted", ApplicationStatus.ACCEPTED),
        ("mentee_waitlisted", ApplicationStatus.WAITLISTED),
    ):
        people[key] = ApplicationFactory(program=program, role=Role.MENTEE, status=status).membership
    return program, mentor, people


def _urls(program, mentor) -> list[str]:
    urls = []
    for route in _entry_points():
        url = "/" + route.replace("<slug:org_slug>", "alpha").replace("<slug:program_slug>", program.slug)
        url = url.replace("<int:mentor_pk>", str(mentor.pk))
        assert "<" not in url, f"teach this test the converter in {route}"
        urls.append(url)
    return urls


@pytest.mark.parametrize("who", REFUSED)
def test_the_biosketch_is_refused_on_every_mentor_page(world, who):
    program, mentor, people = world
    client = Client()
    client.force_login(people[who].user)
    for url in _urls(program, mentor):
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"message": "Please mentor me."} if method == "post" else None)
            assert response.status_code == 403, (who, method, url, response.status_code)
            assert MARKER.encode() not in response.content, (who, method, url)
    with scopes_disabled():
        assert not MentorshipRequest.objects.exists()
    # Nor is there a way in from the program page.
    page = client.get(f"/o/alpha/programs/{program.slug}/")
    assert page.status_code == 200
    assert not re.search(rf'href="/o/alpha/programs/{program.slug}/mentors/', page.content.decode())


@pytest.mark.parametrize("who", ALLOWED)
def test_the_programs_mentees_and_coordinators_read_it(world, who):
    program, mentor, people = world
    client = Client()
    client.force_login(people[who].user)
    for url in _urls(program, mentor):
        response = client.get(url)
        assert response.status_code == 200, (who, url)
        assert MARKER.encode() in response.content, (who, url)


def test_a_stranger_to_the_mentor_id_learns_nothing_before_the_rule(world):
    """For a refused member, a made-up mentor id answers like a real one (403, not 404)."""
    program, _mentor, people = world
    client = Client()
    client.force_login(people["plain_member"].user)
    assert client.get(f"/o/alpha/programs/{program.slug}/mentors/999999/request/").status_code == 403
