# URL patterns under /o/<org_slug>/ for this feature; included by programs/urls.py.
from django.urls import path

from programs import views_profiles

org_urlpatterns = [
    path("profile/", views_profiles.my_profile, name="my_profile"),
    path("profile/cv/", views_profiles.profile_cv_upload, name="profile_cv_upload"),
    path("profile/cv/remove/", views_profiles.profile_cv_remove, name="profile_cv_remove"),
    path("profile/cv/shares/", views_profiles.profile_cv_share, name="profile_cv_share"),
    # pk = the Membership the CV is shared with.
    path("profile/cv/shares/<int:pk>/remove/", views_profiles.profile_cv_unshare, name="profile_cv_unshare"),
    # pk = the Profile whose CV is downloaded.
    path("profile/<int:pk>/cv/", views_profiles.profile_cv, name="profile_cv"),
]
