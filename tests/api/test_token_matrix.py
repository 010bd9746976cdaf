"""The API's isolation matrix: every operation × no, unknown, revoked or expired token (401)
× a token lacking the operation's scope, or holding only read for a write (403) × another
organization's ids (404, and nothing of it in any answer or changed)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from api.models import ALL_SCOPES, ApiToken
from api.services.tokens import token_revoke
from programs.models import AuditEvent, Membership
from tests.api import support
from tests.api.world import make_token

pytestmark = pytest.mark.django_db

OPERATIONS = [(method, path) for method, path, _ in support.operations()]


def _op(method, path):
    return support.schema()["paths"][path][method]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_valid_token_gets_401(client, api_world, method, path):
    own, _ = api_world
    revoked, revoked_secret = make_token(own.coordinator, name="Revoked")
    with scopes_disabled():
        token_revoke(actor=own.coordinator, token=revoked)
    expired, expired_secret = make_token(own.coordinator, name="Expired")
    ApiToken.objects.with_scopes_disabled().filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    _valid, valid_secret = make_token(own.coordinator)
    for secret in (None, "", "mtk_" + "x" * 43, valid_secret[:-1], valid_secret + "x", revoked_secret, expired_secret):
        response = support.call(client, method, path, own.ids, secret)
        assert response.status_code == 401, (secret, response.content[:300])
    # A session is no credential for the API: the coordinator signed in gets 401 too.
    client.force_login(own.coordinator.user)
    assert support.call(client, method, path, own.ids, None).status_code == 401


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_token_without_the_scope_gets_403(client, api_world, method, path):
    own, _ = api_world
    area, level = support.area_of(_op(method, path)), support.level_of(method)
    wanted = {f"{area}:{level}", f"{area}:write"}
    _token, secret = make_token(own.coordinator, scopes=[s for s in ALL_SCOPES if s not in wanted])
    if level == "write":
        _token, read_only = make_token(own.coordinator, scopes=[f"{area}:read"])
    events = AuditEvent.objects.with_scopes_disabled().count()
    response = support.call(client, method, path, own.ids, secret)
    assert response.status_code == 403, response.content[:300]
    assert area in response.json()["detail"]
    if level == "write":
        # Read-only for the area cannot write.
        assert support.call(client, method, path, own.ids, read_only).status_code == 403
    assert AuditEvent.objects.with_scopes_disabled().count() == events


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_another_organizations_ids_get_404(client, api_world, method, path):
    own, other = api_world
    _token, secret = make_token(own.coordinator)
    case = support.CASES[(method, path)]
    mixed = {**own.ids, **other.ids}  # every id (path, query, body) of organization B
    with scopes_disabled():
        before = sorted(
            Membership.objects.filter(organization=other.organization).values_list("pk", "status", "is_committee")
        )
    response = support.call(client, method, path, mixed, secret)
    uses_ids = "{" in path or any(
        support.PATH_KINDS.get(k) or v in support.PATH_KINDS.values() for k, v in case.query.items()
    )
    uses_ids = uses_ids or (case.body is not None and any(k.endswith("_id") for k in case.body(mixed)))
    if uses_ids:
        assert response.status_code == 404, response.content[:300]
        assert response.json() == {"detail": "Not found."}
    else:
        assert response.status_code == case.status
    assert b"ORGB-" not in response.content
    with scopes_disabled():
        after = sorted(
            Membership.objects.filter(organization=other.organization).values_list("pk", "status", "is_committee")
        )
    assert before == after


def test_lists_hold_only_the_tokens_organization(client, api_world):
    own, other = api_world
    _token, secret = make_token(own.coordinator)
    for method, path in OPERATIONS:
        if method == "get" and "{" not in path:
            response = support.call(client, method, path, own.ids, secret, params={})
            assert response.status_code == 200, path
            assert b"ORGB-" not in response.content, path
            if response["Content-Type"].startswith("application/json"):
                ids = {row["id"] for row in response.json()["items"]}
                assert ids, path
    # The other organization's token sees its own.
    _token, secret_b = make_token(other.coordinator)
    rows = client.get("/api/v1/programs", HTTP_AUTHORIZATION=f"Bearer {secret_b}").json()["items"]
    assert {row["name"] for row in rows} == {"ORGB-Society", "ORGB-Alumni"}
