"""Domain ownership before a connection covers a domain (the account-takeover review): a DNS
TXT record answered by a DNS server on loopback, or site staff in the admin. An unverified
domain signs nobody in, links no account and routes nobody; another organization's provider
never signs in as someone else's member."""

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.models import AuditEvent
from sso.adapters import SSOSocialAccountAdapter
from sso.models import DomainClaim
from sso.services import domains
from tests.factories import MembershipFactory, UserFactory
from tests.sso.dns_support import verify_by_dns
from tests.sso.idp_support import sign_in_at_oidc
from tests.sso.test_oidc import connect, sso_sign_in
from tests.sso.world import verified_domain

pytestmark = pytest.mark.django_db


def claim_of(connection, domain="uni.example") -> DomainClaim:
    with scopes_disabled():
        return DomainClaim.objects.get(organization=connection.organization, domain=domain)


def verify_url(coordinator, connection, claim) -> str:
    kwargs = {"org_slug": coordinator.organization.slug, "pk": connection.pk, "claim": claim.pk}
    return reverse("sso_domain_verify", kwargs=kwargs)


def go(client, connection, login: str):
    """Start at the connection's own button (sso_go) and sign in at the provider as ``login``."""
    response = client.post(reverse("sso_go", kwargs={"key": connection.key}))
    assert response.status_code == 200, response.content.decode()[:2000]
    back = urlsplit(sign_in_at_oidc(response.context["provider_url"], login))
    return client.get(f"{back.path}?{back.query}", secure=True)


def test_the_page_shows_the_record_and_verify_checks_dns(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp, verify=False)
    claim = claim_of(connection)
    assert claim.verified_at is None and claim.record == f"mentorship-domain-verification={claim.token}"
    client.force_login(coordinator_a.user)
    edit = reverse("sso_connection_edit", kwargs={"org_slug": coordinator_a.organization.slug, "pk": connection.pk})
    page = client.get(edit).content.decode()
    assert claim.record in page and "Not verified" in page
    listing = reverse("sso_connection_list", kwargs={"org_slug": coordinator_a.organization.slug})
    assert 'uni.example <span class="badge text-bg-warning">not verified</span>' in client.get(listing).content.decode()

    # No record at all.
    response = client.post(verify_url(coordinator_a, connection, claim), follow=True)
    assert "No TXT record" in response.content.decode()
    # A record with another token (someone else's, or an old one).
    oidc_idp.dns.publish("uni.example", "mentorship-domain-verification=not-the-token")
    oidc_idp.dns.publish("uni.example", "v=spf1 -all")
    response = client.post(verify_url(coordinator_a, connection, claim), follow=True)
    assert "No TXT record" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verified_at is None

    # The record on _mentorship.<domain> proves it.
    oidc_idp.dns.publish("_mentorship.uni.example", claim.record)
    response = client.post(verify_url(coordinator_a, connection, claim), follow=True)
    assert "uni.example is verified" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verified_at and claim.verified_by == coordinator_a.user and claim.verified_how == "dns"
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="sso.domain_verified", organization=claim.organization).exists()
    assert "Verified" in client.get(edit).content.decode()
    listing = reverse("sso_connection_list", kwargs={"org_slug": coordinator_a.organization.slug})
    assert "not verified" not in client.get(listing).content.decode()


def test_the_record_on_the_domain_itself_proves_it(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp, verify=False)
    client.force_login(coordinator_a.user)
    verify_by_dns(client, coordinator_a, connection, oidc_idp.dns)
    assert claim_of(connection).verified_how == "dns"


def test_an_unverified_domain_signs_nobody_in_and_links_nobody(client, coordinator_a, oidc_idp):
    connection = connect(client, coordinator_a, oidc_idp, verify=False)
    existing = UserFactory(email="ada@uni.example")
    # "Sign in with your organization" does not route the domain there.
    response = client.post(reverse("sso_sign_in"), {"email": "ada@uni.example"})
    assert response.status_code == 400
    # Nor does the connection's own button sign anyone in, new or existing.
    response = go(client, connection, "ada")
    assert response.status_code == 403 and "has not proved that it owns uni.example" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email="ada@uni.example").count() == 1 and existing.has_usable_password()


