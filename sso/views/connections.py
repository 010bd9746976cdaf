"""The coordinator's single sign-on pages, under the organization's settings."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from sso import selectors
from sso.forms.connections import OIDCConnectionEditForm, OIDCConnectionForm, SAMLConnectionForm
from sso.models import DomainClaim, IdentityProvider, Kind
from sso.services import connections as services
from sso.services import domains as domain_services

FORMS = {Kind.OIDC: (OIDCConnectionForm, OIDCConnectionEditForm), Kind.SAML: (SAMLConnectionForm, SAMLConnectionForm)}
INITIAL_FIELDS = [f for f in services.FIELDS if f != "allowed_domains"]


def _connection(pk: int) -> IdentityProvider:
    connection = IdentityProvider.objects.filter(pk=pk).select_related("social_app").first()
    if connection is None:
        raise Http404("There is no such connection.")
    return connection


def provider_urls(request: HttpRequest, connection: IdentityProvider) -> dict:
    """What the identity provider needs to know about this site, for this connection."""
    key = connection.key
    if connection.kind == Kind.OIDC:
        callback = reverse("openid_connect_callback", kwargs={"provider_id": key})
        return {"redirect_uri": request.build_absolute_uri(callback)}
    return {
        "entity_id": request.build_absolute_uri(reverse("saml_metadata", args=[key])),
        "acs_url": request.build_absolute_uri(reverse("saml_acs", args=[key])),
        "metadata_url": request.build_absolute_uri(reverse("saml_metadata", args=[key])),
    }


@require_GET
@coordinator_required
def connection_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    connections = list(IdentityProvider.objects.all())
    verified = {c.domain for c in DomainClaim.objects.exclude(verified_at=None)}  # one query, any number of rows
    for connection in connections:
        connection.domain_states = [(domain, domain in verified) for domain in connection.allowed_domains]
    start_url = request.build_absolute_uri(reverse("sso_start", kwargs={"organization": org_slug}))
    return render(request, "sso/connection_list.html", {"connections": connections, "start_url": start_url})


def _save(request: HttpRequest, org_slug: str, form, *, kind: str, connection=None) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        if connection is None:
            connection = services.connection_create(actor=request.membership, kind=kind, values=form.cleaned_data)
            messages.success(request, f"Connected “{connection.name}”. Give the identity provider the details below.")
        else:
            services.connection_update(actor=request.membership, connection=connection, values=form.cleaned_data)
            messages.success(request, f"Saved “{connection.name}”.")
    except ServiceError as error:
        form_error(form, error)
        return None
    return redirect("sso_connection_edit", org_slug=org_slug, pk=connection.pk)


@coordinator_required
def connection_add(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404("No such kind of connection.")
    form_class = FORMS[kind][0]
    form = form_class(request.POST or None, initial={"name_attribute": "name"})
    response = _save(request, org_slug, form, kind=kind)
    if response is not None:
        return response
    context = {"form": form, "kind": Kind(kind), "connection": None}
    return render(request, "sso/connection_form.html", context, status=400 if form.errors else 200)


@coordinator_required
def connection_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    connection = _connection(pk)
    initial = {field: getattr(connection, field) for field in INITIAL_FIELDS}
    initial["allowed_domains"] = connection.domains_text
    form = FORMS[connection.kind][1](request.POST or None, initial=initial)
    response = _save(request, org_slug, form, kind=connection.kind, connection=connection)
    if response is not None:
        return response
    context = {
        "form": form,
        "kind": Kind(connection.kind),
        "connection": connection,
        "provider_urls": provider_urls(request, connection),
        "claims": selectors.claims_for_domains(connection.organization, connection.allowed_domains),
    }
    return render(request, "sso/connection_form.html", context, status=400 if form.errors else 200)


@require_POST
@coordinator_required
def connection_test(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    connection = _connection(pk)
    try:
        messages.success(request, services.connection_test(actor=request.membership, connection=connection))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("sso_connection_edit", org_slug=org_slug, pk=connection.pk)


@require_POST
@coordinator_required
def connection_enabled(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    connection = _connection(pk)
    enabled = request.POST.get("enabled") == "on"
    try:
        services.connection_set_enabled(actor=request.membership, connection=connection, enabled=enabled)
        messages.success(request, f"“{connection.name}” is {'on' if enabled else 'off'}.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("sso_connection_list", org_slug=org_slug)


@require_POST
@coordinator_required
def connection_delete(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    connection = _connection(pk)
    try:
        services.connection_delete(actor=request.membership, connection=connection)
        messages.success(request, f"Removed “{connection.name}”.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("sso_connection_list", org_slug=org_slug)


@require_POST
@coordinator_required
def domain_verify(request: HttpRequest, org_slug: str, pk: int, claim: int) -> HttpResponse:
    connection = _connection(pk)
    found = DomainClaim.objects.filter(pk=claim, domain__in=connection.allowed_domains).first()
    if found is None:
        raise Http404("There is no such domain.")
    try:
        domain_services.claim_verify(actor=request.membership, claim=found)
        messages.success(request, f"{found.domain} is verified: addresses there sign in through your provider.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("sso_connection_edit", org_slug=org_slug, pk=connection.pk)
