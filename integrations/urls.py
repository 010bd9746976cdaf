"""The integrations app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them); ``public_urlpatterns`` stand outside any organization."""

from django.urls import path

from integrations.views import calendar, webhooks
from mentorship.tenancy import app_urlpatterns

org_urlpatterns = [
    path("settings/webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("settings/webhooks/add/", webhooks.webhook_add, name="webhook_add"),
    path("settings/webhooks/<int:pk>/", webhooks.webhook_edit, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("settings/webhooks/<int:pk>/toggle/", webhooks.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("settings/webhooks/<int:pk>/ping/", webhooks.webhook_ping, name="webhook_ping"),
    path("settings/webhooks/<int:pk>/deliveries/", webhooks.webhook_deliveries, name="webhook_deliveries"),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        webhooks.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
public_urlpatterns = [
    path("profile/calendar/", calendar.calendar_settings, name="calendar_settings"),
    path("profile/calendar/new/", calendar.calendar_create, name="calendar_create"),
    path("profile/calendar/off/", calendar.calendar_turn_off, name="calendar_turn_off"),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
