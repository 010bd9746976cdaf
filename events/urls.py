"""The events app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them)."""

from mentorship.tenancy import app_urlpatterns

org_urlpatterns = []

urlpatterns = app_urlpatterns(org=org_urlpatterns)
