"""The events app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them)."""

from django.urls import path

from events.views import coordinator, desk, participant
from mentorship.tenancy import app_urlpatterns

org_urlpatterns = [
    path("programs/<slug:program_slug>/events/", coordinator.speed_events, name="speed_events"),
    path("events/<int:pk>/", coordinator.speed_event_detail, name="speed_event_detail"),
    path("events/<int:pk>/edit/", coordinator.speed_event_edit, name="speed_event_edit"),
    path("events/<int:pk>/participants/add/", coordinator.speed_participant_add, name="speed_participant_add"),
    path(
        "events/<int:pk>/participants/add-approved/",
        coordinator.speed_participants_add_approved,
        name="speed_participants_add_approved",
    ),
    path(
        "events/<int:pk>/participants/<int:participant_pk>/remove/",
        coordinator.speed_participant_remove,
        name="speed_participant_remove",
    ),
    path("events/<int:pk>/schedule/", coordinator.speed_schedule_build, name="speed_schedule_build"),
    path("events/<int:pk>/grid/", coordinator.speed_event_grid, name="speed_event_grid"),
    path("events/<int:pk>/schedules.pdf", coordinator.speed_schedules_pdf, name="speed_schedules_pdf"),
    path("events/<int:pk>/table-cards.pdf", coordinator.speed_table_cards_pdf, name="speed_table_cards_pdf"),
    path("events/<int:pk>/held/", coordinator.speed_event_held, name="speed_event_held"),
    path("events/<int:pk>/offer/", coordinator.speed_event_offer, name="speed_event_offer"),
    path("events/<int:pk>/desk/", desk.speed_checkin, name="speed_checkin"),
    path("events/<int:pk>/desk/<int:participant_pk>/", desk.speed_checkin_toggle, name="speed_checkin_toggle"),
    path("events/<int:pk>/my-schedule/", participant.speed_event_mine, name="speed_event_mine"),
    path("events/<int:pk>/picks/", participant.speed_event_picks, name="speed_event_picks"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns)
