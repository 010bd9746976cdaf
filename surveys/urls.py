"""The surveys app's URL patterns; ``mentorship/urls.py`` includes both lists."""

from django.urls import path

from mentorship.tenancy import app_urlpatterns
from surveys.views import dashboard, reminders, reports, surveys

# Under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    # What was sent to whom, and each person's nudge setting.
    path("reminders/", reminders.reminder_log, name="reminder_log"),
    path("reminders.csv", reminders.reminder_log_csv, name="reminder_log_csv"),
    # Each person's email preferences and nudges (the bell's own page is programs' notifications/).
    path("notifications/", reminders.notification_settings, name="notification_settings"),
    # The joint quarterly report.
    path("mentorships/<int:pk>/reports/", reports.report_list, name="quarterly_report"),
    path(
        "mentorships/<int:pk>/reports/<int:year>/<int:quarter>/",
        reports.report_edit,
        name="quarterly_report_edit",
    ),
    path("programs/<slug:program_slug>/reports/", reports.program_reports, name="program_reports"),
    path("programs/<slug:program_slug>/reports.csv", reports.program_reports_csv, name="program_reports_csv"),
    # Surveys and feedback.
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path("surveys/mine/", surveys.my_surveys, name="my_surveys"),
    path("surveys/answer/<str:token>/", surveys.survey_answer, name="survey_answer"),
    path("surveys/<int:pk>/", surveys.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/activate/", surveys.survey_activate, name="survey_activate"),
    path("surveys/<int:pk>/close/", surveys.survey_close, name="survey_close"),
    path("surveys/<int:pk>/send-now/", surveys.survey_send_now, name="survey_send_now"),
    path("surveys/<int:pk>/copy/", surveys.survey_duplicate, name="survey_duplicate"),
    path("surveys/<int:pk>/results/", surveys.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", surveys.survey_results_csv, name="survey_results_csv"),
    path("feedback/", surveys.feedback, name="feedback"),
    path("feedback/inbox/", surveys.feedback_list, name="feedback_list"),
    path("feedback/<int:pk>/handle/", surveys.feedback_handle, name="feedback_handle"),
    # The program-health dashboard and the REDCap export.
    path("health/", dashboard.health_dashboard, name="health_dashboard"),
    path("health/redcap/", dashboard.redcap_export, name="redcap_export"),
    path("health/redcap/records.csv", dashboard.redcap_records, name="redcap_records"),
    path("health/redcap/dictionary.csv", dashboard.redcap_dictionary, name="redcap_dictionary"),
    path("health/<str:table>.csv", dashboard.health_csv, name="health_csv"),
]

# Outside any organization: the link in a nudge email works without signing in.
public_urlpatterns = [
    path("unsubscribe/<str:token>/", reminders.nudges_unsubscribe, name="nudges_unsubscribe"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
