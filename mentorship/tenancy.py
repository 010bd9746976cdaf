"""Tenancy: resolve the organization once, check membership, and scope every query.

Every page under ``/o/<org_slug>/`` runs inside ``django_scopes.scope(organization=...)``.
Tenant models use ``ScopedManager``, so a query made outside a scope raises
``ScopeError`` instead of silently reading every tenant's rows. A person who is not an
active member of the organization gets a 404 — the same answer as for an organization
that does not exist, so nobody learns which organizations exist.

The kernel knows no domain: the membership model (user, organization, ``is_active`` and the
role flags) is named by ``settings.TENANCY_MEMBERSHIP_MODEL`` and read through
``get_membership_model()``, as the user model is through ``get_user_model()``.
"""

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import Resolver404, include, path, resolve
from django_scopes import scope, scopes_disabled

from mentorship import freshness

ORG_URL_KWARG = "org_slug"
# Where an organization's pages stand: /o/<org_slug>/…
ORG_PREFIX = f"o/<slug:{ORG_URL_KWARG}>/"


# What one organization page's request has read already, for reads that several parts of
# the page ask for (``request_memo``); None outside such a request.
REQUEST_MEMO: ContextVar[dict | None] = ContextVar("tenancy_request_memo", default=None)


def request_memo() -> dict | None:
    """A dict that lives as long as the organization page's request being served, for a read
    that two parts of the page make (the home page's to-do list and its cards); None outside
    a request, where every call reads again."""
    return REQUEST_MEMO.get()


def _admin_prefix() -> str:
    from django.urls import reverse

    return reverse("admin:index")


class TenancyMiddleware:
    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.organization = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None

        if match is not None and ORG_URL_KWARG in match.kwargs:
            if not request.user.is_authenticated:
                # Same answer for every slug, existing or not.
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            with freshness.read_versions_once():
                memberships = active_memberships(user=request.user)
                # The organization switcher (base.html) lists the same rows: read once.
                request.active_memberships = memberships
                slug = match.kwargs[ORG_URL_KWARG]
                membership = next((m for m in memberships if m.organization.slug == slug), None)
                if membership is None:
                    raise Http404("No such organization.")
                request.organization = membership.organization
                request.membership = membership
                token = REQUEST_MEMO.set({})
                try:
                    with freshness.writes_of(membership.organization_id), scope(organization=membership.organization):
                        return self.get_response(request)
                finally:
                    REQUEST_MEMO.reset(token)

        if request.path_info.startswith(_admin_prefix()) and request.user.is_authenticated and request.user.is_staff:
            # Site staff work across tenants in the Django admin only.
            with scopes_disabled():
                return self.get_response(request)

        return self.get_response(request)


def get_membership_model():
    """The model that says who belongs to which organization (``settings.TENANCY_MEMBERSHIP_MODEL``)."""
    return apps.get_model(settings.TENANCY_MEMBERSHIP_MODEL, require_ready=False)


def active_memberships(*, user) -> list:
    """The user's active memberships in every organization, by organization name (one query).

    Deliberately unscoped, and deliberately filtered by the person: it can only ever return
    the caller's own memberships. The middleware picks the one of the URL's organization and
    the organization switcher lists them all, so an organization's page reads them once."""

    def read() -> list:
        return list(
            get_membership_model()
            .objects.with_scopes_disabled()
            .select_related("organization")
            .filter(user=user, is_active=True)
            .order_by("organization__name", "pk")
        )

    # Kept until a membership, an organization or a person changes anywhere (every such write
    # moves the site's data version: mentorship.freshness), so most pages read no row for it;
    # only with a cache every process shares (Redis), since who may see what depends on it.
    memberships = freshness.cached_for_site("memberships", user.pk, read) if settings.MEMBERSHIPS_CACHED else read()
    for membership in memberships:  # the person is the one asking: no second copy of their row
        membership.user = user
    return memberships


def role_required(*, coordinator: bool = False, committee: bool = False) -> Callable:
    """Allow a view to members holding any of the named roles; others get 403.

    Only for views under ``/o/<org_slug>/``: non-members never get this far (404).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404
            allowed = (coordinator and membership.is_coordinator) or (committee and membership.is_committee)
            if not allowed:
                raise PermissionDenied("Your role in this organization does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


coordinator_required = role_required(coordinator=True)
coordinator_or_committee_required = role_required(coordinator=True, committee=True)


def member_required(view: Callable) -> Callable:
    """Any active member of the organization in the URL (the middleware has checked)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def app_urlpatterns(*, org: list, public: list = ()) -> list:
    """An app's URL patterns as the root URLconf includes them (``include("app.urls")``):
    the organization's pages under /o/<org_slug>/, which the middleware scopes to the
    tenant, then the pages outside any organization."""
    return [path(ORG_PREFIX, include(list(org))), *public]
