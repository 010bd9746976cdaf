from django.urls import path

from mentorship.tenancy import app_urlpatterns
from programs.views import (
    applications,
    home,
    hubs,
    messaging,
    notifications,
    organizations,
    profiles,
    programs,
    roster,
)

_HUBS = "programs/<slug:program_slug>/hubs/"

# Mounted under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path("", organizations.organization_dashboard, name="organization_dashboard"),
    path("nav/badges/", organizations.nav_badges, name="nav_badges"),
    # The notification centre (the bell).
    path("notifications/all/", notifications.notification_list, name="notification_list"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("members/", organizations.member_list, name="member_list"),
    path("members/export.csv", organizations.member_list_csv, name="member_list_csv"),
    path("members/<int:pk>/", organizations.member_edit, name="member_edit"),
    path("invitations/", organizations.invitations, name="invitations"),
    path("invitations/<int:pk>/resend/", organizations.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", organizations.invitation_revoke, name="invitation_revoke"),
    path("settings/", organizations.organization_settings, name="organization_settings"),
    path("settings/contact/confirm/", organizations.organization_contact_resend, name="organization_contact_resend"),
    path("settings/emails/", messaging.email_template_list, name="email_template_list"),
    path("settings/emails/<slug:kind>/", messaging.email_template_edit, name="email_template_edit"),
    path("settings/emails/<slug:kind>/preview/", messaging.email_template_preview_html, name="email_template_preview"),
    path("settings/emails/<slug:kind>/reset/", messaging.email_template_reset, name="email_template_reset"),
    path("programs/", programs.program_list, name="program_list"),
    path("programs/new/", programs.program_create, name="program_create"),
    path("programs/<slug:program_slug>/", programs.program_detail, name="program_detail"),
    path("programs/<slug:program_slug>/edit/", programs.program_edit, name="program_edit"),
    path("programs/<slug:program_slug>/guide/", programs.program_guide, name="program_guide"),
    path("programs/<slug:program_slug>/announcements/", messaging.announcements, name="program_announcements"),
    path("programs/<slug:program_slug>/mentors/", programs.mentor_directory, name="mentor_directory"),
    path(
        "programs/<slug:program_slug>/apply/<str:role>/",
        applications.application_start,
        name="application_start",
    ),
    path(
        "programs/<slug:program_slug>/applications/",
        applications.application_list,
        name="application_list",
    ),
    path(
        "programs/<slug:program_slug>/applications/export.csv",
        applications.application_list_csv,
        name="application_list_csv",
    ),
    path(
        "programs/<slug:program_slug>/applications/<int:pk>/",
        applications.application_review,
        name="application_review",
    ),
    path("applications/<int:pk>/", applications.application_edit, name="application_edit"),
    path("applications/<int:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"),
    # Roster import.
    path("members/import/", roster.roster_import, name="roster_import"),
    path("members/import/template.csv", roster.roster_template, name="roster_template"),
    path("members/import/<int:pk>/", roster.roster_preview, name="roster_preview"),
    path("members/import/<int:pk>/progress/", roster.roster_progress, name="roster_progress"),
    # Hubs, their mentors and affinity groups.
    path(_HUBS, hubs.hub_list, name="hub_list"),
    path(_HUBS + "new/", hubs.hub_create, name="hub_create"),
    path(_HUBS + "<int:pk>/", hubs.hub_edit, name="hub_edit"),
    path(_HUBS + "<int:pk>/active/", hubs.hub_set_active, name="hub_set_active"),
    path(_HUBS + "<int:pk>/delete/", hubs.hub_delete, name="hub_delete"),
    path(_HUBS + "<int:pk>/mentors/", hubs.hub_mentor_add, name="hub_mentor_add"),
    path(_HUBS + "<int:pk>/mentors/search/", hubs.hub_mentor_search, name="hub_mentor_search"),
    path(_HUBS + "mentors/<int:pk>/capacity/", hubs.hub_mentor_capacity, name="hub_mentor_capacity"),
    path(_HUBS + "mentors/<int:pk>/remove/", hubs.hub_mentor_remove, name="hub_mentor_remove"),
    path(_HUBS + "groups/new/", hubs.affinity_group_create, name="affinity_group_create"),
    path(_HUBS + "groups/<int:pk>/", hubs.affinity_group_edit, name="affinity_group_edit"),
    path(_HUBS + "groups/<int:pk>/delete/", hubs.affinity_group_delete, name="affinity_group_delete"),
    # Profiles and CVs.
    path("profile/", profiles.my_profile, name="my_profile"),
    path("profile/cv/", profiles.profile_cv_upload, name="profile_cv_upload"),
    path("profile/cv/remove/", profiles.profile_cv_remove, name="profile_cv_remove"),
    path("profile/cv/shares/", profiles.profile_cv_share, name="profile_cv_share"),
    # pk = the Membership the CV is shared with.
    path("profile/cv/shares/<int:pk>/remove/", profiles.profile_cv_unshare, name="profile_cv_unshare"),
    # pk = the Profile whose CV is downloaded.
    path("profile/<int:pk>/cv/", profiles.profile_cv, name="profile_cv"),
]

public_urlpatterns = [
    path("", home.home, name="home"),
    path("organizations/new/", organizations.organization_create, name="organization_create"),
    path(
        "organizations/contact/<str:token>/",
        organizations.organization_contact_confirm,
        name="organization_contact_confirm",
    ),
    path("invitations/<str:token>/", organizations.invitation_accept, name="invitation_accept"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
