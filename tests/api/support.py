"""Every documented operation of /api/v1/ with a request that succeeds for organization A's
token: the contract test, the isolation matrix and the bad-input test walk these. An
operation of the schema without a case here fails the contract test."""

import json
from dataclasses import dataclass, field

from django.test import Client

from api.v1 import api

ROSTER_CSV = "email,full_name,member_status\r\nnew.person@example.org,New Person,Member\r\n"

# The path parameter -> the world's object kind (tests/api/world.py).
PATH_KINDS = {
    "program_id": "program",
    "member_id": "member",
    "import_id": "import",
    "application_id": "application",
    "relationship_id": "relationship",
    "round_id": "round",
    "agreement_id": "agreement",
    "survey_id": "survey",
}


@dataclass(frozen=True)
class Case:
    status: int
    query: dict = field(default_factory=dict)  # name -> object kind (an id of the organization) or a value
    body: object = None  # a function of the ids, giving the JSON body
    content_type: str = "application/json"


def _kind(value):
    return value if value in PATH_KINDS.values() else None


CASES: dict[tuple[str, str], Case] = {
    ("get", "/api/v1/programs"): Case(200),
    ("get", "/api/v1/programs/{program_id}"): Case(200),
    ("get", "/api/v1/members"): Case(200, query={"limit": 2}),
    ("get", "/api/v1/members/{member_id}"): Case(200),
    ("patch", "/api/v1/members/{member_id}"): Case(200, body=lambda ids: {"is_committee": True, "status": "faculty"}),
    ("post", "/api/v1/roster-imports"): Case(201, body=lambda ids: {"filename": "roster.csv", "content": ROSTER_CSV}),
    ("get", "/api/v1/roster-imports/{import_id}"): Case(200),
    ("post", "/api/v1/roster-imports/{import_id}/confirm"): Case(202),
    ("get", "/api/v1/applications"): Case(200, query={"program_id": "program", "status": "eligible"}),
    ("post", "/api/v1/applications/{application_id}/decision"): Case(
        200, body=lambda ids: {"decision": "accepted", "message": "Welcome aboard."}
    ),
    ("get", "/api/v1/applications/{application_id}"): Case(200),
    ("get", "/api/v1/relationships"): Case(200, query={"program_id": "program"}),
    ("get", "/api/v1/relationships/{relationship_id}"): Case(200),
    ("get", "/api/v1/rounds"): Case(200, query={"program_id": "program"}),
    ("post", "/api/v1/rounds"): Case(201, body=lambda ids: {"program_id": ids["program"], "mode": "optimal"}),
    ("get", "/api/v1/rounds/{round_id}"): Case(200),
    ("get", "/api/v1/agreements"): Case(200, query={"relationship_id": "relationship"}),
    ("get", "/api/v1/agreements/{agreement_id}"): Case(200),
    ("get", "/api/v1/agreements/{agreement_id}/pdf"): Case(200, content_type="application/pdf"),
    ("get", "/api/v1/surveys"): Case(200),
    ("get", "/api/v1/surveys/{survey_id}/results"): Case(200, query={"role": "mentee"}),
    ("get", "/api/v1/exports/redcap/records"): Case(200, query={"program_id": "program"}, content_type="text/csv"),
    ("get", "/api/v1/exports/redcap/dictionary"): Case(200, content_type="text/csv"),
}


def schema() -> dict:
    """The OpenAPI document as a client reads it (JSON: status codes are strings)."""
    return json.loads(json.dumps(api.get_openapi_schema()))


def operations() -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, ops in schema()["paths"].items() for method, op in ops.items()]


def area_of(op: dict) -> str:
    return op["tags"][0]


def level_of(method: str) -> str:
    return "read" if method == "get" else "write"


def url(path: str, ids: dict) -> str:
    for name, kind in PATH_KINDS.items():
        path = path.replace("{" + name + "}", str(ids[kind]))
    return path


def query(case: Case, ids: dict) -> dict:
    return {name: (ids[value] if _kind(value) else value) for name, value in case.query.items()}


def call(client: Client, method: str, path: str, ids: dict, secret: str | None, *, body=None, params=None):
    """One request; ``ids`` fill the path (and the case's query and body)."""
    case = CASES[(method, path)]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    target = url(path, ids)
    params = query(case, ids) if params is None else params
    if body is None and case.body is not None:
        body = case.body(ids)
    if method == "get":
        return client.get(target, params, **headers)
    if params:
        from urllib.parse import urlencode

        target = f"{target}?{urlencode(params)}"
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(target, data, content_type="application/json", **headers)
