from django.urls import path

from programs import urls_hubs, urls_profiles, urls_roster, views

# Mounted under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path("", views.organization_dashboard, name="organization_dashboard"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/", views.organization_settings, name="organization_settings"),
    *urls_roster.org_urlpatterns,
    *urls_hubs.org_urlpatterns,
    *urls_profiles.org_urlpatterns,
]

urlpatterns = [
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
