# URL patterns under /o/<org_slug>/ for this feature; included by surveys/urls.py.
from django.urls import path

from surveys import views_dashboard

org_urlpatterns = [
    path("health/", views_dashboard.health_dashboard, name="health_dashboard"),
    path("health/redcap/", views_dashboard.redcap_export, name="redcap_export"),
    path("health/redcap/records.csv", views_dashboard.redcap_records, name="redcap_records"),
    path("health/redcap/dictionary.csv", views_dashboard.redcap_dictionary, name="redcap_dictionary"),
    path("health/<str:table>.csv", views_dashboard.health_csv, name="health_csv"),
]
