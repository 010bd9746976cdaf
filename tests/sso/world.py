"""The single sign-on objects of an organization in the isolation matrix's and the bad-input
tests' worlds: one OpenID Connect connection (no network: its SocialApp is written directly)."""

from importlib import import_module

from allauth.socialaccount import sessions as allauth_sessions
from django.conf import settings
from django.utils import timezone

from sso.models import DomainClaim, IdentityProvider, Kind
from sso.services.connections import sync_app


def verified_domain(org, domain: str) -> DomainClaim:
    """The organization's claim to ``domain``, verified (as site staff would in the admin)."""
    claim, _ = DomainClaim.objects.get_or_create(organization=org, domain=domain)
    claim.verified_at, claim.verified_how = timezone.now(), "staff"
    claim.save()
    return claim


def sso_world(org, *, marker: str = "") -> dict:
    # allauth's SAML ACS keeps the posted answer in a session of its own whose engine it took
    # when imported (cached_db with Redis); the worlds use database sessions, rolled back per
    # request, and a session left in the cache would then fail to save (UpdateError).
    allauth_sessions.SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    connection = IdentityProvider.objects.create(
        organization=org,
        kind=Kind.OIDC,
        name=f"{marker}University login",
        discovery_url=f"https://idp.{org.slug}.invalid/",
        client_id=f"{marker}client",
        client_secret=f"{marker}secret",
        allowed_domains=[f"{org.slug}.invalid"],
    )
    sync_app(connection)
    claim = verified_domain(org, f"{org.slug}.invalid")
    return {
        "sso_connection": connection.pk,
        "sso_domain_claim": claim.pk,
        "sso_kind": "oidc",
        "sso_org": org.slug,
        "sso_provider_id": "unknown-provider",
        # Not the connection's key: going to the world's unreachable provider is a 502 page
        # (tests/sso drive the real flow); an unknown key is a 404.
        "sso_key": "ssounknown",
    }
