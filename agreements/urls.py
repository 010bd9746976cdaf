"""The agreements app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the
tenancy middleware scopes them); ``urlpatterns`` stand outside any organization. The URL
names are the ones emails and templates use."""

from django.urls import path

from agreements.views import agreement, pdf, review
from mentorship.tenancy import app_urlpatterns

org_urlpatterns = [
    path("mentorships/<int:pk>/agreement/", agreement.agreement_detail, name="agreement_detail"),
    path(
        "mentorships/<int:pk>/agreement/v<int:version>/",
        agreement.agreement_version,
        name="agreement_version",
    ),
    path("programs/<slug:program_slug>/agreements/", agreement.program_agreements, name="program_agreements"),
    path("programs/<slug:program_slug>/agreement-form/", agreement.template_edit, name="agreement_template"),
    path("agreements/<int:pk>/pdf/", pdf.agreement_pdf, name="agreement_pdf"),
    # The yearly review, its checklist and documents.
    path("mentorships/<int:pk>/review/", review.review_detail, name="mentorship_review"),
    path("mentorships/<int:pk>/checklist/", review.checklist_detail, name="mentorship_checklist"),
    path(
        "mentorships/<int:pk>/documents/<int:doc_pk>/",
        review.document_download,
        name="mentorship_document",
    ),
    path(
        "mentorships/<int:pk>/documents/<int:doc_pk>/remove/",
        review.document_remove,
        name="mentorship_document_remove",
    ),
]
public_urlpatterns = [
    path("verify/", pdf.agreement_verify, name="agreement_verify"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
