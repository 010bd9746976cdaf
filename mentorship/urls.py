"""The root URLconf. It names the apps' URL modules as strings, so the kernel imports no app:
each app's ``urls.py`` gives its organization's pages (under /o/<org_slug>/, see
``mentorship.tenancy.app_urlpatterns``) and its pages outside any organization."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from mentorship import devmail, views

# The apps with pages, floor by floor (ARCHITECTURE.md).
PAGE_APPS = (
    "programs",
    "sso",
    "relationships",
    "matching",
    "agreements",
    "circles",
    "events",
    "surveys",
    "privacy",
    "integrations",
    "api",
)

# The admin signs in through the site's own sign-in (allauth): its rate limits, its
# enumeration resistance and the session timeouts apply; the admin's own login form,
# which has no throttling, is never shown to someone who is not signed in.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("favicon.ico", views.favicon),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # The development mailbox: 404 unless DEV_MAILBOX (on in `make run`, see settings.py).
    path("dev/mailbox/", devmail.mailbox, name="dev_mailbox"),
    path("dev/mailbox/<str:message_id>/", devmail.mailbox_message, name="dev_mailbox_message"),
    path("dev/mailbox/<str:message_id>/html/", devmail.mailbox_message_html, name="dev_mailbox_message_html"),
    *(path("", include(f"{app}.urls")) for app in PAGE_APPS),
]
