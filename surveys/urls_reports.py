# URL patterns under /o/<org_slug>/ for this feature; included by surveys/urls.py.
from django.urls import path

from surveys import views_reports

org_urlpatterns = [
    path("mentorships/<int:pk>/reports/", views_reports.report_list, name="quarterly_report"),
    path(
        "mentorships/<int:pk>/reports/<int:year>/<int:quarter>/",
        views_reports.report_edit,
        name="quarterly_report_edit",
    ),
    path("programs/<slug:program_slug>/reports/", views_reports.program_reports, name="program_reports"),
    path("programs/<slug:program_slug>/reports.csv", views_reports.program_reports_csv, name="program_reports_csv"),
]
