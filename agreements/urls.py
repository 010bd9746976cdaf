from django.urls import path

from agreements import urls_pdf, urls_review
from agreements.views import agreement as views

# Under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    path("mentorships/<int:pk>/agreement/", views.agreement_detail, name="agreement_detail"),
    path(
        "mentorships/<int:pk>/agreement/v<int:version>/",
        views.agreement_version,
        name="agreement_version",
    ),
    path("programs/<slug:program_slug>/agreements/", views.program_agreements, name="program_agreements"),
    path("programs/<slug:program_slug>/agreement-form/", views.template_edit, name="agreement_template"),
    *urls_pdf.org_urlpatterns,
    *urls_review.org_urlpatterns,
]
urlpatterns = [*urls_pdf.urlpatterns, *urls_review.urlpatterns]
