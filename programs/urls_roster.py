# URL patterns under /o/<org_slug>/ for this feature; included by programs/urls.py.
from django.urls import path

from programs import views_roster

org_urlpatterns = [
    path("members/import/", views_roster.roster_import, name="roster_import"),
    path("members/import/template.csv", views_roster.roster_template, name="roster_template"),
    path("members/import/<int:pk>/", views_roster.roster_preview, name="roster_preview"),
]
