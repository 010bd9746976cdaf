# URL patterns for this feature; included by mentorship/urls.py.
org_urlpatterns = []  # under /o/<org_slug>/
urlpatterns = []  # outside any organization
