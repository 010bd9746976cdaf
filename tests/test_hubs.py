"""Hubs and affinity groups of hub-model programs: the catalogue and its management."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import AffinityGroup, AuditEvent, Hub, HubMentor, HubTheme, Membership, ProgramModel
from programs.services import hubs as hub_services
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program_a(org_a):
    return ProgramFactory(organization=org_a, model=ProgramModel.HUBS, slug="faculty", name="Faculty Mentorship")


@pytest.fixture
def group_a(program_a, coordinator_a):
    senior = MembershipFactory(organization=program_a.organization, user=UserFactory(full_name="Senior Sage"))
    return AffinityGroupFactory(program=program_a, name="Perioperative Outcomes", senior_mentor=senior)


@pytest.fixture
def hub_a(group_a):
    return HubFactory(
        affinity_group=group_a, name="Regional Anesthesia", theme=HubTheme.RESEARCH, description="Nerve block trials."
    )


@pytest.fixture
def hub_mentor_a(hub_a):
    return HubMentorFactory(hub=hub_a, capacity=3, membership__user=UserFactory(full_name="Mentor Miller"))


def url(name, *, org="alpha", program="faculty", **kwargs):
    return reverse(name, kwargs={"org_slug": org, "program_slug": program, **kwargs})


def counts():
    with scopes_disabled():
        return (
            AffinityGroup.objects.count(),
            Hub.objects.count(),
            HubMentor.objects.count(),
            AuditEvent.objects.count(),
            list(Hub.objects.order_by("pk").values_list("name", "is_active", "affinity_group_id")),
            list(HubMentor.objects.order_by("pk").values_list("capacity", flat=True)),
            list(AffinityGroup.objects.order_by("pk").values_list("name", "senior_mentor_id")),
        )


def management_urls(group, hub, hub_mentor, **kw):
    return [
        url("hub_create", **kw),
        url("hub_edit", pk=hub.pk, **kw),
        url("hub_set_active", pk=hub.pk, **kw),
        url("hub_delete", pk=hub.pk, **kw),
        url("hub_mentor_add", pk=hub.pk, **kw),
        url("hub_mentor_capacity", pk=hub_mentor.pk, **kw),
        url("hub_mentor_remove", pk=hub_mentor.pk, **kw),
        url("affinity_group_create", **kw),
        url("affinity_group_edit", pk=group.pk, **kw),
        url("affinity_group_delete", pk=group.pk, **kw),
    ]


def all_urls(group, hub, hub_mentor, **kw):
    return [url("hub_list", **kw), *management_urls(group, hub, hub_mentor, **kw)]


def post_data(membership):
    """A plausible POST body for any of the management forms."""
    return {
        "name": "Hijacked",
        "description": "x",
        "theme": "research",
        "is_active": "",
        "capacity": "9",
        "membership": membership.pk,
        "senior_mentor": membership.pk,
    }


def content(response) -> str:
    return response.content.decode()


# --- Catalogue ------------------------------------------------------------------------


def test_members_see_the_catalogue_grouped_with_mentors_and_capacity(client, member_a, hub_mentor_a, hub_a):
    HubMentorFactory(hub=hub_a, capacity=2, membership__user=UserFactory(full_name="Mentor Moss"))
    HubFactory(affinity_group=hub_a.affinity_group, name="Retired Hub", is_active=False)
    removed = HubMentorFactory(hub=hub_a, capacity=4, membership__user=UserFactory(full_name="Gone Person"))
    with scopes_disabled():
        Membership.objects.filter(pk=removed.membership_id).update(is_active=False)
    client.force_login(member_a.user)
    response = client.get(url("hub_list"))
    assert response.status_code == 200
    html = content(response)
    assert "Perioperative Outcomes" in html and "Senior Sage" in html
    assert "Regional Anesthesia" in html and "Nerve block trials." in html and "Research" in html
    assert "Mentor Miller" in html and "Mentor Moss" in html
    assert "Total capacity:</span> 5 mentees" in html
    assert "Retired Hub" not in html
    assert "Gone Person" not in html
    assert "Add hub" not in html and "Edit group" not in html


def test_coordinators_see_inactive_hubs_and_management_links(client, coordinator_a, hub_a):
    HubFactory(affinity_group=hub_a.affinity_group, name="Retired Hub", is_active=False)
    client.force_login(coordinator_a.user)
    html = content(client.get(url("hub_list")))
    assert "Retired Hub" in html and "Inactive" in html
    assert url("hub_edit", pk=hub_a.pk) in html
    assert url("affinity_group_edit", pk=hub_a.affinity_group_id) in html


def test_filter_by_theme_and_search(client, member_a, hub_a, hub_mentor_a):
    HubFactory(affinity_group=hub_a.affinity_group, name="Simulation Teaching", theme=HubTheme.EDUCATION)
    client.force_login(member_a.user)
    html = content(client.get(url("hub_list"), {"theme": "education"}))
    assert "Simulation Teaching" in html and "Regional Anesthesia" not in html
    html = content(client.get(url("hub_list"), {"q": "nerve"}))
    assert "Regional Anesthesia" in html and "Simulation Teaching" not in html
    html = content(client.get(url("hub_list"), {"q": "miller"}))  # a mentor's name
    assert "Regional Anesthesia" in html and "Simulation Teaching" not in html
    html = content(client.get(url("hub_list"), {"q": "no such thing", "theme": "bogus"}))
    assert "No hubs match these filters" in html


def test_empty_states_say_what_to_do_next(client, program_a, coordinator_a, member_a):
    client.force_login(member_a.user)
    assert "has not published any hubs yet" in content(client.get(url("hub_list")))
    client.force_login(coordinator_a.user)
    html = content(client.get(url("hub_list")))
    assert "Create the first affinity group" in html
    assert "Create an affinity group first" in content(client.get(url("hub_create")))


def test_an_unpublished_program_is_hidden_from_members(client, member_a, coordinator_a, hub_a):
    with scopes_disabled():
        type(hub_a.program).objects.filter(pk=hub_a.program_id).update(is_published=False)
    client.force_login(member_a.user)
    assert client.get(url("hub_list")).status_code == 404
    client.force_login(coordinator_a.user)
    assert client.get(url("hub_list")).status_code == 200


# --- Permissions and tenancy ----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_get_403_on_every_management_url(client, member_a, hub_mentor_a, method):
    hub = hub_mentor_a.hub
    before = counts()
    client.force_login(member_a.user)
    for target in management_urls(hub.affinity_group, hub, hub_mentor_a):
        response = getattr(client, method)(target, post_data(member_a) if method == "post" else None)
        assert response.status_code == 403, target
    assert counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coordinator_of_another_organization_gets_404_everywhere(client, coordinator_b, hub_mentor_a, method):
    hub = hub_mentor_a.hub
    ProgramFactory(organization=coordinator_b.organization, model=ProgramModel.HUBS, slug="faculty")
    before = counts()
    client.force_login(coordinator_b.user)
    targets = all_urls(hub.affinity_group, hub, hub_mentor_a, org="alpha")
    # A's ids inside B's own URLs (B's own catalogue and "new" pages are B's to see).
    targets += [t for t in all_urls(hub.affinity_group, hub, hub_mentor_a, org="bravo") if any(c.isdigit() for c in t)]
    for target in targets:
        if True:
            response = getattr(client, method)(target, post_data(coordinator_b) if method == "post" else None)
            assert response.status_code == 404, target
            assert b"Regional Anesthesia" not in response.content
    assert counts() == before


def test_a_program_that_is_not_a_hub_program_gives_404(client, coordinator_a, member_a, org_a, hub_mentor_a):
    ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE, slug="committee")
    hub = hub_mentor_a.hub
    before = counts()
    client.force_login(coordinator_a.user)
    for target in all_urls(hub.affinity_group, hub, hub_mentor_a, program="committee"):
        assert client.get(target).status_code == 404, target
        assert client.post(target, post_data(coordinator_a)).status_code == 404, target
    client.force_login(member_a.user)
    assert client.get(url("hub_list", program="committee")).status_code == 404
    assert client.get(url("hub_list", program="no-such-program")).status_code == 404
    assert counts() == before


def test_objects_of_another_program_in_the_url_give_404(client, coordinator_a, org_a, hub_mentor_a):
    other = ProgramFactory(organization=org_a, model=ProgramModel.HUBS, slug="other")
    other_mentor = HubMentorFactory(hub=HubFactory(affinity_group=AffinityGroupFactory(program=other)))
    other_hub = other_mentor.hub
    before = counts()
    client.force_login(coordinator_a.user)
    # "faculty" URLs carrying the other program's ids.
    for target in management_urls(other_hub.affinity_group, other_hub, other_mentor):
        if target.endswith("/new/"):
            continue
        assert client.post(target, post_data(coordinator_a)).status_code == 404, target
    assert counts() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, hub_mentor_a):
    hub = hub_mentor_a.hub
    for target in all_urls(hub.affinity_group, hub, hub_mentor_a):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Affinity groups ------------------------------------------------------------------


def test_coordinator_creates_and_edits_an_affinity_group(client, coordinator_a, member_a, program_a):
    client.force_login(coordinator_a.user)
    assert client.get(url("affinity_group_create")).status_code == 200
    response = client.post(
        url("affinity_group_create"),
        {"name": "  Education   Scholarship ", "description": "Teaching.", "senior_mentor": member_a.pk},
    )
    assert response.status_code == 302
    with scopes_disabled():
        group = AffinityGroup.objects.get()
        assert group.name == "Education Scholarship"
        assert group.senior_mentor == member_a and group.organization_id == program_a.organization_id
        assert AuditEvent.objects.filter(action="affinity_group.created", actor=coordinator_a.user).exists()
    assert response["Location"].endswith(f"#group-{group.pk}")

    assert client.get(url("affinity_group_edit", pk=group.pk)).status_code == 200
    response = client.post(url("affinity_group_edit", pk=group.pk), {"name": "Education", "senior_mentor": ""})
    assert response.status_code == 302
    with scopes_disabled():
        group.refresh_from_db()
        assert AuditEvent.objects.filter(action="affinity_group.updated").exists()
    assert group.name == "Education" and group.senior_mentor is None


def test_a_duplicate_group_name_is_a_form_error(client, coordinator_a, group_a):
    client.force_login(coordinator_a.user)
    before = counts()
    response = client.post(url("affinity_group_create"), {"name": "perioperative outcomes"})
    assert response.status_code == 200
    assert "already has an affinity group called" in content(response)
    other = AffinityGroupFactory(program=group_a.program, name="Other")
    before = counts()
    response = client.post(url("affinity_group_edit", pk=other.pk), {"name": "Perioperative Outcomes"})
    assert response.status_code == 200
    assert "already has an affinity group called" in content(response)
    assert counts() == before


def test_a_senior_mentor_from_another_organization_is_refused(client, coordinator_a, coordinator_b, group_a):
    client.force_login(coordinator_a.user)
    before = counts()
    response = client.post(url("affinity_group_create"), {"name": "New", "senior_mentor": coordinator_b.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in content(response)
    response = client.post(
        url("affinity_group_edit", pk=group_a.pk), {"name": group_a.name, "senior_mentor": coordinator_b.pk}
    )
    assert response.status_code == 200
    assert counts() == before


def test_a_group_with_hubs_cannot_be_deleted_but_an_empty_one_can(client, coordinator_a, hub_a):
    client.force_login(coordinator_a.user)
    group = hub_a.affinity_group
    assert "A group with hubs cannot be deleted" in content(client.get(url("affinity_group_edit", pk=group.pk)))
    response = client.post(url("affinity_group_delete", pk=group.pk), follow=True)
    assert "still has 1 hub" in content(response)
    with scopes_disabled():
        assert AffinityGroup.objects.filter(pk=group.pk).exists()
    empty = AffinityGroupFactory(program=group.program, name="Empty")
    response = client.post(url("affinity_group_delete", pk=empty.pk))
    assert response.status_code == 302
    with scopes_disabled():
        assert not AffinityGroup.objects.filter(pk=empty.pk).exists()
        assert AuditEvent.objects.filter(action="affinity_group.deleted").exists()


# --- Hubs -----------------------------------------------------------------------------


def test_coordinator_creates_and_edits_a_hub(client, coordinator_a, group_a):
    client.force_login(coordinator_a.user)
    assert client.get(url("hub_create") + f"?group={group_a.pk}").status_code == 200
    response = client.post(
        url("hub_create"),
        {
            "name": "Airway Research",
            "affinity_group": group_a.pk,
            "theme": "research",
            "description": "Difficult airway registry.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        hub = Hub.objects.get(name="Airway Research")
        assert AuditEvent.objects.filter(action="hub.created").exists()
    assert hub.program_id == group_a.program_id and hub.organization_id == group_a.organization_id and hub.is_active
    assert response["Location"] == url("hub_edit", pk=hub.pk)

    second = AffinityGroupFactory(program=group_a.program, name="Leadership")
    response = client.post(
        url("hub_edit", pk=hub.pk),
        {"name": "Airway Leadership", "affinity_group": second.pk, "theme": "leadership", "description": ""},
    )
    assert response.status_code == 302
    with scopes_disabled():
        hub.refresh_from_db()
        assert AuditEvent.objects.filter(action="hub.updated").exists()
    assert (hub.name, hub.affinity_group_id, hub.theme, hub.is_active) == (
        "Airway Leadership",
        second.pk,
        "leadership",
        False,
    )
    assert client.get(url("hub_edit", pk=hub.pk)).status_code == 200


def test_a_duplicate_hub_name_is_a_form_error(client, coordinator_a, hub_a):
    client.force_login(coordinator_a.user)
    before = counts()
    data = {"name": "REGIONAL anesthesia", "affinity_group": hub_a.affinity_group_id, "theme": "research"}
    response = client.post(url("hub_create"), data)
    assert response.status_code == 200
    assert "already has a hub called" in content(response)
    other = HubFactory(affinity_group=hub_a.affinity_group, name="Other hub")
    before = counts()
    response = client.post(url("hub_edit", pk=other.pk), data)
    assert response.status_code == 200
    assert "already has a hub called" in content(response)
    assert counts() == before


def test_a_group_of_another_program_is_refused(client, coordinator_a, org_a, hub_a):
    other_group = AffinityGroupFactory(program=ProgramFactory(organization=org_a, model=ProgramModel.HUBS))
    client.force_login(coordinator_a.user)
    before = counts()
    data = {"name": "Sneaky", "affinity_group": other_group.pk, "theme": "research"}
    response = client.post(url("hub_create"), data)
    assert response.status_code == 200 and "Select a valid choice" in content(response)
    response = client.post(url("hub_edit", pk=hub_a.pk), {**data, "name": hub_a.name})
    assert response.status_code == 200 and "Select a valid choice" in content(response)
    assert counts() == before


def test_deleting_a_ranked_hub_is_refused_and_deactivation_offered(client, coordinator_a, hub_a):
    HubChoiceFactory(hub=hub_a, application=ApplicationFactory(program=hub_a.program), rank=1)
    client.force_login(coordinator_a.user)
    page = content(client.get(url("hub_edit", pk=hub_a.pk)))
    assert "cannot be deleted: 1 applicant has already ranked it" in page
    assert "Deactivate instead" in page
    response = client.post(url("hub_delete", pk=hub_a.pk), follow=True)
    assert "cannot be deleted: 1 applicant has already ranked it. Deactivate it instead" in content(response)
    with scopes_disabled():
        assert Hub.objects.filter(pk=hub_a.pk).exists()

    response = client.post(url("hub_set_active", pk=hub_a.pk), {"is_active": "0"})
    assert response.status_code == 302
    with scopes_disabled():
        hub_a.refresh_from_db()
        assert AuditEvent.objects.filter(action="hub.deactivated").exists()
    assert not hub_a.is_active
    client.post(url("hub_set_active", pk=hub_a.pk), {"is_active": "1"})
    with scopes_disabled():
        hub_a.refresh_from_db()
    assert hub_a.is_active


def test_an_unranked_hub_can_be_deleted(client, coordinator_a, hub_mentor_a):
    hub = hub_mentor_a.hub
    client.force_login(coordinator_a.user)
    response = client.post(url("hub_delete", pk=hub.pk))
    assert response.status_code == 302
    with scopes_disabled():
        assert not Hub.objects.filter(pk=hub.pk).exists()
        assert not HubMentor.objects.filter(pk=hub_mentor_a.pk).exists()
        assert AuditEvent.objects.filter(action="hub.deleted").exists()


# --- Hub mentors ----------------------------------------------------------------------


def test_coordinator_adds_changes_and_removes_a_hub_mentor(client, coordinator_a, member_a, hub_a):
    client.force_login(coordinator_a.user)
    response = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": member_a.pk, "capacity": "2"})
    assert response.status_code == 302
    with scopes_disabled():
        hub_mentor = HubMentor.objects.get(hub=hub_a, membership=member_a)
        assert AuditEvent.objects.filter(action="hub.mentor_added").exists()
    assert hub_mentor.capacity == 2 and hub_mentor.organization_id == hub_a.organization_id

    response = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": member_a.pk, "capacity": "1"})
    assert response.status_code == 200 and "is already a mentor in this hub" in content(response)

    response = client.post(url("hub_mentor_capacity", pk=hub_mentor.pk), {"capacity": "4"})
    assert response.status_code == 302
    with scopes_disabled():
        hub_mentor.refresh_from_db()
        assert AuditEvent.objects.filter(action="hub.mentor_capacity_changed").exists()
    assert hub_mentor.capacity == 4

    response = client.post(url("hub_mentor_capacity", pk=hub_mentor.pk), {"capacity": "0"}, follow=True)
    assert "Capacity must be at least 1 mentee." in content(response)
    with scopes_disabled():
        hub_mentor.refresh_from_db()
    assert hub_mentor.capacity == 4

    response = client.post(url("hub_mentor_remove", pk=hub_mentor.pk))
    assert response.status_code == 302
    with scopes_disabled():
        assert not HubMentor.objects.filter(pk=hub_mentor.pk).exists()
        assert AuditEvent.objects.filter(action="hub.mentor_removed").exists()


def test_capacity_zero_and_foreign_or_removed_members_are_refused(client, coordinator_a, coordinator_b, hub_a):
    removed = MembershipFactory(organization=hub_a.organization, is_active=False)
    client.force_login(coordinator_a.user)
    before = counts()
    member = MembershipFactory(organization=hub_a.organization)
    response = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": member.pk, "capacity": "0"})
    assert response.status_code == 200 and "Capacity must be at least 1 mentee." in content(response)
    for foreign in (coordinator_b, removed):
        response = client.post(url("hub_mentor_add", pk=hub_a.pk), {"membership": foreign.pk, "capacity": "2"})
        assert response.status_code == 200 and "Select a valid choice" in content(response)
    assert counts() == before


# --- Services refuse foreign objects even when called directly -------------------------


def test_services_refuse_foreign_objects(coordinator_a, coordinator_b, org_a, hub_a):
    other_program = ProgramFactory(organization=org_a, model=ProgramModel.HUBS)
    other_group = AffinityGroupFactory(program=other_program)
    program_b = ProgramFactory(organization=coordinator_b.organization, model=ProgramModel.HUBS)
    hub_b = HubFactory(affinity_group=AffinityGroupFactory(program=program_b))
    removed = MembershipFactory(organization=org_a, is_active=False)
    before = counts()
    with scope(organization=org_a):
        actor = Membership.objects.select_related("organization", "user").get(pk=coordinator_a.pk)
        with pytest.raises(PermissionDenied):
            hub_services.hub_create(
                actor=actor, program=hub_a.program, affinity_group=other_group, name="X", theme="research"
            )
        with pytest.raises(PermissionDenied):
            hub_services.hub_update(
                actor=actor, hub=hub_a, affinity_group=other_group, name="X", theme="research", is_active=True
            )
        with pytest.raises(PermissionDenied):
            hub_services.hub_mentor_add(actor=actor, hub=hub_a, membership=coordinator_b, capacity=2)
        with pytest.raises(PermissionDenied):
            hub_services.hub_mentor_add(actor=actor, hub=hub_b, membership=actor, capacity=2)
        with pytest.raises(PermissionDenied):
            hub_services.affinity_group_create(actor=actor, program=program_b, name="X")
        with pytest.raises(PermissionDenied):
            hub_services.affinity_group_create(
                actor=actor, program=hub_a.program, name="X", senior_mentor=coordinator_b
            )
        with pytest.raises(ServiceError, match="active member"):
            hub_services.hub_mentor_add(actor=actor, hub=hub_a, membership=removed, capacity=2)
        with pytest.raises(ServiceError, match="at least 1"):
            hub_services.hub_mentor_add(actor=actor, hub=hub_a, membership=actor, capacity=0)
        committee_program = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE)
        with pytest.raises(ServiceError, match="hub-model"):
            hub_services.affinity_group_create(actor=actor, program=committee_program, name="X")
    assert counts()[:4] == before[:4]


def test_a_demoted_coordinator_can_no_longer_act(coordinator_a, hub_a):
    with scope(organization=coordinator_a.organization):
        actor = Membership.objects.select_related("organization", "user").get(pk=coordinator_a.pk)
        Membership.objects.filter(pk=actor.pk).update(is_coordinator=False)
        with pytest.raises(PermissionDenied):
            hub_services.hub_set_active(actor=actor, hub=hub_a, is_active=False)
        hub_a.refresh_from_db()
    assert hub_a.is_active


# --- Query count ----------------------------------------------------------------------

# Session, user, membership + organization (middleware), the switcher, allauth, then the
# page: program, affinity groups (+ senior mentors), hubs, hub mentors (+ people).
CATALOGUE_MAX_QUERIES = 8


def _grow(program, hubs: int, groups: int, mentors_per_hub: int):
    made = [
        AffinityGroupFactory(program=program, senior_mentor=MembershipFactory(organization=program.organization))
        for _ in range(groups)
    ]
    for i in range(hubs):
        hub = HubFactory(affinity_group=made[i % groups], description="A hub " * 20, theme=HubTheme.values[i % 4])
        for _ in range(mentors_per_hub):
            HubMentorFactory(hub=hub)
    HubFactory(affinity_group=made[0], is_active=False)


@pytest.mark.parametrize("role", ["member", "coordinator"])
@pytest.mark.parametrize(("hubs", "groups", "mentors_per_hub"), [(5, 2, 1), (50, 10, 2)])
def test_the_catalogue_runs_a_bounded_number_of_queries(
    client, program_a, member_a, coordinator_a, django_assert_max_num_queries, role, hubs, groups, mentors_per_hub
):
    _grow(program_a, hubs, groups, mentors_per_hub)
    client.force_login((member_a if role == "member" else coordinator_a).user)
    with django_assert_max_num_queries(CATALOGUE_MAX_QUERIES):
        response = client.get(url("hub_list"))
    assert response.status_code == 200
    assert content(response).count('class="card h-100') == hubs + (1 if role == "coordinator" else 0)
    with django_assert_max_num_queries(CATALOGUE_MAX_QUERIES):
        assert client.get(url("hub_list"), {"q": "hub", "theme": "research"}).status_code == 200
