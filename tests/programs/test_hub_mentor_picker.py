"""The hub-mentor picker: a search by name or email (htmx as one types, a plain GET without
JavaScript) lists at most 20 active members of the organization; the page never lists every
member, and the form still accepts only an active member of the organization."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from programs.models import HubMentor, HubTheme, ProgramModel
from tests import html_rules
from tests.factories import (
    AffinityGroupFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_a(org_a):
    program = ProgramFactory(organization=org_a, model=ProgramModel.HUBS, slug="faculty", name="Faculty Mentorship")
    group = AffinityGroupFactory(program=program, name="Perioperative Outcomes")
    return HubFactory(affinity_group=group, name="Regional Anesthesia", theme=HubTheme.RESEARCH)


def url(name, *, org="alpha", **kwargs):
    return reverse(name, kwargs={"org_slug": org, "program_slug": "faculty", **kwargs})


@pytest.fixture
def many_members(org_a):
    return [
        MembershipFactory(
            organization=org_a,
            user=UserFactory(
                full_name=f"Member {i:03d} Smith" if i % 2 else f"Member {i:03d} Jones", email=f"m{i:03d}@x.org"
            ),
        )
        for i in range(60)
    ]


def test_the_hub_page_lists_no_members_until_one_searches(client, coordinator_a, hub_a, many_members):
    client.force_login(coordinator_a.user)
    html = client.get(url("hub_edit", pk=hub_a.pk)).content.decode()
    assert '<select name="membership"' not in html and "m001@x.org" not in html
    assert '<label class="form-label" for="mentor-q">Find a member by name or email</label>' in html
    assert 'data-hx-get="/o/alpha/programs/faculty/hubs/' in html and 'name="mentor_q"' in html
    assert "Search above, then choose the member here." in html
    assert html_rules.problems(html) == []


def test_the_search_finds_members_by_name_or_email_at_most_twenty(
    client, coordinator_a, hub_a, many_members, coordinator_b
):
    client.force_login(coordinator_a.user)
    search = url("hub_mentor_search", pk=hub_a.pk)
    smiths = client.get(search, {"mentor_q": "smith"}, headers={"HX-Request": "true"}).content.decode()
    assert smiths.count('type="radio" name="membership"') == 20
    assert "(the first 20; type more to narrow the search)" in smiths
    assert "Jones" not in smiths and "<html" not in smiths  # only the results, for htmx to swap in
    one = client.get(search, {"mentor_q": "m007@x"}).content.decode()
    assert one.count('type="radio"') == 1 and "Member 007 Smith" in one and "1 member matches" in one
    # Every word must match, in the name or the email.
    both = client.get(search, {"mentor_q": "Smith 01"}).content.decode()
    assert both.count('type="radio"') == 6  # 001 (its email), 011, 013, 015, 017, 019
    # Another organization's people and removed members are never found.
    MembershipFactory(organization=hub_a.organization, is_active=False, user=UserFactory(full_name="Gone Smithson"))
    html = client.get(search, {"mentor_q": "smithson"}).content.decode()
    assert "Gone Smithson" not in html and "No active member matches “smithson”." in html
    foreign = client.get(search, {"mentor_q": coordinator_b.user.email}).content.decode()
    assert 'type="radio"' not in foreign and "No active member matches" in foreign


def test_without_javascript_the_search_reloads_the_page_and_a_result_can_be_added(
    client, coordinator_a, hub_a, many_members
):
    client.force_login(coordinator_a.user)
    existing = HubMentorFactory(hub=hub_a, membership=many_members[9])  # Member 009 Smith
    page = client.get(url("hub_edit", pk=hub_a.pk), {"mentor_q": "Member 00"}).content.decode()
    assert page.count('type="radio" name="membership"') == 10
    assert f'value="{existing.membership_id}" id="mentor-choice-{existing.membership_id}" disabled' in page
    assert "already a mentor in this hub" in page
    assert html_rules.problems(page) == []
    chosen = many_members[3]
    response = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": chosen.pk, "capacity": "2"})
    assert response.status_code == 302
    with scopes_disabled():
        assert HubMentor.objects.filter(hub=hub_a, membership=chosen, capacity=2).exists()


def test_adding_without_choosing_says_what_to_do_and_keeps_the_choice_on_other_errors(
    client, coordinator_a, hub_a, many_members
):
    client.force_login(coordinator_a.user)
    html = client.post(url("hub_mentor_add", pk=hub_a.pk), {"capacity": "2"}).content.decode()
    assert "Search for a member and choose one." in html
    chosen = many_members[5]
    html = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": chosen.pk, "capacity": "0"}).content.decode()
    assert "Capacity must be at least 1 mentee." in html
    assert f'value="{chosen.pk}" id="mentor-choice-{chosen.pk}" checked' in html


def test_the_search_is_for_the_organizations_coordinators(client, coordinator_a, member_a, coordinator_b, hub_a):
    search = url("hub_mentor_search", pk=hub_a.pk)
    client.force_login(member_a.user)
    assert client.get(search, {"mentor_q": "a"}).status_code == 403
    client.force_login(coordinator_b.user)
    assert client.get(search, {"mentor_q": "a"}).status_code == 404
    client.force_login(coordinator_a.user)
    assert client.get(search, {"mentor_q": "a"}).status_code == 200
    # A query too long or with a control character is refused with a message, never a 500.
    response = client.get(url("hub_edit", pk=hub_a.pk), {"mentor_q": "x" * 500})
    assert response.status_code == 200
