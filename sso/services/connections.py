"""A coordinator connects, changes, tests, turns off and removes the organization's
identity providers. Each connection keeps its allauth ``SocialApp`` in step (``sync_app``)."""

import json

from allauth.socialaccount.models import SocialAccount, SocialApp
from django.db import transaction
from django.utils import timezone
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit
from sso import outbound
from sso.models import IdentityProvider, Kind
from sso.services import domains as domain_services

# Addresses anyone can get: no organization may turn password sign-in off for them.
PUBLIC_EMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
        "fastmail.com",
    ]
)
DISCOVERY_KEYS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
# The endpoints a discovery document names: each is checked like the discovery URL (sso.outbound).
ENDPOINT_KEYS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
# Where a SAML IdP usually puts the address and whether it checked it.
SAML_EMAIL_ATTRIBUTES = [
    "email",
    "mail",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
]
SAML_EMAIL_VERIFIED_ATTRIBUTES = ["email_verified", "http://schemas.auth0.com/email_verified"]


# --- Reading what the provider publishes -------------------------------------------------


def discovery_document_url(url: str) -> str:
    """The discovery document's address: the issuer's address typed is completed."""
    if "/.well-known/" not in url:
        url = url.rstrip("/") + "/.well-known/openid-configuration"
    return url


def read_discovery(url: str) -> dict:
    """The OpenID Connect discovery document at ``url`` (the issuer's or the document's own
    address), checked to be one."""
    body = outbound.fetch(discovery_document_url(url), field="discovery_url", what="discovery URL")
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not all(isinstance(document.get(k), str) for k in DISCOVERY_KEYS):
        raise ServiceError(
            "That address did not return an OpenID Connect discovery document "
            "(it ends in /.well-known/openid-configuration).",
            field="discovery_url",
        )
    for key in ENDPOINT_KEYS:
        endpoint = document.get(key)
        if endpoint is None and key == "userinfo_endpoint":
            continue
        if not isinstance(endpoint, str):
            raise ServiceError(f"The discovery document's {key} is not an address.", field="discovery_url")
        try:
            outbound.check_url(endpoint, field="discovery_url")
        except ServiceError as error:
            raise ServiceError(f"The discovery document's {key}: {error.message}", field="discovery_url") from None
    return document


def read_saml_metadata(*, url: str = "", xml: str = "") -> dict:
    """The IdP's entity ID, sign-in URL and signing certificate, from its metadata."""
    field = "metadata_url" if url else "metadata_xml"
    if url:
        data = outbound.fetch(url, field=field, what="metadata URL")
    elif xml.strip():
        data = xml.strip().encode()
    else:
        raise ServiceError("Enter the metadata URL or paste the metadata XML.", field="metadata_url")
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(data)
    except Exception:  # noqa: BLE001 - any parsing failure is the same answer to the form
        parsed = {}
    idp = parsed.get("idp") or {}
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    cert = idp.get("x509cert") or ((idp.get("x509certMulti") or {}).get("signing") or [None])[0]
    if not (idp.get("entityId") and sso_url and cert):
        raise ServiceError(
            "That is not SAML 2.0 identity provider metadata with an entity ID, a sign-in "
            "(HTTP-Redirect) address and a signing certificate.",
            field=field,
        )
    return {"entity_id": idp["entityId"], "sso_url": sso_url, "x509cert": cert}


# --- Checks ----------------------------------------------------------------------------


def check_domains(organization, values: dict, *, exclude_pk=None) -> None:
    """Public mail domains are refused for every connection (anyone can get an address there);
    a domain another organization has verified is its alone."""
    domains = values.get("allowed_domains") or []
    if not domains:
        raise ServiceError("Enter at least one email domain, e.g. example.edu.", field="allowed_domains")
    public = sorted(set(domains) & PUBLIC_EMAIL_DOMAINS)
    if public:
        raise ServiceError(
            f"{', '.join(public)} is a public email service: anyone can have an address there, so it cannot "
            "sign in through an organization's provider.",
            field="allowed_domains",
        )
    taken = domain_services.verified_elsewhere(organization, domains)
    if taken:
        raise ServiceError(
            f"{', '.join(taken)} is verified by another organization: it signs in through that organization's "
            "provider only.",
            field="allowed_domains",
        )


def _provider_settings(connection: IdentityProvider, saml_idp: dict | None) -> dict:
    if connection.kind == Kind.OIDC:
        return {"server_url": discovery_document_url(connection.discovery_url), "fetch_userinfo": True}
    name_keys = [connection.name_attribute] if connection.name_attribute else []
    mapping = {
        "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
        "email": SAML_EMAIL_ATTRIBUTES,
        "email_verified": SAML_EMAIL_VERIFIED_ATTRIBUTES,
        "name": name_keys,
        "first_name": ["urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
        "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
    }
    if connection.institution_attribute:
        mapping["institution"] = [connection.institution_attribute]
    return {
        "attribute_mapping": mapping,
        "use_nameid_for_email": False,
        "idp": saml_idp,
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "reject_deprecated_algorithm": True,
            "allow_single_label_domains": outbound.allow_private(),
        },
    }


def sync_app(connection: IdentityProvider, saml_idp: dict | None = None) -> None:
    """Write the connection's SocialApp (never its secret: see ``sso.adapters``)."""
    app = connection.social_app
    if app is None:
        app = SocialApp()
    if connection.kind == Kind.OIDC:
        app.provider, app.client_id = "openid_connect", connection.client_id
    else:
        app.provider, app.client_id = "saml", connection.key
        if saml_idp is None:
            saml_idp = (app.settings or {}).get("idp")
    app.provider_id = connection.key
    app.name = connection.name
    app.secret = ""
    app.settings = _provider_settings(connection, saml_idp)
    app.save()
    if connection.social_app_id != app.pk:
        connection.social_app = app
        connection.save(update_fields=["social_app", "updated_at"])


