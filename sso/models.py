"""An organization's connection to its identity provider (OpenID Connect or SAML 2.0).

Each connection keeps one allauth ``SocialApp`` (``social_app``), written by
``sso.services.connections``: allauth's OpenID Connect and SAML providers run the sign-in
with it. The client secret lives here, encrypted; the SocialApp row never holds it (the
social account adapter hands it to allauth in memory, ``sso.adapters``).
"""

import secrets

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django_scopes import ScopedManager, scopes_disabled

from mentorship.fields import EncryptedTextField
from programs.models import Organization


class Kind(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    SAML = "saml", "SAML 2.0"


def new_key() -> str:
    return "sso" + secrets.token_hex(6)


class IdentityProvider(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    name = models.CharField(max_length=100, help_text="Shown on the sign-in button, e.g. “University login”.")
    # The SocialApp's provider_id (and a SAML app's client_id): the callback, ACS and metadata
    # URLs carry it, so it never changes.
    key = models.CharField(max_length=20, unique=True, default=new_key, editable=False)
    # OpenID Connect
    discovery_url = models.URLField("discovery URL", max_length=500, blank=True)
    client_id = models.CharField("client ID", max_length=200, blank=True)
    client_secret = EncryptedTextField("client secret", blank=True)
    # SAML 2.0: where the metadata came from, and the IdP read from it when saved.
    metadata_url = models.URLField("metadata URL", max_length=500, blank=True)
    metadata_xml = models.TextField("metadata XML", blank=True)
    idp_entity_id = models.CharField("identity provider entity ID", max_length=500, blank=True)
    # Who may come in this way, and what they bring.
    allowed_domains = models.JSONField(default=list, blank=True)
    auto_join = models.BooleanField(
        "add new people as members", default=True, help_text="On first sign-in, make them a member."
    )
    trust_emails = models.BooleanField(
        "the provider verifies addresses",
        default=False,
        help_text=(
            "Treat every address in the allowed domains as verified by the provider (it owns those "
            "domains). Otherwise only addresses the provider marks verified link to an existing account."
        ),
    )
    name_attribute = models.CharField("name attribute", max_length=200, default="name")
    institution_attribute = models.CharField("institution attribute", max_length=200, blank=True)
    sso_only = models.BooleanField(
        "SSO only", default=False, help_text="Addresses in the allowed domains cannot sign in with a password."
    )
    enabled = models.BooleanField(default=True)
    social_app = models.OneToOneField(
        SocialApp, on_delete=models.SET_NULL, null=True, blank=True, related_name="identity_provider"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_result = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["enabled", "sso_only"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def domains_text(self) -> str:
        return ", ".join(self.allowed_domains)

    def covers(self, email: str) -> bool:
        """The address is in an allowed domain this organization proved it owns (``DomainClaim``):
        an unverified domain covers nobody."""
        domain = email_domain(email)
        return domain in self.allowed_domains and domain in self.verified_domains

    @cached_property
    def verified_domains(self) -> frozenset:
        with scopes_disabled():
            claims = DomainClaim.objects.filter(organization_id=self.organization_id, verified_at__isnull=False)
            return frozenset(claims.values_list("domain", flat=True))


def email_domain(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


def new_token() -> str:
    return secrets.token_urlsafe(24)


VERIFICATION_PREFIX = "mentorship-domain-verification="


class DomainClaim(models.Model):
    """An organization's claim to an email domain. A connection covers a domain only once the
    claim is verified: by the DNS TXT record ``mentorship-domain-verification=<token>`` on the
    domain (or on ``_mentorship.<domain>``), or by site staff in the admin. A verified domain
    belongs to one organization only."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(max_length=253)
    token = models.CharField(max_length=64, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_how = models.CharField(max_length=10, blank=True)  # "dns" or "staff"

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["domain", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="sso_domain_claim_once_per_org"),
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(verified_at__isnull=False), name="sso_verified_domain_one_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain} ({'verified' if self.verified_at else 'not verified'})"

    @property
    def record(self) -> str:
        return VERIFICATION_PREFIX + self.token
