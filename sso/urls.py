"""The sso app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them); ``public_urlpatterns`` stand outside any organization."""

from django.urls import path

from mentorship.tenancy import app_urlpatterns
from sso.views import connections, signin

org_urlpatterns = [
    path("settings/sso/", connections.connection_list, name="sso_connection_list"),
    path("settings/sso/add/<slug:kind>/", connections.connection_add, name="sso_connection_add"),
    path("settings/sso/<int:pk>/", connections.connection_edit, name="sso_connection_edit"),
    path("settings/sso/<int:pk>/test/", connections.connection_test, name="sso_connection_test"),
    path("settings/sso/<int:pk>/enabled/", connections.connection_enabled, name="sso_connection_enabled"),
    path("settings/sso/<int:pk>/delete/", connections.connection_delete, name="sso_connection_delete"),
    path("settings/sso/<int:pk>/domains/<int:claim>/verify/", connections.domain_verify, name="sso_domain_verify"),
]
# Outside any organization (the person is not signed in yet). The organization's slug is
# named ``organization`` here: ``org_slug`` would make the tenancy middleware ask for a member.
public_urlpatterns = [
    path("sso/", signin.organization_sign_in, name="sso_sign_in"),
    path("sso/o/<slug:organization>/", signin.organization_start, name="sso_start"),
    path("sso/go/<slug:key>/", signin.connection_go, name="sso_go"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
