# URL patterns under /o/<org_slug>/ for this feature; included by programs/urls.py.
org_urlpatterns = []
