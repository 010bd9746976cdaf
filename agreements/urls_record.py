# URL patterns under /o/<org_slug>/ for this feature; included by agreements/urls.py.
org_urlpatterns = []
