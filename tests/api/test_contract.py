"""The schema validates as OpenAPI 3, and every documented operation answers as documented:
its status, and its body checked against the schema's response model."""

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.api import support
from tests.api.world import make_token

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi():
    spec = support.schema()
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_the_schema_and_docs_are_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == support.schema()["paths"].keys()
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    # The site's own page: every operation and model, no third-party script.
    for method, path, op in support.operations():
        assert f"{method.upper()} {path}" in html and f'id="{op["operationId"]}"' in html
    assert 'id="model-MemberOut"' in html and "cdn" not in html.lower()


def test_every_documented_operation_has_a_case():
    documented = {(method, path) for method, path, _ in support.operations()}
    assert documented == set(support.CASES), (
        f"without a case: {documented - set(support.CASES)}; stale: {set(support.CASES) - documented}"
    )


def _check_body(spec: dict, op: dict, status: int, response) -> None:
    documented = op["responses"].get(str(status))
    assert documented is not None, f"status {status} is not documented"
    content = documented.get("content", {})
    media = response["Content-Type"].split(";")[0]
    assert media in content, f"{media} not documented for {status}: {list(content)}"
    body_schema = content[media].get("schema")
    if media == "application/json" and body_schema:
        OAS31Validator({**body_schema, "components": spec["components"]}).validate(response.json())


@pytest.mark.parametrize(("method", "path"), list(support.CASES))
def test_each_operation_answers_as_documented(client, api_world, method, path):
    spec = support.schema()
    op = spec["paths"][path][method]
    own, _other = api_world
    _token, secret = make_token(own.coordinator)
    case = support.CASES[(method, path)]
    response = support.call(client, method, path, own.ids, secret)
    assert response.status_code == case.status, response.content[:500]
    assert response["Content-Type"].startswith(case.content_type)
    _check_body(spec, op, case.status, response)
    # An error answer is documented too.
    denied = support.call(client, method, path, own.ids, "mtk_unknown")
    assert denied.status_code == 401
    _check_body(spec, op, 401, denied)


def test_lists_are_paged_by_id(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    seen, after = [], 0
    while True:
        page = client.get("/api/v1/members", {"after": after, "limit": 1}, **headers).json()
        seen += [row["id"] for row in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    everyone = client.get("/api/v1/members", {"limit": 200}, **headers).json()
    assert seen == [row["id"] for row in everyone["items"]] and len(seen) == 3
    assert client.get("/api/v1/members", {"limit": 201}, **headers).status_code == 422
