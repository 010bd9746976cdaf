# URL patterns under /o/<org_slug>/ for this feature; included by agreements/urls.py.
from django.urls import path

from agreements import views_record

org_urlpatterns = [
    path("mentorships/<int:pk>/goals/", views_record.goal_list, name="goal_list"),
    path("mentorships/<int:pk>/goals/<int:goal_pk>/", views_record.goal_detail, name="goal_detail"),
    path("mentorships/<int:pk>/stage/", views_record.stage_set, name="stage_set"),
    path("programs/<slug:program_slug>/resources/", views_record.program_resources, name="program_resources"),
    path(
        "programs/<slug:program_slug>/resources/edit/",
        views_record.program_resources_edit,
        name="program_resources_edit",
    ),
]
