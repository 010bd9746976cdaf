# URL patterns under /o/<org_slug>/ for this feature; included by programs/urls.py.
from django.urls import path

from programs import views_hubs

_P = "programs/<slug:program_slug>/hubs/"

org_urlpatterns = [
    path(_P, views_hubs.hub_list, name="hub_list"),
    path(_P + "new/", views_hubs.hub_create, name="hub_create"),
    path(_P + "<int:pk>/", views_hubs.hub_edit, name="hub_edit"),
    path(_P + "<int:pk>/active/", views_hubs.hub_set_active, name="hub_set_active"),
    path(_P + "<int:pk>/delete/", views_hubs.hub_delete, name="hub_delete"),
    path(_P + "<int:pk>/mentors/", views_hubs.hub_mentor_add, name="hub_mentor_add"),
    path(_P + "mentors/<int:pk>/capacity/", views_hubs.hub_mentor_capacity, name="hub_mentor_capacity"),
    path(_P + "mentors/<int:pk>/remove/", views_hubs.hub_mentor_remove, name="hub_mentor_remove"),
    path(_P + "groups/new/", views_hubs.affinity_group_create, name="affinity_group_create"),
    path(_P + "groups/<int:pk>/", views_hubs.affinity_group_edit, name="affinity_group_edit"),
    path(_P + "groups/<int:pk>/delete/", views_hubs.affinity_group_delete, name="affinity_group_delete"),
]
