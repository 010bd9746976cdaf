"""Roster import pages (coordinators): upload, paged preview, confirm (a Celery task applies
it, with a progress bar) or discard, template."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from mentorship.timezones import with_zone
from programs import roster
from programs.forms.roster import RosterUploadForm
from programs.models import RosterImport, RosterImportStatus
from programs.services import roster as roster_jobs
from programs.views.inline import is_htmx

RECENT_IMPORTS = 10
ROWS_PER_PAGE = 50


@require_http_methods(["GET", "POST"])
@coordinator_required
def roster_import(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            imported = roster.roster_import_create(actor=request.membership, uploaded_file=form.cleaned_data["file"])
        except ServiceError as error:
            form_error(form, error)
        else:
            return redirect("roster_preview", org_slug=request.organization.slug, pk=imported.pk)
    recent = [
        roster_jobs.release_stalled(actor=request.membership, roster_import=item)
        for item in RosterImport.objects.select_related("created_by__user")[:RECENT_IMPORTS]
    ]
    return render(request, "programs/roster_import.html", {"form": form, "recent": recent})


def outcome_text(imported: RosterImport) -> tuple[str, str]:
    """The last run's result as (level, sentence) for the page; ("", "") when there is none."""
    outcome = imported.outcome or {}
    code = outcome.get("code")
    if code == "applied" and imported.status == RosterImportStatus.APPLIED:
        invited, updated = outcome.get("invited", 0), outcome.get("updated", 0)
        return "success", (
            f"Roster imported: {invited} invitation{'s' if invited != 1 else ''} sent, "
            f"{updated} member{'s' if updated != 1 else ''} updated."
        )
    if code == "errors":
        return "danger", (
            "Nothing was imported: some rows are now in error (the members or invitations changed since the "
            "preview). Correct the file and upload it again."
        )
    if code == "changed":
        changed = outcome.get("changed_rows", 0)
        return "warning", (
            f"Nothing was imported yet: {changed} row{'s' if changed != 1 else ''} changed since the preview "
            "(the members or invitations changed). Review the updated preview and confirm again."
        )
    if code in ("refused", "failed"):
        return "danger", f"Nothing was imported. {outcome.get('message', '')}".strip()
    return "", ""


def _progress_context(imported: RosterImport) -> dict:
    done = roster_jobs.current_progress(imported)
    total = imported.total
    return {
        "imported": imported,
        "done": done,
        "percent": 100
        if imported.status == RosterImportStatus.APPLIED
        else (round(100 * done / total) if total else 0),
    }


@require_http_methods(["GET", "POST"])
@coordinator_required
def roster_preview(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    imported = get_object_or_404(RosterImport, pk=pk)
    # An import whose run can no longer end says so (and can be confirmed again) first.
    imported = roster_jobs.release_stalled(actor=request.membership, roster_import=imported)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                _confirm(request, imported)
            elif action == "discard":
                roster.roster_discard(actor=request.membership, roster_import=imported)
                messages.info(request, f"Discarded the import of {imported.filename}. Nothing was changed.")
                return redirect("roster_import", org_slug=request.organization.slug)
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect("roster_preview", org_slug=request.organization.slug, pk=imported.pk)
    summary = imported.summary
    errors_only = request.GET.get("show") == "errors"
    rows = imported.row_set.order_by("-has_error", "number")
    if errors_only:
        rows = rows.filter(has_error=True)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    level, outcome = outcome_text(imported)
    can_confirm = imported.status in (RosterImportStatus.PREVIEWED, RosterImportStatus.FAILED)
    return render(
        request,
        "programs/roster_preview.html",
        {
            **_progress_context(imported),
            "page": page,
            "rows": [row.data for row in page.object_list],
            "errors_only": errors_only,
            "querystring": "show=errors" if errors_only else "",
            "summary": summary,
            "can_confirm": can_confirm and not summary.get(roster.ACTION_ERROR),
            "is_previewed": can_confirm,
            "outcome": outcome,
            "outcome_level": level,
        },
    )


@require_http_methods(["GET"])
@coordinator_required
def roster_progress(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx while the task runs; once it has ended, htmx
    reloads the whole page to show the result (without JavaScript the page refreshes itself)."""
    imported = get_object_or_404(RosterImport.objects.defer("summary"), pk=pk)
    imported = roster_jobs.release_stalled(actor=request.membership, roster_import=imported)
    response = render(request, "programs/includes/roster_progress.html", _progress_context(imported))
    if not imported.is_running and is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


def _confirm(request: HttpRequest, imported: RosterImport) -> None:
    result = roster_jobs.roster_confirm(actor=request.membership, roster_import=imported)
    if result.outcome == "already_applied":
        when = with_zone(result.roster_import.applied_at, "j M Y, H:i")
        messages.info(request, f"This import was already applied on {when}; nothing was changed.")
    elif result.outcome == "already_queued":
        messages.info(request, "This import is already being applied; it runs once.")


@require_http_methods(["GET"])
@coordinator_required
def roster_template(request: HttpRequest, org_slug: str) -> HttpResponse:
    header, *rows = roster.template_rows()
    return csv_response("roster-template.csv", header, rows)
