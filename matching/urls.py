from django.urls import path

from matching.views import committee, pairings, participants, rankings, requests, rounds
from mentorship.tenancy import app_urlpatterns

# Mounted under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path(
        "programs/<slug:program_slug>/mentors/<int:mentor_pk>/request/",
        requests.request_create,
        name="request_create",
    ),
    path("programs/<slug:program_slug>/requests/", requests.program_requests, name="program_requests"),
    path("programs/<slug:program_slug>/pairings/", pairings.program_pairings, name="program_pairings"),
    path(
        "programs/<slug:program_slug>/pairings/<int:pk>/withdraw/",
        pairings.proposal_withdraw,
        name="proposal_withdraw",
    ),
    path("programs/<slug:program_slug>/review/", committee.committee_review, name="committee_review"),
    path("programs/<slug:program_slug>/review/<int:pk>/vote/", committee.proposal_vote, name="proposal_vote"),
    path(
        "programs/<slug:program_slug>/review/<int:pk>/finalize/",
        committee.proposal_finalize,
        name="proposal_finalize",
    ),
    path(
        "programs/<slug:program_slug>/review/finalize-approved/",
        committee.finalize_approved,
        name="finalize_approved",
    ),
    path(
        "programs/<slug:program_slug>/participants/<int:membership_pk>/remove/",
        participants.participant_remove,
        name="participant_remove",
    ),
    path("programs/<slug:program_slug>/senior-mentors/", participants.senior_mentors_pair, name="senior_mentors_pair"),
    path("programs/<slug:program_slug>/rounds/", rounds.match_rounds, name="match_rounds"),
    path("programs/<slug:program_slug>/rounds/<int:pk>/", rounds.match_round_detail, name="match_round_detail"),
    path(
        "programs/<slug:program_slug>/rounds/<int:pk>/action/",
        rounds.match_round_action,
        name="match_round_action",
    ),
    path("programs/<slug:program_slug>/ranking/", rankings.ranking, name="ranking"),
    path("offers/", pairings.offer_list, name="offer_list"),
    path("offers/<int:pk>/respond/", pairings.offer_respond, name="offer_respond"),
    path("requests/", requests.request_list, name="request_list"),
    path("requests/<int:pk>/accept/", requests.request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", requests.request_decline, name="request_decline"),
    path("requests/<int:pk>/withdraw/", requests.request_withdraw, name="request_withdraw"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns)
