"""Tenant isolation: scoped queries, 404 for outsiders, 403 for roles a member lacks."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import ScopeError, scope, scopes_disabled

from programs.models import AuditEvent, Invitation, InvitationStatus, Membership
from tests.factories import InvitationFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _org_url_templates() -> list[tuple[str, str]]:
    """(name, route) for every URL under /o/<org_slug>/, read from the resolver.

    Reading the resolver means a view added later is covered without editing this test.
    """
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<slug:org_slug>" in route:
                found.append((p.name, route))

    walk(get_resolver().url_patterns)
    return found


def _fill(route: str, slug: str, pk: int, program_slug: str = "mentorship") -> str:
    """A concrete URL for a route: every converter gets a value that resolves."""
    url = "/" + route.replace("<slug:org_slug>", slug).replace("<slug:program_slug>", program_slug)
    url = url.replace("<str:role>", "mentee")
    url = re.sub(r"<(?:str|slug|uuid):\w+>", "00000000-0000-0000-0000-000000000000", url)
    url = re.sub(r"<int:\w+>", str(pk), url)
    assert "<" not in url, f"test_tenancy does not know how to fill {route}"
    return url


def test_the_org_url_list_is_not_empty():
    names = {name for name, _ in _org_url_templates()}
    assert {"organization_dashboard", "member_list", "member_edit", "invitations", "invitation_revoke"} <= names


def test_it_raises_on_an_unscoped_query_of_a_tenant_model(member_a):
    for model in (Membership, Invitation, AuditEvent):
        with pytest.raises(ScopeError):
            model.objects.count()
        with pytest.raises(ScopeError):
            list(model.objects.filter(pk=1))


def test_a_scope_only_sees_its_own_organization(member_a, coordinator_b):
    MembershipFactory(organization=member_a.organization)
    with scope(organization=member_a.organization):
        rows = list(Membership.objects.all())
    assert len(rows) == 2
    assert {m.organization_id for m in rows} == {member_a.organization_id}
    with scope(organization=coordinator_b.organization):
        assert list(Membership.objects.all()) == [coordinator_b]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_of_a_gets_404_for_every_page_of_b(client, coordinator_a, coordinator_b, method):
    """Even a coordinator of A — the most privileged tenant role — sees nothing of B."""
    invitation_b = InvitationFactory(organization=coordinator_b.organization, invited_by=coordinator_b.user)
    ProgramFactory(organization=coordinator_b.organization, slug="mentorship", name="Bravo program")
    client.force_login(coordinator_a.user)
    templates = _org_url_templates()
    for name, route in templates:
        for pk in (coordinator_b.pk, invitation_b.pk):
            url = _fill(route, "bravo", pk)
            response = getattr(client, method)(url)
            assert response.status_code == 404, (name, url, response.status_code)
            assert b"Bravo" not in response.content, (name, url)
    # Nothing of B changed through any of those POSTs.
    with scopes_disabled():
        invitation_b.refresh_from_db()
        coordinator_b.refresh_from_db()
    assert invitation_b.status == InvitationStatus.PENDING
    assert coordinator_b.is_coordinator and coordinator_b.is_active


def test_an_unknown_organization_and_a_foreign_one_look_the_same(client, member_a, org_b):
    client.force_login(member_a.user)
    foreign = client.get("/o/bravo/")
    missing = client.get("/o/no-such-organization/")
    assert foreign.status_code == missing.status_code == 404

    def without_tokens(response):
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)

    assert without_tokens(foreign) == without_tokens(missing)


def test_the_owner_reaches_every_organization_level_page(client, coordinator_b):
    """The converse of the 404 test: B's coordinator reaches every page that needs no
    object id (pages about one object have their own owner tests)."""
    client.force_login(coordinator_b.user)
    plain = [(name, route) for name, route in _org_url_templates() if route.count("<") == 1]
    assert len(plain) >= 5
    for name, route in plain:
        response = client.get(_fill(route, "bravo", 0))
        assert response.status_code in (200, 405), (name, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(client, org_a):
    for name, route in _org_url_templates():
        response = client.get(_fill(route, "alpha", 1))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/?next=/o/alpha/")
    # Same answer for an organization that does not exist.
    assert client.get("/o/nothing-here/")["Location"].startswith("/accounts/login/")


def test_a_foreign_object_id_inside_my_own_organization_gives_404(client, coordinator_a, coordinator_b):
    invitation_b = InvitationFactory(organization=coordinator_b.organization, invited_by=coordinator_b.user)
    client.force_login(coordinator_a.user)
    assert client.get(f"/o/alpha/members/{coordinator_b.pk}/").status_code == 404
    assert client.post(f"/o/alpha/invitations/{invitation_b.pk}/revoke/").status_code == 404
    assert client.post(f"/o/alpha/members/{coordinator_b.pk}/", {"status": "member"}).status_code == 404
    with scopes_disabled():
        invitation_b.refresh_from_db()
    assert invitation_b.status == InvitationStatus.PENDING


@pytest.mark.parametrize("path", ["members/", "invitations/", "settings/"])
def test_a_plain_member_gets_403_on_coordinator_pages(client, member_a, path):
    client.force_login(member_a.user)
    assert client.get(f"/o/alpha/{path}").status_code == 403
    assert client.get("/o/alpha/").status_code == 200


def test_committee_members_see_the_member_list_but_not_invitations(client, org_a):
    committee = MembershipFactory(organization=org_a, is_committee=True)
    client.force_login(committee.user)
    assert client.get("/o/alpha/members/").status_code == 200
    assert client.get("/o/alpha/invitations/").status_code == 403
    assert (
        client.post("/o/alpha/invitations/", {"email": "x@example.org", "member_status": "member"}).status_code == 403
    )
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_a_removed_member_loses_access(client, member_a):
    with scopes_disabled():
        Membership.objects.filter(pk=member_a.pk).update(is_active=False)
    client.force_login(member_a.user)
    assert client.get("/o/alpha/").status_code == 404
    home = client.get("/")
    assert b"Alpha Surgical Society" not in home.content
