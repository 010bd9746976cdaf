"""The coordinators' side: requests to be erased (with the legal deadline) and the
organization's retention period."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from privacy.forms.privacy import ErasureDecisionForm, RetentionForm
from privacy.models import ErasureRequest, ErasureStatus
from privacy.services import erasure as erasure_services
from privacy.services import retention as retention_services

SHOWN = 200


@require_http_methods(["GET"])
@coordinator_required
def request_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    base = ErasureRequest.objects.select_related("membership__user", "decided_by__user")
    open_requests = list(base.filter(status=ErasureStatus.PENDING).order_by("due_by", "pk")[:SHOWN])
    answered = list(base.exclude(status=ErasureStatus.PENDING).order_by("-decided_at", "-pk")[:50])
    return render(
        request,
        "privacy/request_list.html",
        {"open_requests": open_requests, "answered": answered, "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
@coordinator_required
def request_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    erasure = get_object_or_404(ErasureRequest.objects.select_related("membership__user", "decided_by__user"), pk=pk)
    own = erasure.membership_id == request.membership.pk
    sole = own and erasure_services.answers_own_request(request.membership, erasure)
    form = ErasureDecisionForm(request.POST or None, own_request=sole)
    if request.method == "POST" and form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            erasure_services.decide_erasure(
                actor=request.membership,
                request=erasure,
                confirm=confirm,
                reason=form.cleaned_data["reason"],
                confirm_email=form.cleaned_data.get("confirm_email", ""),
            )
        except ServiceError as error:
            form_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "You cannot answer this request.")
        else:
            if own and confirm:
                # They erased themselves from this organization: no longer a coordinator here.
                request.user.refresh_from_db()
                if erasure_services.is_erased(request.user):
                    logout(request)
                    return render(request, "privacy/erased.html", {"own_request": True})
                messages.success(request, f"You were erased from {request.organization.name}.")
                return redirect("privacy_home")
            messages.success(
                request, "The person was erased from this organization." if confirm else "The request was refused."
            )
            return redirect("privacy_requests", org_slug=org_slug)
    return render(
        request,
        "privacy/request_detail.html",
        {"erasure": erasure, "form": form, "own": own, "sole": sole},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@coordinator_required
def retention_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    current = retention_services.settings_for(request.organization)
    form = RetentionForm(
        request.POST or None,
        initial={"retention_months": current.retention_months, "notice_days": current.notice_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            retention_services.update_settings(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "The retention period was saved.")
            return redirect("privacy_settings", org_slug=org_slug)
    return render(
        request,
        "privacy/retention_settings.html",
        {"form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )
