"""A person's own privacy page, outside any organization: their exports (download my data)
and their request to be erased."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from privacy.forms.privacy import ErasureRequestForm
from privacy.models import DataExport, ErasureRequest, ExportStatus
from privacy.services import erasure as erasure_services
from privacy.services import exports as export_services
from programs.views.inline import is_htmx

SHOWN_EXPORTS = 5


def _page(request: HttpRequest, erasure_form=None, status=200) -> HttpResponse:
    exports = list(DataExport.objects.filter(user=request.user).defer("error")[:SHOWN_EXPORTS])
    with scopes_disabled():
        requests = list(
            ErasureRequest.objects.filter(user=request.user)
            .select_related("organization")
            .order_by("-requested_at")[:20]
        )
    current = next((e for e in exports if e.in_progress), None)
    return render(
        request,
        "privacy/privacy_home.html",
        {
            "exports": exports,
            "current": current,
            "erasure_requests": requests,
            "erasure_form": erasure_form or ErasureRequestForm(),
        },
        status=status,
    )


@login_required
@require_safe
def privacy_home(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    try:
        export_services.request_export(user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your data is being prepared. We will email you a link when it is ready.")
    return redirect("privacy_home")


@login_required
@require_safe
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx while the export is built; once it has ended,
    htmx reloads the page to show the result."""
    export = get_object_or_404(DataExport.objects.defer("error"), pk=pk, user=request.user)
    response = render(request, "privacy/includes/export_progress.html", {"export": export})
    if not export.in_progress and is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The emailed link: only for the person it was built for, signed in, before it expires."""
    export = DataExport.objects.filter(pk=pk, user=request.user).first()
    if export is None or not export_services.check_token(export, token) and not export.is_expired:
        raise Http404("No such download.")
    if export.is_expired or export.status == ExportStatus.EXPIRED:
        return render(request, "privacy/export_expired.html", {"export": export}, status=410)
    if export.status != ExportStatus.READY or not export.file:
        raise Http404("This download is not ready.")
    response = FileResponse(
        export_services.open_export(export), as_attachment=True, filename=f"my-data-{export.pk}.zip"
    )
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def erasure_request(request: HttpRequest) -> HttpResponse:
    form = ErasureRequestForm(request.POST)
    if form.is_valid():
        try:
            created = erasure_services.request_erasure(
                user=request.user, confirm_email=form.cleaned_data["confirm_email"]
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            request.user.refresh_from_db()
            if erasure_services.is_erased(request.user):
                logout(request)
                return render(request, "privacy/erased.html")
            count = len(created)
            messages.success(
                request,
                f"Your request was sent to {count} organization{'s' if count != 1 else ''}. "
                "Each must answer within one month.",
            )
            return redirect("privacy_home")
    return _page(request, erasure_form=form, status=400)
