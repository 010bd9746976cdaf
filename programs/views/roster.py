"""Roster import pages (coordinators): upload, preview, confirm or discard, template."""

from django.contrib import messages
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

RECENT_IMPORTS = 10


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
    recent = RosterImport.objects.defer("rows").select_related("created_by__user")[:RECENT_IMPORTS]
    return render(request, "programs/roster_import.html", {"form": form, "recent": recent})


@require_http_methods(["GET", "POST"])
@coordinator_required
def roster_preview(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    imported = get_object_or_404(RosterImport, pk=pk)
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
    return render(
        request,
        "programs/roster_preview.html",
        {
            "imported": imported,
            "rows": imported.rows,
            "summary": summary,
            "can_confirm": imported.status == RosterImportStatus.PREVIEWED and not summary.get(roster.ACTION_ERROR),
            "is_previewed": imported.status == RosterImportStatus.PREVIEWED,
        },
    )


def _confirm(request: HttpRequest, imported: RosterImport) -> None:
    result = roster.roster_apply(actor=request.membership, roster_import=imported)
    if result.outcome == "applied":
        messages.success(
            request,
            f"Roster imported: {result.invited} invitation{'s' if result.invited != 1 else ''} sent, "
            f"{result.updated} member{'s' if result.updated != 1 else ''} updated.",
        )
    elif result.outcome == "already_applied":
        when = with_zone(result.roster_import.applied_at, "j M Y, H:i")
        messages.info(request, f"This import was already applied on {when}; nothing was changed.")
    elif result.outcome == "errors":
        messages.error(
            request,
            "Nothing was imported: some rows are now in error (the members or invitations changed since the "
            "preview). Correct the file and upload it again.",
        )
    else:
        messages.warning(
            request,
            f"Nothing was imported yet: {result.changed_rows} row{'s' if result.changed_rows != 1 else ''} changed "
            "since the preview (the members or invitations changed). Review the updated preview and confirm again.",
        )


@require_http_methods(["GET"])
@coordinator_required
def roster_template(request: HttpRequest, org_slug: str) -> HttpResponse:
    header, *rows = roster.template_rows()
    return csv_response("roster-template.csv", header, rows)