# --- Services ----------------------------------------------------------------------------

FIELDS = (
    "name",
    "discovery_url",
    "client_id",
    "metadata_url",
    "metadata_xml",
    "allowed_domains",
    "auto_join",
    "trust_emails",
    "name_attribute",
    "institution_attribute",
    "sso_only",
)


def _read_provider(kind: str, values: dict) -> dict | None:
    if kind == Kind.OIDC:
        document = read_discovery(values["discovery_url"])
        return {"issuer": document["issuer"]}
    return read_saml_metadata(url=values.get("metadata_url", ""), xml=values.get("metadata_xml", ""))


def connection_create(*, actor: Membership, kind: str, values: dict) -> IdentityProvider:
    organization = actor.organization
    if kind not in Kind.values:
        raise ServiceError("Choose OpenID Connect or SAML 2.0.")
    read = _read_provider(kind, values)  # before the transaction: a slow provider holds no lock
    with transaction.atomic():
        require_coordinator(actor, organization)
        check_domains(organization, values)
        connection = IdentityProvider(organization=organization, kind=kind)
        for field in FIELDS:
            if field in values:
                setattr(connection, field, values[field])
        if kind == Kind.OIDC:
            if not values.get("client_secret"):
                raise ServiceError("Enter the client secret the identity provider gave you.", field="client_secret")
            connection.client_secret = values["client_secret"]
        else:
            connection.idp_entity_id = read["entity_id"]
        connection.save()
        domain_services.ensure_claims(organization, connection.allowed_domains)
        sync_app(connection, read if kind == Kind.SAML else None)
        audit(
            organization=organization,
            actor=actor.user,
            action="sso.connection_created",
            summary=f"Connected the identity provider “{connection.name}” ({connection.get_kind_display()})",
            connection=connection.pk,
        )
    return connection


def _locked(actor: Membership, connection: IdentityProvider) -> IdentityProvider:
    require_coordinator(actor, actor.organization)
    locked = IdentityProvider.objects.select_for_update().filter(pk=connection.pk, organization=actor.organization)
    locked = locked.first()
    if locked is None:
        raise ServiceError("This connection is not in your organization any more.")
    return locked


def connection_update(*, actor: Membership, connection: IdentityProvider, values: dict) -> IdentityProvider:
    read = _read_provider(connection.kind, values)
    with transaction.atomic():
        connection = _locked(actor, connection)
        check_domains(actor.organization, values, exclude_pk=connection.pk)
        changed = []
        for field in FIELDS:
            if field in values and getattr(connection, field) != values[field]:
                setattr(connection, field, values[field])
                changed.append(field)
        if connection.kind == Kind.OIDC and values.get("client_secret"):
            connection.client_secret = values["client_secret"]
            changed.append("client_secret")
        if connection.kind == Kind.SAML:
            connection.idp_entity_id = read["entity_id"]
        connection.save()
        domain_services.ensure_claims(actor.organization, connection.allowed_domains)
        sync_app(connection, read if connection.kind == Kind.SAML else None)
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="sso.connection_updated",
            summary=f"Changed the identity provider “{connection.name}”",
            connection=connection.pk,
            fields=changed,
        )
    return connection


def connection_set_enabled(*, actor: Membership, connection: IdentityProvider, enabled: bool) -> IdentityProvider:
    with transaction.atomic():
        connection = _locked(actor, connection)
        if enabled:
            check_domains(actor.organization, {"allowed_domains": connection.allowed_domains})
        connection.enabled = enabled
        connection.save(update_fields=["enabled", "updated_at"])
        verb = "Turned on" if enabled else "Turned off"
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="sso.connection_enabled" if enabled else "sso.connection_disabled",
            summary=f"{verb} the identity provider “{connection.name}”",
            connection=connection.pk,
        )
    return connection


def connection_delete(*, actor: Membership, connection: IdentityProvider) -> None:
    with transaction.atomic():
        connection = _locked(actor, connection)
        name, pk = connection.name, connection.pk
        app = connection.social_app
        connection.delete()
        if app is not None:
            # Its SocialAccounts go with it: those people sign in with their password (or not at all).
            SocialAccount.objects.filter(provider=app.provider_id).delete()
            app.delete()
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="sso.connection_deleted",
            summary=f"Removed the identity provider “{name}”",
            connection=pk,
        )


def connection_test(*, actor: Membership, connection: IdentityProvider) -> str:
    """Read the provider's published configuration again; record and return the outcome."""
    try:
        if connection.kind == Kind.OIDC:
            document = read_discovery(connection.discovery_url)
            outbound.fetch(document["jwks_uri"], field="discovery_url", what="provider's key set")
            result = f"OK: the discovery document of {document['issuer']} and its keys were read."
        else:
            idp = read_saml_metadata(url=connection.metadata_url, xml=connection.metadata_xml)
            result = f"OK: the metadata of {idp['entity_id']} was read."
        ok = True
    except ServiceError as error:
        result, ok = f"Failed: {error.message}", False
    with transaction.atomic():
        connection = _locked(actor, connection)
        connection.last_tested_at = timezone.now()
        connection.last_test_result = result[:300]
        connection.save(update_fields=["last_tested_at", "last_test_result", "updated_at"])
    if not ok:
        raise ServiceError(result)
    return result
