"""OpenID Connect sign-in against a real provider on loopback (npm oidc-provider), driven
with Django's test client on our side and plain HTTP on the provider's side."""

from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.models import AuditEvent, Membership, Profile
from sso.models import IdentityProvider
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.sso.conftest import CLIENT
from tests.sso.dns_support import verify_by_dns
from tests.sso.idp_support import sign_in_at_oidc

pytestmark = pytest.mark.django_db


def connect(client, coordinator, idp, *, verify: bool = True, **options) -> IdentityProvider:
    client.force_login(coordinator.user)
    data = {
        "name": "University login",
        "discovery_url": idp.issuer + "/",  # the issuer's address: the document's is found from it
        "client_id": CLIENT["client_id"],
        "client_secret": CLIENT["client_secret"],
        "allowed_domains": "uni.example",
        "auto_join": "on",
        "name_attribute": "name",
        "institution_attribute": "institution",
        **options,
    }
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator.organization.slug, "kind": "oidc"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        connection = IdentityProvider.objects.get(organization=coordinator.organization, name=data["name"])
    if verify:
        verify_by_dns(client, coordinator, connection, idp.dns)
    client.logout()
    return connection


def sso_sign_in(client, email: str, login: str):
    response = client.post(reverse("sso_sign_in"), {"email": email})
    assert response.status_code == 200, response.content.decode()[:2000]
    back = sign_in_at_oidc(response.context["provider_url"], login)
    parts = urlsplit(back)
    assert parts.netloc == "testserver"
    return client.get(f"{parts.path}?{parts.query}", secure=True)


def test_a_new_person_signs_in_and_joins_with_mapped_name_and_institution(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp)
    hinted = client.post(reverse("sso_sign_in"), {"email": "ada@uni.example"}).context["provider_url"]
    assert "login_hint=ada%40uni.example" in hinted
    assert connection.social_app.secret == ""  # the secret lives encrypted on the connection only
    assert connection.client_secret == CLIENT["client_secret"]

    response = sso_sign_in(client, "ada@uni.example", "ada")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "organization_dashboard", kwargs={"org_slug": coordinator_a.organization.slug}
    )
    user = User.objects.get(email="ada@uni.example")
    assert user.full_name == "Ada Okafor" and not user.has_usable_password()
    with scopes_disabled():
        membership = Membership.objects.get(user=user, organization=coordinator_a.organization)
        assert not membership.is_coordinator
        assert Profile.objects.get(membership=membership).institution == "Uni Hospital"
        assert AuditEvent.objects.filter(action="sso.member_joined", organization=coordinator_a.organization).exists()
    assert client.get(response["Location"]).status_code == 200


def test_a_verified_address_links_to_the_existing_account(client, coordinator_a, oidc_idp):
    connect(client, coordinator_a, oidc_idp)
    existing = UserFactory(email="ada@uni.example", full_name="Ada Existing")
    response = sso_sign_in(client, "ada@uni.example", "ada")
    assert response.status_code == 302
    assert SocialAccount.objects.filter(user=existing).count() == 1
    existing.refresh_from_db()
    assert existing.full_name == "Ada Existing"  # an account's own name stays


def test_an_unverified_address_is_never_linked_to_an_existing_account(client, coordinator_a, oidc_idp):
    connect(client, coordinator_a, oidc_idp)
    existing = UserFactory(email="ben@uni.example")
    response = sso_sign_in(client, "ben@uni.example", "ben")
    assert response.status_code == 403
    assert "did not confirm" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email__iexact="ben@uni.example").count() == 1
    # Their password still works, and nobody is signed in.
    assert "_auth_user_id" not in client.session
    assert client.login(email=existing.email, password=PASSWORD)


def test_trusting_the_provider_for_its_domains_links_an_unverified_claim(client, coordinator_a, oidc_idp):
    connect(client, coordinator_a, oidc_idp, trust_emails="on")
    existing = UserFactory(email="ben@uni.example")
    assert sso_sign_in(client, "ben@uni.example", "ben").status_code == 302
    assert SocialAccount.objects.filter(user=existing).exists()


def test_an_address_outside_the_allowed_domains_is_refused(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp)
    # The address typed is in the domain; the provider answers for someone else.
    response = client.post(reverse("sso_sign_in"), {"email": "x@uni.example"})
    back = urlsplit(sign_in_at_oidc(response.context["provider_url"], "eve"))
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 403
    assert not User.objects.filter(email="eve@elsewhere.example").exists()
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="sso.refused", data__connection=connection.pk).exists()


