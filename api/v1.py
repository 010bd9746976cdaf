"""The REST API, version 1, at /api/v1/: its OpenAPI 3 schema at /api/v1/openapi.json and
browsable docs at /api/v1/docs (Swagger UI served from the project's own static files)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import JsonResponse
from ninja import NinjaAPI

from api.core import TokenAuth, register_errors
from api.endpoints import pairs, programs, records, rounds

DESCRIPTION = """A coordinator makes a token for one organization on the organization's
settings page (Settings → API tokens), with read or write scopes per area. Send it as
`Authorization: Bearer mtk_…`. Every call acts in the token's organization: ids of another
organization answer 404. Lists are pages ordered by id: pass `after` (the previous page's
`next_after`) and `limit` (at most 200). Relationships carry metadata only: never the text of
meetings, agendas, messages or notes."""

# Swagger UI sets style attributes as it draws: allowed on the docs page only.
docs_csp = csp_update({"style-src": [UNSAFE_INLINE]})

api = NinjaAPI(
    title="Mentorship API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=docs_csp,
)
register_errors(api)
api.add_router("", programs.router)
api.add_router("", pairs.router)
api.add_router("", rounds.router)
api.add_router("", records.router)


def not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)
