from surveys import urls_dashboard, urls_reminders, urls_reports, urls_surveys

# Under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    *urls_reminders.org_urlpatterns,
    *urls_reports.org_urlpatterns,
    *urls_surveys.org_urlpatterns,
    *urls_dashboard.org_urlpatterns,
]

# Outside any organization.
urlpatterns = [*urls_reminders.urlpatterns]
