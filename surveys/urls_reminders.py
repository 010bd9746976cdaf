# URL patterns under /o/<org_slug>/ for this feature; included by surveys/urls.py.
from django.urls import path

from surveys import views_reminders

org_urlpatterns = [
    path("reminders/", views_reminders.reminder_log, name="reminder_log"),
    path("reminders.csv", views_reminders.reminder_log_csv, name="reminder_log_csv"),
    path("notifications/", views_reminders.notification_settings, name="notification_settings"),
]

urlpatterns = [  # outside any organization: the link in a nudge email works without signing in
    path("unsubscribe/<str:token>/", views_reminders.nudges_unsubscribe, name="nudges_unsubscribe"),
]
