# URL patterns for this feature; included by mentorship/urls.py.
from django.urls import path

from agreements import views_review

org_urlpatterns = [  # under /o/<org_slug>/
    path("mentorships/<int:pk>/review/", views_review.review_detail, name="mentorship_review"),
    path("mentorships/<int:pk>/checklist/", views_review.checklist_detail, name="mentorship_checklist"),
    path(
        "mentorships/<int:pk>/documents/<int:doc_pk>/",
        views_review.document_download,
        name="mentorship_document",
    ),
    path(
        "mentorships/<int:pk>/documents/<int:doc_pk>/remove/",
        views_review.document_remove,
        name="mentorship_document_remove",
    ),
]
urlpatterns = []  # outside any organization
