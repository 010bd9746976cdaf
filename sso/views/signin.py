"""Signing in through an organization's identity provider: by address (the sign-in page's
"Sign in with your organization") or from the organization's own start page."""

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scopes_disabled

from programs.models import Organization
from sso import selectors
from sso.forms.connections import OrganizationSignInForm
from sso.models import IdentityProvider, Kind


def go_to_provider(request: HttpRequest, connection: IdentityProvider, email: str = "") -> HttpResponse:
    """Send the browser on to the provider's sign-in, back to the organization afterwards."""
    app = connection.social_app
    app.secret = connection.client_secret
    provider = app.get_provider(request)
    next_url = None
    if connection.auto_join:
        next_url = reverse("organization_dashboard", kwargs={"org_slug": connection.organization.slug})
    try:
        kwargs = {}
        if email and connection.kind == Kind.OIDC:
            # The address typed here pre-fills the provider's sign-in (OpenID Connect login_hint).
            kwargs["auth_params"] = {**provider.get_auth_params(), "login_hint": email}
        response = provider.redirect(request, "login", next_url=next_url, **kwargs)
    except (requests.RequestException, OAuth2Error, KeyError, ValueError, ImproperlyConfigured):
        reason = f"{connection.name} cannot be reached just now. Try again later, or sign in with your password."
        return render(request, "sso/refused.html", {"reason": reason, "connection": connection}, status=502)
    # A page that goes on to the provider, not a redirect: the form that led here may only
    # be sent to this site (Content-Security-Policy form-action 'self'), and browsers hold
    # a form's redirect to another site to that rule.
    context = {"connection": connection, "provider_url": response["Location"]}
    return render(request, "sso/redirect.html", context)


def organization_sign_in(request: HttpRequest) -> HttpResponse:
    form = OrganizationSignInForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        matches = selectors.connections_for_email(form.cleaned_data["email"])
        if len(matches) == 1:
            return go_to_provider(request, matches[0], form.cleaned_data["email"])
        if not matches:
            form.add_error(
                "email",
                "No organization signs in addresses like this one with its own provider. Sign in with your password.",
            )
    status = 400 if form.errors else 200
    return render(request, "sso/sign_in.html", {"form": form, "matches": matches}, status=status)


@require_GET
def organization_start(request: HttpRequest, organization: str) -> HttpResponse:
    with scopes_disabled():
        org = Organization.objects.filter(slug=organization).first()
    connections = selectors.organization_connections(org) if org is not None else []
    if not connections:
        raise Http404("This organization has no single sign-on.")
    return render(request, "sso/start.html", {"organization": org, "connections": connections})


@require_POST
def connection_go(request: HttpRequest, key: str) -> HttpResponse:
    connection = next((c for c in selectors.connections_by_key(key)), None)
    if connection is None:
        raise Http404("This sign-in is turned off.")
    return go_to_provider(request, connection)
