"""'SSO only': password sign-in, sign-up and reset are refused for the connection's domains,
with a message pointing to the organization's sign-in; other addresses keep their passwords."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from sso.models import IdentityProvider, Kind
from sso.services import connections
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.sso.world import verified_domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_only(org_a):
    with scopes_disabled():
        connection = IdentityProvider.objects.create(
            organization=org_a,
            kind=Kind.OIDC,
            name="University login",
            discovery_url="https://idp.uni.example/",
            client_id="c",
            client_secret="s",
            allowed_domains=["uni.example"],
            sso_only=True,
        )
        connections.sync_app(connection)
        verified_domain(org_a, "uni.example")
    return connection


def test_password_sign_in_is_refused_for_an_sso_only_domain(client, sso_only):
    member = MembershipFactory(organization=sso_only.organization, user__email="ada@uni.example")
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "single sign-on (University login)" in page and "Sign in with your organization" in page
    assert "_auth_user_id" not in client.session


def test_other_domains_still_sign_in_with_a_password(client, sso_only):
    other = UserFactory(email="nia@example.org")
    response = client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_password_reset_and_sign_up_are_refused_for_the_domain(client, sso_only):
    UserFactory(email="ada@uni.example")
    response = client.post(reverse("account_reset_password"), {"email": "ada@uni.example"})
    assert response.status_code == 200 and "single sign-on" in response.content.decode()
    assert mail.outbox == []
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@uni.example",
            "full_name": "New",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert "single sign-on" in response.content.decode()


def test_turned_off_the_domain_signs_in_with_passwords_again(client, sso_only, coordinator_a):
    member = MembershipFactory(organization=sso_only.organization, user__email="ada@uni.example")
    with scope(organization=coordinator_a.organization):
        connections.connection_set_enabled(actor=coordinator_a, connection=sso_only, enabled=False)
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_public_email_domain_is_refused_for_every_connection(coordinator_a):
    for sso_only in (True, False):
        with pytest.raises(connections.ServiceError, match="public email service"):
            connections.check_domains(
                coordinator_a.organization, {"allowed_domains": ["gmail.com"], "sso_only": sso_only}
            )


def test_a_domain_verified_by_one_organization_is_refused_to_another(sso_only, coordinator_b):
    for sso_only_option in (True, False):
        with pytest.raises(connections.ServiceError, match="verified by another organization"):
            connections.check_domains(
                coordinator_b.organization, {"allowed_domains": ["uni.example"], "sso_only": sso_only_option}
            )
    connections.check_domains(coordinator_b.organization, {"allowed_domains": ["other.example"], "sso_only": True})


def test_sso_only_on_an_unverified_domain_restricts_nobody(client, org_b):
    """A coordinator naming someone else's domain SSO-only cannot lock its people out of their
    passwords: the domain is not verified, so it counts for nothing."""
    victim = UserFactory(email="dean@victim.example")
    with scopes_disabled():
        connection = IdentityProvider.objects.create(
            organization=org_b,
            kind=Kind.OIDC,
            name="Attacker login",
            discovery_url="https://idp.attacker.example/",
            client_id="c",
            client_secret="s",
            allowed_domains=["victim.example"],
            sso_only=True,
        )
        connections.sync_app(connection)
    response = client.post(reverse("account_login"), {"login": victim.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)
    assert client.post(reverse("sso_sign_in"), {"email": victim.email}).status_code == 400  # not routed there
