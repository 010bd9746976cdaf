"""The privacy app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them); ``public_urlpatterns`` stand outside any organization."""

from django.urls import path

from mentorship.tenancy import app_urlpatterns
from privacy.views import account, coordinator

org_urlpatterns = [
    path("privacy/requests/", coordinator.request_list, name="privacy_requests"),
    path("privacy/requests/<int:pk>/", coordinator.request_detail, name="privacy_request_detail"),
    path("privacy/settings/", coordinator.retention_settings, name="privacy_settings"),
]
public_urlpatterns = [
    path("profile/privacy/", account.privacy_home, name="privacy_home"),
    path("profile/privacy/exports/", account.export_request, name="privacy_export_request"),
    path("profile/privacy/exports/<int:pk>/progress/", account.export_progress, name="privacy_export_progress"),
    path(
        "profile/privacy/exports/<int:pk>/download/<str:token>/",
        account.export_download,
        name="privacy_export_download",
    ),
    path("profile/privacy/erasure/", account.erasure_request, name="privacy_erasure_request"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
