# URL patterns under /o/<org_slug>/ for this feature; included by surveys/urls.py.
org_urlpatterns = []
