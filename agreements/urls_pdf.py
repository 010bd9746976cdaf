# URL patterns for this feature; included by mentorship/urls.py.
from django.urls import path

from agreements import views_pdf

org_urlpatterns = [  # under /o/<org_slug>/
    path("agreements/<int:pk>/pdf/", views_pdf.agreement_pdf, name="agreement_pdf"),
]
urlpatterns = [  # outside any organization
    path("verify/", views_pdf.agreement_verify, name="agreement_verify"),
]
