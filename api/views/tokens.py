"""The coordinators' API token pages (Settings → API tokens): the list, a new token (its
secret shown once, on the page that answers the form), revoking one."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.forms.tokens import TokenForm
from api.models import ApiToken
from api.services import tokens as token_services
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required


@require_http_methods(["GET"])
@coordinator_required
def token_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    tokens = list(ApiToken.objects.select_related("created_by__user").order_by("-created_at", "-pk"))
    context = {"tokens": tokens, "now": timezone.now(), "rate_limit": settings.API_RATE_LIMIT_PER_MINUTE}
    return render(request, "api/tokens.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@coordinator_required
def token_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        try:
            new = token_services.token_create(
                actor=request.membership,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            # The secret is in this answer only: it is stored hashed and never shown again.
            # never_cache: no copy of this page is kept (Cache-Control: no-store).
            return render(request, "api/token_created.html", {"token": new.token, "secret": new.secret})
    return render(request, "api/token_form.html", {"form": form})


@require_POST
@coordinator_required
def token_revoke(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    token_services.token_revoke(actor=request.membership, token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api_tokens", org_slug=request.organization.slug)
