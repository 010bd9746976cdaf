from django.urls import path

from matching import views

# Mounted under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path(
        "programs/<slug:program_slug>/mentors/<int:mentor_pk>/request/",
        views.request_create,
        name="request_create",
    ),
    path("programs/<slug:program_slug>/requests/", views.program_requests, name="program_requests"),
    path("programs/<slug:program_slug>/pairings/", views.program_pairings, name="program_pairings"),
    path(
        "programs/<slug:program_slug>/pairings/<int:pk>/withdraw/",
        views.proposal_withdraw,
        name="proposal_withdraw",
    ),
    path("programs/<slug:program_slug>/review/", views.committee_review, name="committee_review"),
    path("programs/<slug:program_slug>/review/<int:pk>/vote/", views.proposal_vote, name="proposal_vote"),
    path(
        "programs/<slug:program_slug>/review/<int:pk>/finalize/",
        views.proposal_finalize,
        name="proposal_finalize",
    ),
    path(
        "programs/<slug:program_slug>/participants/<int:membership_pk>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("programs/<slug:program_slug>/senior-mentors/", views.senior_mentors_pair, name="senior_mentors_pair"),
    path("programs/<slug:program_slug>/rounds/", views.match_rounds, name="match_rounds"),
    path("programs/<slug:program_slug>/rounds/<int:pk>/", views.match_round_detail, name="match_round_detail"),
    path(
        "programs/<slug:program_slug>/rounds/<int:pk>/action/",
        views.match_round_action,
        name="match_round_action",
    ),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/<int:pk>/respond/", views.offer_respond, name="offer_respond"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
]
