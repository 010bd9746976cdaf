"""The coordinators' search of their organization (issue 15): people by name or email,
programs by name, relationships by either person's name; one organization only, a fixed
number of queries, 403 for everyone else."""

import pytest

from tests.factories import MembershipFactory, MentorshipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

URL = "/o/alpha/search/"


@pytest.fixture
def two_organizations(coordinator_a, coordinator_b):
    org_a, org_b = coordinator_a.organization, coordinator_b.organization
    program_a = ProgramFactory(organization=org_a, name="Surgeons Mentoring Surgeons", slug="sms")
    ProgramFactory(organization=org_b, name="Surgeons of Bravo", slug="sob")
    MentorshipFactory(
        program=program_a,
        mentor__user__full_name="Dana Whitfield",
        mentee__user__full_name="Nia Mensah",
    )
    MembershipFactory(organization=org_a, user__full_name="Quinn Alder", user__email="quinn@alpha.example.org")
    MembershipFactory(organization=org_b, user__full_name="Dana Bravo", user__email="dana@bravo.example.org")
    MentorshipFactory(
        program=ProgramFactory(organization=org_b, slug="bravo-program"),
        mentor__user__full_name="Dana Otherorg",
        mentee__user__full_name="Nia Otherorg",
    )
    return org_a, org_b


def _section(html: str, section_id: str) -> str:
    start = html.find(f'id="{section_id}"')
    return "" if start < 0 else html[start : html.find("</ul>", start)]


def test_people_programs_and_relationships_of_the_organization(client, coordinator_a, two_organizations):
    client.force_login(coordinator_a.user)
    html = client.get(URL, {"q": "dana"}).content.decode()
    people = _section(html, "search-people")
    assert "Dana Whitfield" in people
    relationships = _section(html, "search-relationships")
    assert "Dana Whitfield → Nia Mensah" in relationships
    assert "/o/alpha/mentorships/" in relationships
    assert "Otherorg" not in html and "Dana Bravo" not in html

    html = client.get(URL, {"q": "quinn@alpha"}).content.decode()
    assert "Quinn Alder" in _section(html, "search-people")

    html = client.get(URL, {"q": "surgeons"}).content.decode()
    programs = _section(html, "search-programs")
    assert "Surgeons Mentoring Surgeons" in programs and "/o/alpha/programs/sms/" in programs
    assert "Surgeons of Bravo" not in html

    # Either person's name finds the relationship.
    html = client.get(URL, {"q": "mensah"}).content.decode()
    assert "Dana Whitfield → Nia Mensah" in _section(html, "search-relationships")


def test_nothing_found_and_too_short(client, coordinator_a, two_organizations):
    client.force_login(coordinator_a.user)
    html = client.get(URL, {"q": "zzzz-nobody"}).content.decode()
    assert "Nothing matches" in html
    html = client.get(URL, {"q": "d"}).content.decode()
    assert "at least 2 characters" in html and "search-results" not in html
    html = client.get(URL).content.decode()
    assert 'name="q"' in html and "search-results" not in html


@pytest.mark.parametrize("q", ["a" * 500, "bad\x00value", "%", "_", "' OR 1=1 --"])
def test_odd_input_is_never_an_error(client, coordinator_a, two_organizations, q):
    client.force_login(coordinator_a.user)
    assert client.get(URL, {"q": q}).status_code == 200


def test_only_coordinators_search(client, coordinator_a, coordinator_b, two_organizations):
    committee = MembershipFactory(organization=coordinator_a.organization, is_committee=True)
    member = MembershipFactory(organization=coordinator_a.organization)
    for person in (committee, member):
        client.force_login(person.user)
        response = client.get(URL, {"q": "dana"})
        assert response.status_code == 403
        assert b"Whitfield" not in response.content
    client.force_login(coordinator_b.user)
    assert client.get(URL, {"q": "dana"}).status_code in (403, 404)
    assert client.post(URL, {"q": "dana"}).status_code in (403, 404, 405)


@pytest.mark.parametrize("size", [2, 40])
def test_a_bounded_number_of_queries(client, coordinator_a, django_assert_max_num_queries, size):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, name="Dana's program")
    for i in range(size):
        MentorshipFactory(program=program, mentor__user__full_name=f"Dana Mentor {i}")
        ProgramFactory(organization=org, name=f"Dana program {i}")
    client.force_login(coordinator_a.user)
    # Session, user, membership + organization, the switcher; then one query per group.
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"q": "dana"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="list-group-item"') <= 3 * 20
    if size > 20:
        assert "type more of a name" in html


@pytest.mark.django_db
def test_the_navigation_offers_the_search_to_coordinators_only(client, coordinator_a, member_a):
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/{coordinator_a.organization.slug}/programs/").content.decode()
    assert 'id="nav-search"' in page and f"/o/{coordinator_a.organization.slug}/search/" in page
    client.force_login(member_a.user)
    page = client.get(f"/o/{member_a.organization.slug}/programs/").content.decode()
    assert 'id="nav-search"' not in page
