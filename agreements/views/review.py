"""Pages for the yearly review and the first-meeting checklist of one mentorship.

The pair sees and acts on both; a coordinator sees the review's metadata only (due date,
who has answered, the outcome) and never the checklist, comments or documents."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from agreements.forms.review import ChecklistForm, DocumentUploadForm, ReviewAnswerForm
from agreements.models.review import (
    CHECKLIST_PHASES,
    ChecklistTick,
    DocumentKind,
    MentorshipDocument,
    ReviewOutcome,
    YearlyReview,
    checklist_done_by_record,
    checklist_items_for,
    checklist_progress,
    review_state,
)
from agreements.services import review as review_services
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required
from relationships.models import Mentorship


def _mentorship(request: HttpRequest, pk: int, *, coordinators: bool) -> tuple[Mentorship, str | None]:
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("organization", "program", "mentor__user", "mentee__user"), pk=pk
    )
    party = mentorship.party(request.membership)
    if party is None and not (coordinators and request.membership.is_coordinator):
        raise Http404("No such mentorship.")
    return mentorship, party


@member_required
def review_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _mentorship(request, pk, coordinators=True)
    state = review_state(mentorship)
    form = None
    if party and state.is_open:
        initial = {}
        if state.review and state.review.answer_of(party):
            initial = {"answer": state.review.answer_of(party), "comment": getattr(state.review, f"{party}_comment")}
        form = ReviewAnswerForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise Http404("There is no review to answer.")
        if form.is_valid():
            try:
                review = review_services.review_answer(
                    actor=request.membership,
                    mentorship=mentorship,
                    answer=form.cleaned_data["answer"],
                    comment=form.cleaned_data["comment"],
                )
            except ServiceError as error:
                form_error(form, error)
            except PermissionDenied:
                raise Http404("No such mentorship.") from None
            else:
                if review.completed_at is None:
                    messages.success(request, "Your answer is saved. The other person has been asked to answer too.")
                elif review.outcome == ReviewOutcome.CONCLUDE:
                    messages.success(request, "Your review is complete: the mentorship has concluded.")
                else:
                    messages.success(request, "Your review is complete.")
                return redirect("mentorship_review", org_slug=org_slug, pk=pk)
    reviews = list(YearlyReview.objects.filter(mentorship=mentorship, completed_at__isnull=False).order_by("-due_on"))
    return render(
        request,
        "agreements/review.html",
        {
            "mentorship": mentorship,
            "party": party,
            "state": state,
            "form": form,
            "completed": reviews,
        },
    )


@member_required
def checklist_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _mentorship(request, pk, coordinators=False)
    action = request.POST.get("action") if request.method == "POST" else None
    mine = set(
        ChecklistTick.objects.filter(mentorship=mentorship, membership=request.membership).values_list(
            "item_key", flat=True
        )
    )
    form = ChecklistForm(request.POST if action == "tick" else None, party=party, initial={"items": sorted(mine)})
    upload_form = None
    if party == "mentee" and mentorship.is_live:
        upload_form = DocumentUploadForm(
            request.POST if action == "upload" else None, request.FILES if action == "upload" else None
        )
    if action == "tick" and mentorship.is_live:
        if form.is_valid():
            try:
                review_services.checklist_save(
                    actor=request.membership, mentorship=mentorship, keys=form.cleaned_data["items"]
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "Your checklist is saved.")
        else:
            messages.error(request, "Tick your own items only.")
        return redirect("mentorship_checklist", org_slug=org_slug, pk=pk)
    elif action == "upload" and upload_form is not None:
        if upload_form.is_valid():
            try:
                document = review_services.document_upload(
                    actor=request.membership,
                    mentorship=mentorship,
                    kind=upload_form.cleaned_data["kind"],
                    upload=upload_form.cleaned_data["file"],
                )
            except ServiceError as error:
                form_error(upload_form, error)
            else:
                messages.success(request, f"Your {document.get_kind_display()} is shared with your mentor.")
                return redirect("mentorship_checklist", org_slug=org_slug, pk=pk)
    elif action is not None:
        raise Http404("Nothing to do here.")

    ticks = {
        (membership_id, key): ticked_at
        for membership_id, key, ticked_at in ChecklistTick.objects.filter(mentorship=mentorship).values_list(
            "membership_id", "item_key", "ticked_at"
        )
    }
    # What the record shows done (the agreement signed, ...) is ticked already, for both.
    done = checklist_done_by_record(mentorship)
    lists = []
    for role, member in (("mentee", mentorship.mentee), ("mentor", mentorship.mentor)):
        items = checklist_items_for(role)
        phases = [
            (
                label,
                [
                    (item, ticks.get((member.pk, item.key)) or done.get(item.key, (None,))[0], done.get(item.key))
                    for item in items
                    if item.phase == phase
                ],
            )
            for phase, label in CHECKLIST_PHASES
        ]
        lists.append({"role": role, "member": member, "phases": [p for p in phases if p[1]], "mine": role == party})
    return render(
        request,
        "agreements/checklist.html",
        {
            "mentorship": mentorship,
            "party": party,
            "form": form,
            "upload_form": upload_form,
            "lists": lists,
            "progress": checklist_progress(mentorship, done),
            "documents": list(MentorshipDocument.objects.filter(mentorship=mentorship).select_related("uploaded_by")),
        },
    )


def _document(request: HttpRequest, pk: int, doc_pk: int) -> tuple[MentorshipDocument, str]:
    """The document, if the viewer is the mentor or the mentee; the same 404 otherwise,
    coordinators included."""
    document = get_object_or_404(
        MentorshipDocument.objects.select_related("mentorship__mentee__user"), pk=doc_pk, mentorship_id=pk
    )
    party = document.mentorship.party(request.membership)
    if party is None:
        raise Http404("No such document.")
    return document, party


@require_safe
@never_cache
@member_required
def document_download(request: HttpRequest, org_slug: str, pk: int, doc_pk: int) -> HttpResponse:
    document, _party = _document(request, pk, doc_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such document.") from None
    mentee = document.mentorship.mentee
    name = slugify(mentee.user.full_name) or f"member-{mentee.pk}"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{document.kind}-{name}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@member_required
def document_remove(request: HttpRequest, org_slug: str, pk: int, doc_pk: int) -> HttpResponse:
    document, party = _document(request, pk, doc_pk)
    try:
        review_services.document_remove(actor=request.membership, document=document)
    except PermissionDenied:
        raise Http404("No such document.") from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Your {DocumentKind(document.kind).label} was removed.")
    return redirect("mentorship_checklist", org_slug=org_slug, pk=pk)