def test_another_organizations_provider_cannot_sign_in_as_a_member(client, coordinator_a, coordinator_b, oidc_idp):
    """The takeover: B's coordinator connects B's own provider for A's domain; the provider says
    ada@uni.example, verified. A has proven uni.example; B cannot; ada stays ada."""
    # B connects first, while the domain is nobody's yet: allowed, but unverified.
    attacker = connect(client, coordinator_b, oidc_idp, verify=False, name="Attacker login")
    victim = MembershipFactory(organization=coordinator_a.organization, user__email="ada@uni.example")
    connect(client, coordinator_a, oidc_idp)  # A proves uni.example by DNS

    # B cannot verify it now, even with the record published for B's token.
    claim = claim_of(attacker)
    oidc_idp.dns.publish("uni.example", claim.record)
    client.force_login(coordinator_b.user)
    response = client.post(verify_url(coordinator_b, attacker, claim), follow=True)
    assert "already verified by another organization" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verified_at is None
    # Nor name it on a new connection.
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator_b.organization.slug, "kind": "oidc"})
    response = client.post(
        url,
        {
            "name": "Second try",
            "discovery_url": oidc_idp.issuer + "/",
            "client_id": "mentorship",
            "client_secret": "s3cret-for-tests",
            "allowed_domains": "uni.example",
            "name_attribute": "name",
        },
    )
    assert response.status_code == 400 and "verified by another organization" in response.content.decode()
    client.logout()

    # Signing in through B's provider as ada: refused, nothing linked.
    response = go(client, attacker, "ada")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.filter(user=victim.user).exists()
    # The address routes to A's provider only.
    matches = client.post(reverse("sso_sign_in"), {"email": "ada@uni.example"}).context["provider_url"]
    assert matches  # one match: A's, straight on
    # And through A's own provider ada signs in as herself.
    assert sso_sign_in(client, "ada@uni.example", "ada").status_code == 302
    assert client.session["_auth_user_id"] == str(victim.user.pk)


def test_linking_by_address_needs_membership_or_a_verified_domain(coordinator_a, coordinator_b, org_b):
    """Defence in depth: allauth's authenticate-by-email asks ``can_authenticate_by_email``."""
    from sso.models import IdentityProvider, Kind
    from sso.services.connections import sync_app

    with scopes_disabled():
        connection = IdentityProvider.objects.create(
            organization=org_b,
            kind=Kind.OIDC,
            name="B login",
            discovery_url="https://idp.b.invalid/",
            client_id="c",
            client_secret="s",
            allowed_domains=["uni.example", "b.example"],
        )
        sync_app(connection)
    MembershipFactory(organization=coordinator_a.organization, user__email="ada@uni.example")
    MembershipFactory(organization=org_b, user__email="bo@uni.example")
    adapter = SSOSocialAccountAdapter()
    login = SimpleNamespace(provider=SimpleNamespace(app=connection.social_app, get_settings=dict))
    assert not adapter.can_authenticate_by_email(login, "ada@uni.example")  # A's member, B's unverified domain
    assert adapter.can_authenticate_by_email(login, "bo@uni.example")  # already B's member
    assert not adapter.can_authenticate_by_email(login, "cy@b.example")
    with scopes_disabled():
        verified_domain(org_b, "b.example")
        connection = IdentityProvider.objects.get(pk=connection.pk)
    login.provider.app = connection.social_app
    assert adapter.can_authenticate_by_email(login, "cy@b.example")


def test_site_staff_mark_a_claim_verified_in_the_admin(client, org_a, org_b):
    with scopes_disabled():
        claim = DomainClaim.objects.create(organization=org_a, domain="hospital.example")
        rival = DomainClaim.objects.create(organization=org_b, domain="hospital.example")
    changelist = reverse("admin:sso_domainclaim_changelist")
    staff = UserFactory(is_staff=True, is_superuser=True)
    nobody = UserFactory()
    client.force_login(nobody)
    client.post(changelist, {"action": "mark_verified", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.verified_at is None
    client.force_login(staff)
    assert "hospital.example" in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "mark_verified", "_selected_action": [claim.pk]}, follow=True)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.verified_at and claim.verified_by == staff and claim.verified_how == "staff"
    # The same domain for another organization: refused, it belongs to one only.
    response = client.post(changelist, {"action": "mark_verified", "_selected_action": [rival.pk]}, follow=True)
    assert "already verified by another organization" in response.content.decode()
    rival.refresh_from_db()
    assert rival.verified_at is None
    with pytest.raises(domains.ServiceError):
        domains.claim_mark_verified(staff_user=nobody, claim=rival)


def test_a_dns_server_that_does_not_answer_is_a_message(client, coordinator_a, oidc_idp, settings, monkeypatch):
    connection = connect(client, coordinator_a, oidc_idp, verify=False)
    from tests.sso.idp_support import free_port

    settings.SSO_DNS_NAMESERVERS = [f"127.0.0.1:{free_port()}"]
    monkeypatch.setattr(domains, "DNS_TIMEOUT_SECONDS", 0.5)
    client.force_login(coordinator_a.user)
    response = client.post(verify_url(coordinator_a, connection, claim_of(connection)), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "did not answer" in page or "No TXT record" in page
    assert claim_of(connection).verified_at is None
