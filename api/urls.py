"""The api app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them): the coordinators' token pages. ``public_urlpatterns`` stand outside
any organization: the API itself, whose token names the organization."""

from django.urls import path

from api.v1 import api, docs, not_found
from api.views import tokens
from mentorship.tenancy import app_urlpatterns

org_urlpatterns = [
    path("settings/api/", tokens.token_list, name="api_tokens"),
    path("settings/api/new/", tokens.token_create, name="api_token_create"),
    path("settings/api/<int:pk>/revoke/", tokens.token_revoke, name="api_token_revoke"),
]
public_urlpatterns = [
    path("api/v1/docs", docs),  # unnamed, as the API's own addresses: tests/api/ covers them
    path("api/v1/", api.urls),
    # Any other address under the API: a JSON 404, as the API's own answers are.
    path("api/v1/<path:rest>", not_found),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
