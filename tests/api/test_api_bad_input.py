"""Hostile input to every operation of the API: query strings, path ids and JSON bodies
from tests/bad_input_support.py's strategies. Every answer is a 4xx with a message (or the
operation's success): never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api import support
from tests.api.world import build_org, make_token
from tests.bad_input_support import hostile_value

pytestmark = pytest.mark.django_db

OPERATIONS = [(method, path, op) for method, path, op in support.operations()]

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_value([]),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for every example (hypothesis runs many in one test)."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        from django.db import transaction

        with transaction.atomic():
            own, other = build_org("alpha", ""), build_org("bravo", "ORGB-")
            _token, secret = make_token(own.coordinator)
            yield own, other, secret
            transaction.set_rollback(True)


def _assert_answered(response, what) -> None:
    assert response.status_code < 500, (what, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert body.get("detail"), (what, body)


def _fields(op: dict, spec: dict) -> list[str]:
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    if ref:
        body = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return list(body.get("properties", {}))


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_operation_fails_on_hostile_input(client, world, method, path, op, data):
    own, other, secret = world
    spec = support.schema()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    foreign = sorted(other.ids.values())
    value = hostile_value(foreign)
    ids = {kind: data.draw(st.one_of(st.just(pk), value), label=kind) for kind, pk in own.ids.items()}
    target = support.url(path, ids)
    names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    params = {
        name: data.draw(value, label=name)
        for name in data.draw(st.lists(st.sampled_from(names), unique=True) if names else st.just([]))
    }
    from django.core.cache import cache

    cache.clear()  # hundreds of calls: the rate limit is tested elsewhere
    if method == "get":
        response = client.get(target, params, **headers)
    else:
        fields = _fields(op, spec)
        kind = data.draw(st.sampled_from(["fields", "any", "raw"]), label="body kind")
        if kind == "fields":
            body = json.dumps({name: data.draw(json_value, label=name) for name in fields})
        elif kind == "any":
            body = json.dumps(data.draw(json_value, label="body"))
        else:
            body = data.draw(st.one_of(hostile_value([]), st.binary(max_size=200)), label="raw")
        response = getattr(client, method)(target, body, content_type="application/json", **headers)
    _assert_answered(response, (method, target, params))
