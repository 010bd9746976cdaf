"""The REST API, version 1, at /api/v1/: its OpenAPI 3 schema at /api/v1/openapi.json and
browsable docs at /api/v1/docs (``api/docs.py``: the document as one page of the site)."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe
from ninja import NinjaAPI

from api.core import TokenAuth, register_errors
from api.docs import docs as api_docs
from api.endpoints import pairs, programs, records, rounds

DESCRIPTION = """A coordinator makes a token for one organization on the organization's
settings page (Settings → API tokens), with read or write scopes per area. Send it as
`Authorization: Bearer mtk_…`. Every call acts in the token's organization: ids of another
organization answer 404. Lists are pages ordered by id: pass `after` (the previous page's
`next_after`) and `limit` (at most 200). Relationships carry metadata only: never the text of
meetings, agendas, messages or notes."""

api = NinjaAPI(
    title="Mentorship API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url=None,  # the docs are the site's own page (api/docs.py): no third-party script
    openapi_url="/openapi.json",
)
register_errors(api)
api.add_router("", programs.router)
api.add_router("", pairs.router)
api.add_router("", rounds.router)
api.add_router("", records.router)


def not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


@require_safe
def docs(request):
    return api_docs(request, api)
