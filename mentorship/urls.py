from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from agreements.urls import org_urlpatterns as agreements_org_urlpatterns
from agreements.urls import urlpatterns as agreements_urlpatterns
from matching.urls import org_urlpatterns as matching_org_urlpatterns
from mentorship import views
from programs.urls import org_urlpatterns
from programs.views.home import home
from relationships.urls import org_urlpatterns as relationships_org_urlpatterns
from surveys.urls import org_urlpatterns as surveys_org_urlpatterns
from surveys.urls import urlpatterns as surveys_urlpatterns

# The admin signs in through the site's own sign-in (allauth): its rate limits, its
# enumeration resistance and the session timeouts apply; the admin's own login form,
# which has no throttling, is never shown to someone who is not signed in.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", views.favicon),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path(
        "o/<slug:org_slug>/",
        include(
            org_urlpatterns
            + relationships_org_urlpatterns
            + matching_org_urlpatterns
            + agreements_org_urlpatterns
            + surveys_org_urlpatterns
        ),
    ),
    path("", include(agreements_urlpatterns)),
    path("", include(surveys_urlpatterns)),
    path("", include("programs.urls")),
]
