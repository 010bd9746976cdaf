"""Another organization's coordinator, and a member who is not a coordinator, can neither see
nor change a connection (the isolation matrix checks every address; this names the outcome)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from sso.models import IdentityProvider
from tests.factories import MembershipFactory
from tests.sso.world import sso_world

pytestmark = pytest.mark.django_db


def test_another_organizations_coordinator_cannot_see_or_change_the_connection(client, coordinator_a, coordinator_b):
    with scopes_disabled():
        pk = sso_world(coordinator_a.organization, marker="ALPHA-SECRET-")["sso_connection"]
    client.force_login(coordinator_b.user)
    own = coordinator_b.organization.slug
    for name in ("sso_connection_edit", "sso_connection_test", "sso_connection_enabled", "sso_connection_delete"):
        url = reverse(name, kwargs={"org_slug": own, "pk": pk})
        assert client.post(url, {"name": "Hijacked", "enabled": ""}).status_code == 404, name
    assert "ALPHA-SECRET-" not in client.get(reverse("sso_connection_list", kwargs={"org_slug": own})).content.decode()
    url = reverse("sso_connection_edit", kwargs={"org_slug": coordinator_a.organization.slug, "pk": pk})
    assert client.get(url).status_code == 404
    with scopes_disabled():
        connection = IdentityProvider.objects.get(pk=pk)
    assert connection.enabled and connection.name == "ALPHA-SECRET-University login"


def test_a_member_who_is_not_a_coordinator_is_refused(client, coordinator_a):
    with scopes_disabled():
        pk = sso_world(coordinator_a.organization)["sso_connection"]
    member = MembershipFactory(organization=coordinator_a.organization)
    client.force_login(member.user)
    slug = coordinator_a.organization.slug
    assert client.get(reverse("sso_connection_list", kwargs={"org_slug": slug})).status_code == 403
    assert client.post(reverse("sso_connection_delete", kwargs={"org_slug": slug, "pk": pk})).status_code == 403
    with scopes_disabled():
        assert IdentityProvider.objects.filter(pk=pk).exists()


def test_the_connection_list_costs_the_same_for_one_or_many(client, coordinator_a):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    url = reverse("sso_connection_list", kwargs={"org_slug": coordinator_a.organization.slug})
    client.force_login(coordinator_a.user)
    counts = []
    for _ in range(2):
        with scopes_disabled():
            for n in range(3):
                sso_world(coordinator_a.organization, marker=f"M{n}-{len(counts)}-")
        client.get(url)  # warm the session and the per-person caches
        with CaptureQueriesContext(db) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
