"""The API's browsable docs: the OpenAPI document rendered as one plain page of the site
(its own styles and no script: it works offline under the site's CSP, and reads well with a
screen reader). The document itself is at /api/v1/openapi.json."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def type_name(schema: dict | bool) -> str:
    """A property's type in a word or two: ``integer``, ``list of MemberOut``, ``string or null``."""
    if not isinstance(schema, dict):  # ``additionalProperties: true``
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_name(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_name(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {type_name(schema['additionalProperties'])}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_name(prop),
            "required": name in required,
            "description": prop.get("description", ""),
            "limits": ", ".join(
                f"{label} {prop[key]}"
                for key, label in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "length ≤"))
                if key in prop
            ),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _content(body: dict) -> list[dict]:
    return [
        {"media": media, "model": type_name(spec["schema"]) if spec.get("schema") else ""}
        for media, spec in (body or {}).get("content", {}).items()
    ]


def docs_context(spec: dict) -> dict:
    operations = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            operations.append(
                {
                    "anchor": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "scope": f"{op['tags'][0]}:{'read' if method == 'get' else 'write'}",
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "type": type_name(p.get("schema", {})),
                            "required": p.get("required", False),
                            "description": p.get("description", "") or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _content(op.get("requestBody")),
                    "responses": [
                        {
                            "status": status,
                            "description": response.get("description", ""),
                            "content": _content(response),
                        }
                        for status, response in sorted(op.get("responses", {}).items(), key=lambda item: str(item[0]))
                    ],
                }
            )
    models = [
        {"name": name, "fields": _fields(schema)} for name, schema in sorted(spec["components"]["schemas"].items())
    ]
    return {"info": spec["info"], "operations": operations, "models": models}


def docs(request: HttpRequest, api) -> HttpResponse:
    return render(request, "api/docs.html", docs_context(api.get_openapi_schema(path_params={})))
