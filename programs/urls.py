from django.urls import path

from programs import urls_hubs, urls_profiles, urls_roster, views, views_applications, views_programs

# Mounted under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path("", views.organization_dashboard, name="organization_dashboard"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/", views.organization_settings, name="organization_settings"),
    path("settings/contact/confirm/", views.organization_contact_resend, name="organization_contact_resend"),
    path("programs/", views_programs.program_list, name="program_list"),
    path("programs/new/", views_programs.program_create, name="program_create"),
    path("programs/<slug:program_slug>/", views_programs.program_detail, name="program_detail"),
    path("programs/<slug:program_slug>/edit/", views_programs.program_edit, name="program_edit"),
    path("programs/<slug:program_slug>/guide/", views_programs.program_guide, name="program_guide"),
    path("programs/<slug:program_slug>/mentors/", views_programs.mentor_directory, name="mentor_directory"),
    path(
        "programs/<slug:program_slug>/apply/<str:role>/",
        views_applications.application_start,
        name="application_start",
    ),
    path(
        "programs/<slug:program_slug>/applications/",
        views_applications.application_list,
        name="application_list",
    ),
    path(
        "programs/<slug:program_slug>/applications/<int:pk>/",
        views_applications.application_review,
        name="application_review",
    ),
    path("applications/<int:pk>/", views_applications.application_edit, name="application_edit"),
    path("applications/<int:pk>/withdraw/", views_applications.application_withdraw, name="application_withdraw"),
    *urls_roster.org_urlpatterns,
    *urls_hubs.org_urlpatterns,
    *urls_profiles.org_urlpatterns,
]

urlpatterns = [
    path("organizations/new/", views.organization_create, name="organization_create"),
    path(
        "organizations/contact/<str:token>/",
        views.organization_contact_confirm,
        name="organization_contact_confirm",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
