"""Coordinators' emails: the wording of each kind (with a preview) and announcements."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from mentorship.email_frame import framed_email_html
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from programs import emails
from programs.forms.messaging import AnnouncementForm, EmailTemplateForm
from programs.models import Announcement, EmailTemplateOverride, Program
from programs.services import messaging as services


@require_GET
@coordinator_required
def email_template_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    overrides = {o.key: o for o in EmailTemplateOverride.objects.select_related("updated_by")}
    kinds = [{"kind": kind, "override": overrides.get(kind.key)} for kind in emails.KINDS]
    return render(request, "programs/email_template_list.html", {"kinds": kinds})


def _kind(key: str) -> emails.EmailKind:
    kind = emails.BY_KEY.get(key)
    if kind is None:
        raise Http404("There is no email of that kind.")
    return kind


@coordinator_required
def email_template_edit(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    """The editor: "Preview" fills the wording in with sample data (nothing saved), "Save"
    stores it; both show every problem on the form."""
    key, kind = kind, _kind(kind)
    override = EmailTemplateOverride.objects.filter(key=key).select_related("updated_by").first()
    if override is not None:
        initial = {"subject": override.subject, "body": override.body}
    else:
        subject, body = emails.default_wording(kind)
        initial = {"subject": subject, "body": body}
    form = EmailTemplateForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "save":
                services.override_save(actor=request.membership, key=key, subject=data["subject"], body=data["body"])
                messages.success(request, f"Saved: “{kind.name}” now goes out in your wording.")
                return redirect("email_template_edit", org_slug=org_slug, kind=key)
            preview = services.preview(
                organization=request.organization, key=key, subject=data["subject"], body=data["body"]
            )
        except ServiceError as error:
            form_error(form, error)
    elif request.method == "GET":
        try:
            preview = services.preview(organization=request.organization, key=key, **initial)
        except ServiceError:
            preview = None
    if preview is not None:
        # The frame of the preview loads it from the session (email_template_preview_html).
        request.session[f"email_preview:{key}"] = preview["html"]
    context = {"kind": kind, "form": form, "override": override, "preview": preview}
    return render(request, "programs/email_template_edit.html", context)


@require_GET
@coordinator_required
def email_template_preview_html(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    """The HTML of this person's last preview, for the editor's sandboxed frame."""
    key, kind = kind, _kind(kind)
    html = request.session.get(f"email_preview:{key}")
    if not html:
        raise Http404("Press Preview first.")
    return framed_email_html(html)


@require_POST
@coordinator_required
def email_template_reset(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    key, kind = kind, _kind(kind)
    if services.override_reset(actor=request.membership, key=key):
        messages.success(request, f"“{kind.name}” goes out in the default wording again.")
    return redirect("email_template_edit", org_slug=org_slug, kind=key)


@coordinator_required
def announcements(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.announcement_send(actor=request.membership, program=program, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            count = announcement.recipient_count
            messages.success(
                request, f"Announcement sent to {count} participant{'s' if count != 1 else ''} of {program.name}."
            )
            return redirect("program_announcements", org_slug=org_slug, program_slug=program.slug)
    sent = Announcement.objects.filter(program=program).select_related("sent_by")[:50]
    return render(request, "programs/announcements.html", {"program": program, "form": form, "sent": sent})
