"""Reads across organizations for the sign-in pages (deliberately unscoped: signing in
happens before any organization is chosen), and the connections of one organization."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_scopes import scopes_disabled

from programs.models import Membership
from sso.models import DomainClaim, IdentityProvider, email_domain


def connections_for_email(email: str) -> list[IdentityProvider]:
    """The enabled connections whose allowed domains include this address's domain, verified
    for their organization (an unverified domain routes nobody)."""
    domain = email_domain(email)
    if not domain:
        return []
    with scopes_disabled():
        verified = DomainClaim.objects.filter(
            organization=OuterRef("organization"), domain=domain, verified_at__isnull=False
        )
        # The verified claim narrows this to one organization's few connections; the domain list
        # is then read in Python (SQLite, ``make run``, has no JSON ``contains`` lookup).
        return [
            connection
            for connection in IdentityProvider.objects.filter(enabled=True)
            .filter(Exists(verified))
            .exclude(social_app=None)
            .select_related("organization", "social_app")
            .order_by("organization__name", "name")
            if domain in connection.allowed_domains
        ]


def sso_only_connection(email: str) -> IdentityProvider | None:
    """The enabled SSO-only connection covering this address's domain, if any."""
    return next((c for c in connections_for_email(email) if c.sso_only), None)


def connection_for_app(app) -> IdentityProvider | None:
    if app is None or app.pk is None:
        return None
    with scopes_disabled():
        return IdentityProvider.objects.filter(social_app=app).select_related("organization").first()


def connections_by_app_pk(app_pks) -> dict:
    with scopes_disabled():
        return {c.social_app_id: c for c in IdentityProvider.objects.filter(social_app_id__in=list(app_pks))}


def organization_connections(organization) -> list[IdentityProvider]:
    with scopes_disabled():
        return list(
            IdentityProvider.objects.filter(organization=organization, enabled=True)
            .exclude(social_app=None)
            .select_related("social_app")
        )


def connections_by_key(key: str) -> list[IdentityProvider]:
    with scopes_disabled():
        return list(
            IdentityProvider.objects.filter(key=key[:20], enabled=True)
            .exclude(social_app=None)
            .select_related("organization", "social_app")
        )


def account_exists(email: str) -> bool:
    return bool(email) and get_user_model().objects.filter(email__iexact=email).exists()


def is_active_member_by_email(organization, email: str) -> bool:
    if not email:
        return False
    with scopes_disabled():
        return Membership.objects.filter(organization=organization, user__email__iexact=email, is_active=True).exists()


def claims_for_domains(organization, domains) -> list[DomainClaim]:
    with scopes_disabled():
        return list(DomainClaim.objects.filter(organization=organization, domain__in=list(domains)))
