"""The sso app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them); ``public_urlpatterns`` stand outside any organization."""

from mentorship.tenancy import app_urlpatterns

org_urlpatterns = []
public_urlpatterns = []

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
