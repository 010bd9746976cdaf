"""'SSO only': password sign-in, sign-up and reset are refused for the connection's domains,
with a message pointing to the organization's sign-in; other addresses keep their passwords."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from sso.models import IdentityProvider, Kind
from sso.services import connections
from tests.factories import PASSWORD, MembershipFactory, UserFactory

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


def test_a_public_email_domain_cannot_be_sso_only(coordinator_a):
    with pytest.raises(connections.ServiceError, match="public email service"):
        connections.check_domains(coordinator_a.organization, {"allowed_domains": ["gmail.com"], "sso_only": True})


def test_one_domain_is_sso_only_in_one_organization_only(sso_only, coordinator_b):
    with pytest.raises(connections.ServiceError, match="Another organization"):
        connections.check_domains(coordinator_b.organization, {"allowed_domains": ["uni.example"], "sso_only": True})
    connections.check_domains(coordinator_b.organization, {"allowed_domains": ["uni.example"], "sso_only": False})
