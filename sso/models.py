"""An organization's connection to its identity provider (OpenID Connect or SAML 2.0).

Each connection keeps one allauth ``SocialApp`` (``social_app``), written by
``sso.services.connections``: allauth's OpenID Connect and SAML providers run the sign-in
with it. The client secret lives here, encrypted; the SocialApp row never holds it (the
social account adapter hands it to allauth in memory, ``sso.adapters``).
"""

import secrets

from allauth.socialaccount.models import SocialApp
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

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
        return email_domain(email) in self.allowed_domains


def email_domain(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()
