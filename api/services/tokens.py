"""Creating, revoking and checking API tokens; the per-token rate limit."""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from api.models import ALL_SCOPES, ApiToken
from mentorship import freshness
from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit

TOKEN_PREFIX = "mtk_"
PREFIX_LENGTH = 12  # what the token list shows: "mtk_" and 8 characters of the secret
LAST_USED_EVERY = 60  # seconds: last_used_at is written at most once a minute per token


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def token_create(*, actor: Membership, name: str, scopes: list[str], expires_at=None) -> NewToken:
    organization = actor.organization
    require_coordinator(actor, organization)
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the token a name that says what uses it.", field="name")
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown or not scopes:
        raise ServiceError("Choose at least one scope.", field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError("The expiry must be in the future.", field="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name[:100],
        created_by=actor,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes), key=ALL_SCOPES.index),
        expires_at=expires_at,
    )
    audit(
        organization=organization,
        actor=actor.user,
        action="api_token.created",
        summary=f"Created the API token “{token.name}” ({token.prefix}…)",
        api_token=token.pk,
        scopes=token.scopes,
    )
    return NewToken(token, secret)


@transaction.atomic
def token_revoke(*, actor: Membership, token: ApiToken) -> ApiToken:
    organization = actor.organization
    require_coordinator(actor, organization)
    token = ApiToken.objects.select_for_update().get(pk=token.pk, organization=organization)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit(
            organization=organization,
            actor=actor.user,
            action="api_token.revoked",
            summary=f"Revoked the API token “{token.name}” ({token.prefix}…)",
            api_token=token.pk,
        )
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, or None (unknown, revoked, expired). One query.

    Unscoped on purpose, and filtered by the secret's hash: it can only return the token the
    caller holds, whose organization then scopes everything else."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.with_scopes_disabled()
        .select_related("organization", "created_by__user")
        .filter(secret_hash=hash_secret(secret))
        .first()
    )
    if token is None or not token.is_active:
        return None
    if token.created_by is not None:
        token.created_by.organization = token.organization  # the services read it: no second query
    if cache.add(f"api-token-used:{token.pk}", 1, LAST_USED_EVERY):
        # A write of this organization's (mentorship.freshness): not the site's, which every
        # organization's cached reads hang on.
        with freshness.writes_of(token.organization_id):
            ApiToken.objects.with_scopes_disabled().filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def rate_limited(token: ApiToken) -> int:
    """Count one call against the token's limit; 0 when it may go on, else the seconds to wait."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // 60)
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, 61)
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, 61)
        calls = 1
    if calls > limit:
        return max(1, int((window + 1) * 60 - now) + 1)
    return 0


def audit_call(token: ApiToken, *, action: str, summary: str, **data) -> None:
    """Every write made through the API: the token's name in the audit log."""
    audit(
        organization=token.organization,
        actor=token.created_by.user if token.created_by else None,
        action=f"api.{action}",
        summary=f"API token “{token.name}”: {summary}",
        api_token=token.pk,
        **data,
    )
