"""The coordinators' token pages: list, make (the secret shown once), revoke; audited."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from api.models import ApiToken
from api.services.tokens import hash_secret
from programs.models import AuditEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_coordinator_makes_sees_once_and_revokes_a_token(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    settings_page = client.get(reverse("organization_settings", kwargs={"org_slug": "alpha"}))
    assert reverse("api_tokens", kwargs={"org_slug": "alpha"}).encode() in settings_page.content
    create_url = reverse("api_token_create", kwargs={"org_slug": "alpha"})
    assert client.get(create_url).status_code == 200
    response = client.post(create_url, {"name": "Warehouse", "scopes": ["members:read", "rounds:write"]})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    with scopes_disabled():
        token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.encode() in response.content and secret.startswith(token.prefix)
    assert token.secret_hash == hash_secret(secret) and secret not in str(token.__dict__)
    assert token.scopes == ["members:read", "rounds:write"] and token.created_by == coordinator_a
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/members", **headers).status_code == 200
    assert client.get("/api/v1/programs", **headers).status_code == 403
    # Never shown again: the list shows its prefix only.
    listing = client.get(reverse("api_tokens", kwargs={"org_slug": "alpha"}))
    assert token.prefix.encode() in listing.content and secret.encode() not in listing.content
    revoke = reverse("api_token_revoke", kwargs={"org_slug": "alpha", "pk": token.pk})
    assert client.post(revoke).status_code == 302
    assert client.get("/api/v1/members", **headers).status_code == 401
    with scopes_disabled():
        actions = list(AuditEvent.objects.filter(organization=org_a).values_list("action", flat=True))
    assert {"api_token.created", "api_token.revoked"} <= set(actions)


def test_the_form_refuses_a_token_without_scopes_or_name(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    create_url = reverse("api_token_create", kwargs={"org_slug": "alpha"})
    response = client.post(create_url, {"name": "", "scopes": ["nothing:read"]})
    assert response.status_code == 200 and response.context["form"].errors.keys() == {"name", "scopes"}
    with scopes_disabled():
        assert not ApiToken.objects.exists()


def test_members_and_other_organizations_cannot_manage_tokens(client, org_a, org_b, coordinator_a, coordinator_b):
    member = MembershipFactory(organization=org_a)
    client.force_login(member.user)
    assert client.get(reverse("api_tokens", kwargs={"org_slug": "alpha"})).status_code == 403
    client.force_login(coordinator_b.user)
    client.post(reverse("api_token_create", kwargs={"org_slug": "bravo"}), {"name": "B", "scopes": ["programs:read"]})
    with scopes_disabled():
        token_b = ApiToken.objects.get()
    client.force_login(coordinator_a.user)
    revoke = reverse("api_token_revoke", kwargs={"org_slug": "alpha", "pk": token_b.pk})
    assert client.post(revoke).status_code == 404
    token_b.refresh_from_db()
    assert token_b.revoked_at is None
