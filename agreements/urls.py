from agreements import urls_pdf, urls_review

# Under /o/<org_slug>/ — the tenancy middleware scopes these.
org_urlpatterns = [
    *urls_pdf.org_urlpatterns,
    *urls_review.org_urlpatterns,
]
urlpatterns = [*urls_pdf.urlpatterns, *urls_review.urlpatterns]
