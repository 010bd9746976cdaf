"""SAML 2.0 sign-in against a real IdP on loopback (pysaml2's, tests/sso/idp/saml_idp.py)."""

from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.models import AuditEvent, Membership, Profile
from sso.models import IdentityProvider
from tests.factories import UserFactory
from tests.sso.dns_support import verify_by_dns
from tests.sso.idp_support import sign_in_at_saml

pytestmark = pytest.mark.django_db


def connect(client, coordinator, idp, *, verify: bool = True, **options) -> IdentityProvider:
    client.force_login(coordinator.user)
    data = {
        "name": "Campus SAML",
        "metadata_url": idp.metadata_url,
        "allowed_domains": "uni.example",
        "auto_join": "on",
        "name_attribute": idp.NAME_ATTRIBUTE,
        "institution_attribute": idp.INSTITUTION_ATTRIBUTE,
        **options,
    }
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator.organization.slug, "kind": "saml"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        connection = IdentityProvider.objects.get(organization=coordinator.organization, name=data["name"])
    if verify:
        verify_by_dns(client, coordinator, connection, idp.dns)
    client.logout()
    return connection


def saml_sign_in(client, email: str, login: str):
    client.defaults["HTTP_HOST"] = "testserver"  # as a browser sends it (python3-saml reads it)
    response = client.post(reverse("sso_sign_in"), {"email": email})
    assert response.status_code == 200, response.content.decode()[:2000]
    acs, fields = sign_in_at_saml(response.context["provider_url"], login)
    assert urlsplit(acs).netloc == "testserver"
    response = client.post(urlsplit(acs).path, fields)
    while response.status_code == 302 and "/accounts/saml/" in response["Location"]:
        response = client.get(response["Location"])
    return response


def test_a_new_person_signs_in_through_saml_and_joins(client, coordinator_a, saml_idp):
    connection = connect(client, coordinator_a, saml_idp)
    assert connection.idp_entity_id == saml_idp.metadata_url
    response = saml_sign_in(client, "ada@uni.example", "ada")
    with scopes_disabled():
        refusals = list(AuditEvent.objects.filter(action="sso.refused").values_list("summary", flat=True))
    assert response.status_code == 302, refusals
    assert response["Location"] == reverse(
        "organization_dashboard", kwargs={"org_slug": coordinator_a.organization.slug}
    )
    user = User.objects.get(email="ada@uni.example")
    assert user.full_name == "Ada Okafor"
    with scopes_disabled():
        membership = Membership.objects.get(user=user, organization=coordinator_a.organization)
        assert Profile.objects.get(membership=membership).institution == "Uni Hospital"


def test_a_tampered_assertion_is_refused(client, coordinator_a, saml_idp_factory):
    idp = saml_idp_factory(tamper="assertion")
    connection = connect(client, coordinator_a, idp)
    response = saml_sign_in(client, "ada@uni.example", "ada")
    assert response.status_code in (400, 401, 403)
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email__endswith="@uni.example").exists()
    with scopes_disabled():
        refusal = AuditEvent.objects.get(action="sso.refused", data__connection=connection.pk)
    assert "signature" in refusal.summary.lower()


def test_an_assertion_for_another_audience_is_refused(client, coordinator_a, saml_idp_factory):
    idp = saml_idp_factory(tamper="audience")
    connection = connect(client, coordinator_a, idp)
    response = saml_sign_in(client, "ada@uni.example", "ada")
    assert response.status_code in (400, 401, 403)
    with scopes_disabled():
        refusal = AuditEvent.objects.get(action="sso.refused", data__connection=connection.pk)
    assert "audience" in refusal.summary.lower()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="ada@uni.example").exists()


def test_an_unverified_saml_address_is_never_linked(client, coordinator_a, saml_idp):
    connect(client, coordinator_a, saml_idp)
    existing = UserFactory(email="ben@uni.example")
    response = saml_sign_in(client, "ben@uni.example", "ben")
    assert response.status_code == 403
    assert not SocialAccount.objects.filter(user=existing).exists()


def test_pasted_metadata_xml_works_and_bad_xml_is_refused(client, coordinator_a, saml_idp):
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator_a.organization.slug, "kind": "saml"})
    base = {"name": "Pasted", "allowed_domains": "uni.example", "name_attribute": "name"}
    response = client.post(url, {**base, "metadata_xml": "<not-metadata/>"})
    assert response.status_code == 400 and "not SAML 2.0 identity provider metadata" in response.content.decode()
    response = client.post(
        url, {**base, "metadata_xml": "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"}
    )
    assert response.status_code == 400
    response = client.post(url, base)
    assert response.status_code == 400 and "metadata URL or paste" in response.content.decode()
    response = client.post(url, {**base, "metadata_xml": saml_idp.metadata()})
    assert response.status_code == 302
    with scopes_disabled():
        connection = IdentityProvider.objects.get(name="Pasted")
    page = client.get(response["Location"]).content.decode()
    assert f"/accounts/saml/{connection.key}/acs/" in page  # what the IdP needs