def test_without_auto_join_a_new_person_is_refused(client, coordinator_a, oidc_idp):
    data = {"auto_join": ""}
    connect(client, coordinator_a, oidc_idp, **data)
    response = sso_sign_in(client, "ada@uni.example", "ada")
    assert response.status_code == 403
    assert not User.objects.filter(email="ada@uni.example").exists()


@pytest.mark.parametrize("tamper", ["aud", "iss"])
def test_an_id_token_for_another_audience_or_issuer_is_refused(client, coordinator_a, oidc_idp_factory, tamper):
    idp = oidc_idp_factory(redirect_prefix="https://testserver/accounts/oidc/", tamper=tamper)
    connection = connect(client, coordinator_a, idp)
    response = sso_sign_in(client, "ada@uni.example", "ada")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="ada@uni.example").exists()
    assert response.status_code == 401  # allauth's authentication error page
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="sso.refused", data__connection=connection.pk).exists()


def test_a_disabled_connection_signs_nobody_in(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp)
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_enabled", kwargs={"org_slug": coordinator_a.organization.slug, "pk": connection.pk})
    assert client.post(url, {}).status_code == 302
    client.logout()
    response = client.post(reverse("sso_sign_in"), {"email": "ada@uni.example"})
    assert response.status_code == 400
    assert client.get(f"/accounts/oidc/{connection.key}/login/").status_code == 404


def test_the_discovery_url_is_checked_on_save(client, coordinator_a, oidc_idp):
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator_a.organization.slug, "kind": "oidc"})
    base = {
        "name": "X",
        "client_id": "c",
        "client_secret": "s",
        "allowed_domains": "uni.example",
        "name_attribute": "name",
    }
    # JSON, but the key set, not a discovery document (the query keeps the address as typed).
    response = client.post(url, {**base, "discovery_url": f"{oidc_idp.issuer}/jwks?/.well-known/"})
    assert response.status_code == 400 and "discovery document" in response.content.decode()
    response = client.post(url, {**base, "discovery_url": f"{oidc_idp.issuer}/nothing-here/"})
    assert response.status_code == 400 and "answered with HTTP 404" in response.content.decode()
    from tests.sso.idp_support import free_port

    response = client.post(url, {**base, "discovery_url": f"http://127.0.0.1:{free_port()}/"})
    assert response.status_code == 400 and "could not be reached" in response.content.decode()
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_private_addresses_are_refused_outside_tests(client, coordinator_a, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator_a.organization.slug, "kind": "oidc"})
    base = {
        "name": "X",
        "client_id": "c",
        "client_secret": "s",
        "allowed_domains": "uni.example",
        "name_attribute": "name",
    }
    for address in (
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/",
        "https://10.0.0.1/",
        "http://example.org/",
    ):
        response = client.post(url, {**base, "discovery_url": address})
        assert response.status_code == 400, address
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_the_secret_is_never_shown_back(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp)
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_edit", kwargs={"org_slug": coordinator_a.organization.slug, "pk": connection.pk})
    page = client.get(url).content.decode()
    assert CLIENT["client_secret"] not in page
    assert f"/accounts/oidc/{connection.key}/login/callback/" in page


def test_sign_in_by_address_that_no_organization_covers(client, db):
    response = client.post(reverse("sso_sign_in"), {"email": "someone@nowhere.example"})
    assert response.status_code == 400 and "Sign in with your password" in response.content.decode()
    assert client.post(reverse("sso_sign_in"), {"email": "not an address"}).status_code == 400


def test_a_member_already_there_keeps_roles(client, coordinator_a, oidc_idp):
    connect(client, coordinator_a, oidc_idp)
    member = MembershipFactory(
        organization=coordinator_a.organization, user__email="ada@uni.example", is_committee=True
    )
    assert sso_sign_in(client, "ada@uni.example", "ada").status_code == 302
    member.refresh_from_db()
    assert member.is_committee and member.is_active


def test_an_unreachable_provider_gets_a_page_not_an_error(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp)
    oidc_idp.stop()
    response = client.post(reverse("sso_go", kwargs={"key": connection.key}))
    assert response.status_code == 502 and "cannot be reached" in response.content.decode()
