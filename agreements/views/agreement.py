from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from agreements.consent import CONSENT_PARAGRAPHS, CONSENT_TITLE
from agreements.forms.agreement import DraftForm, SignForm
from agreements.models import Agreement, AgreementEdit, AgreementStatus, Signature, SigningConsent
from agreements.services import agreement as services
from mentorship.clientaddr import client_ip
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from relationships.models import LIVE_STATUSES, Mentorship


def _meta(request: HttpRequest) -> dict:
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


def _mentorship_for(request: HttpRequest, pk: int) -> tuple[Mentorship, str | None]:
    """The mentorship and the viewer's part in it; coordinators see status only, anyone
    else gets a 404."""
    mentorship = get_object_or_404(Mentorship.objects.select_related("program", "mentor__user", "mentee__user"), pk=pk)
    party = mentorship.party(request.membership)
    if party is None and not request.membership.is_coordinator:
        raise Http404("No such mentorship.")
    return mentorship, party


def section_rows(agreement: Agreement) -> list[tuple[str, str]]:
    """(heading, text) in order: the pair's text for editable sections, the clause otherwise."""
    return [
        (s["heading"], agreement.content.get(s["key"], "") if s.get("editable") else s.get("text", ""))
        for s in agreement.sections
    ]


@member_required
def agreement_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _mentorship_for(request, pk)
    agreement = services.current_agreement(mentorship)
    if agreement is None and party and request.method == "POST" and request.POST.get("action") == "start":
        try:
            services.agreement_start(actor=request.membership, mentorship=mentorship, request_meta=_meta(request))
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect("agreement_detail", org_slug=org_slug, pk=pk)
    draft_form = sign_form = None
    conflicts = {}
    if agreement and party:
        services.record_view(actor=request.membership, agreement=agreement, request_meta=_meta(request))
        draft_form = DraftForm(request.POST if request.POST.get("action") == "save" else None, agreement=agreement)
        sign_form = SignForm(
            request.POST if request.POST.get("action") == "sign" else None, initial={"revision": agreement.revision}
        )
        sign_form.fields["typed_name"].help_text = (
            f"Exactly as this version names you: {agreement.frozen_name(party)}. A name changed on your account "
            "later appears in the next version."
        )
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "save" and draft_form.is_valid():
                    loaded = draft_form.cleaned_data["revision"]
                    saved = services.draft_save(
                        actor=request.membership,
                        agreement=agreement,
                        content=draft_form.content(),
                        revision=loaded,
                        base=draft_form.base(),
                        request_meta=_meta(request),
                    )
                    if saved.revision == agreement.revision:  # nothing differed from the saved draft
                        messages.info(request, "Nothing new to save: the draft already holds this text.")
                    elif saved.revision > loaded + 1:  # someone else saved in between
                        messages.success(
                            request,
                            "Draft saved. The other person's changes made meanwhile to other sections are kept too.",
                        )
                    else:
                        messages.success(request, "Draft saved. The other person sees your changes now.")
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                if action == "consent":
                    services.consent_to_sign(actor=request.membership, agreement=agreement, request_meta=_meta(request))
                    messages.success(request, "You agreed to sign electronically. You can withdraw this at any time.")
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                if action == "withdraw_consent":
                    services.consent_withdraw(
                        actor=request.membership, agreement=agreement, request_meta=_meta(request)
                    )
                    messages.success(
                        request,
                        "You withdrew your consent to sign electronically. The program office has been asked to "
                        "arrange for you to sign on paper; what you signed before stays valid.",
                    )
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                if action == "sign" and sign_form.is_valid():
                    signed = services.agreement_sign(
                        actor=request.membership,
                        agreement=agreement,
                        typed_name=sign_form.cleaned_data["typed_name"],
                        confirm=sign_form.cleaned_data["confirm"],
                        revision=sign_form.cleaned_data["revision"],
                        request_meta=_meta(request),
                    )
                    messages.success(
                        request,
                        "Signed by both of you. The sealed PDF will be ready in a moment."
                        if signed.status == AgreementStatus.SIGNED
                        else "You signed. The other person has been asked to sign too.",
                    )
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                if action == "reopen":
                    services.agreement_reopen(
                        actor=request.membership, agreement=agreement, request_meta=_meta(request)
                    )
                    messages.success(request, "Reopened for changes; the signature so far was withdrawn.")
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                if action == "new_version":
                    services.agreement_start(
                        actor=request.membership, mentorship=mentorship, request_meta=_meta(request)
                    )
                    messages.success(
                        request, "A new version is open. It replaces the signed one once you both sign it."
                    )
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
            except services.StaleDraft as error:
                # Show the page again based on the text saved now: each field holds this
                # person's text where they changed it and the saved text elsewhere, with
                # both texts side by side where both changed it. Nothing typed is lost.
                current = error.agreement
                data = draft_form.data.copy()
                for name, value in {**error.proposed, **draft_form.base_of(current)}.items():
                    data[name] = value  # QueryDict: assignment replaces, update() would append
                data["revision"] = current.revision
                draft_form = DraftForm(data, agreement=current)
                conflicts = {c.key: c for c in error.conflicts}
                messages.error(request, error.message)
            except ServiceError as error:
                if action not in ("save", "sign"):
                    messages.error(request, error.message)
                    return redirect("agreement_detail", org_slug=org_slug, pk=pk)
                target = sign_form if action == "sign" else draft_form
                form_error(target, error)
        agreement.refresh_from_db()
        # After a refusal the forms must carry the current revision, or every retry is refused too.
        for form in (draft_form, sign_form):
            if form.is_bound:
                form.data = form.data.copy()
                form.data["revision"] = agreement.revision
    signatures = list(Signature.objects.filter(agreement=agreement).select_related("signer__user")) if agreement else []
    edits = (
        list(AgreementEdit.objects.filter(agreement=agreement).select_related("author__user")[:10]) if agreement else []
    )
    headings = {s["key"]: s["heading"] for s in agreement.sections} if agreement else {}
    for change in edits:
        change.heading = headings.get(change.section, change.section)
        change.author_name = agreement.name_for(change.author_id) or (
            change.author.user.full_name if change.author else "A former participant"
        )
    for signature in signatures:
        signature.party_name = agreement.frozen_name(signature.role)
    consents = (
        {
            c.membership_id: c
            for c in SigningConsent.objects.filter(membership__in=[mentorship.mentor_id, mentorship.mentee_id])
        }
        if agreement
        else {}
    )
    consent = consents.get(request.membership.pk)
    # Parties who withdrew consent to sign electronically and have not signed this version:
    # they sign on paper, which the program office arranges.
    signed_ids = {s.signer_id for s in signatures}
    paper_needed = [
        {"name": agreement.name_for(member_id), "at": c.withdrawn_at, "me": member_id == request.membership.pk}
        for member_id, c in consents.items()
        if c.withdrawn_at and agreement.status in services.OPEN and member_id not in signed_ids
    ]
    draft_rows = []
    if draft_form is not None:
        for section in agreement.sections:
            key = section["key"]
            draft_rows.append(
                {
                    "section": section,
                    "field": draft_form[key] if section.get("editable") and key in draft_form.fields else None,
                    "conflict": conflicts.get(key),
                }
            )
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "mentorship": mentorship,
            "party": party,
            "agreement": agreement,
            # The names this version records (frozen when it opened), not the accounts' names now.
            "mentor_name": agreement.frozen_name("mentor") if agreement else mentorship.mentor.user.full_name,
            "mentee_name": agreement.frozen_name("mentee") if agreement else mentorship.mentee.user.full_name,
            "draft_form": draft_form,
            "sign_form": sign_form,
            "draft_rows": draft_rows,
            "conflicts": list(conflicts.values()),
            "section_rows": section_rows(agreement) if agreement else [],
            "signatures": signatures,
            "signed_by_me": any(s.signer_id == request.membership.pk for s in signatures),
            "consent": consent,
            "consented": services.consent_in_force(consent),
            "consent_title": CONSENT_TITLE,
            "consent_paragraphs": CONSENT_PARAGRAPHS,
            "paper_needed": paper_needed,
            "versions": list(Agreement.objects.filter(mentorship=mentorship).order_by("-version")),
            "edits": edits,
        },
    )


@member_required
def agreement_version(request: HttpRequest, org_slug: str, pk: int, version: int) -> HttpResponse:
    mentorship, party = _mentorship_for(request, pk)
    if party is None:
        raise Http404("Only the pair reads their agreement here; coordinators download the signed PDF.")
    agreement = get_object_or_404(Agreement, mentorship=mentorship, version=version)
    signatures = list(Signature.objects.filter(agreement=agreement).select_related("signer__user"))
    return render(
        request,
        "agreements/agreement_version.html",
        {
            "mentorship": mentorship,
            "agreement": agreement,
            "signatures": signatures,
            "section_rows": section_rows(agreement),
        },
    )


@coordinator_required
def program_agreements(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Coordinators see where each pair stands: no agreement, draft, awaiting whom, signed."""
    program = get_object_or_404(Program, slug=program_slug)
    mentorships = list(
        Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES)
        .exclude(origin="senior")
        .select_related("mentor__user", "mentee__user")
        .order_by("started_on")[:500]
    )
    latest = {}
    # Status only: the pair's text (encrypted) is neither read nor decrypted here.
    versions = Agreement.objects.filter(mentorship__in=mentorships).defer("content", "sections")
    for agreement in versions.order_by("mentorship_id", "-version"):
        latest.setdefault(agreement.mentorship_id, agreement)
    signed_roles = {}
    for signature in Signature.objects.filter(agreement__in=latest.values()).values("agreement_id", "role"):
        signed_roles.setdefault(signature["agreement_id"], set()).add(signature["role"])
    withdrawn = set(
        SigningConsent.objects.filter(
            membership__in=[p for m in mentorships for p in (m.mentor_id, m.mentee_id)], withdrawn_at__isnull=False
        ).values_list("membership_id", flat=True)
    )
    rows = []
    for m in mentorships:
        agreement = latest.get(m.pk)
        waiting = []
        if agreement and agreement.status in services.OPEN:
            agreement.mentorship = m
            done = signed_roles.get(agreement.pk, set())
            agreement.paper = [
                agreement.frozen_name(role)
                for role, member_id in (("mentor", m.mentor_id), ("mentee", m.mentee_id))
                if member_id in withdrawn and role not in done
            ]
        if agreement and agreement.status == AgreementStatus.AWAITING:
            done = signed_roles.get(agreement.pk, set())
            agreement.mentorship = m  # for the frozen names without another query
            waiting = [agreement.frozen_name("mentor" if "mentor" not in done else "mentee")]
        rows.append((m, agreement, waiting))
    return render(request, "agreements/program_agreements.html", {"program": program, "rows": rows})


@coordinator_required
def template_edit(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    template = services.template_for(program)
    if request.method == "POST":
        sections = [
            {
                "key": s["key"],
                "heading": request.POST.get(f"heading-{s['key']}", s["heading"]),
                "guidance": request.POST.get(f"guidance-{s['key']}", s.get("guidance", "")),
                "text": request.POST.get(f"text-{s['key']}", s.get("text", "")),
            }
            for s in template.sections
        ]
        try:
            services.template_update(
                actor=request.membership, program=program, title=request.POST.get("title", ""), sections=sections
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Agreement form saved. Agreements already started keep their text.")
            return redirect("agreement_template", org_slug=org_slug, program_slug=program.slug)
    return render(request, "agreements/template_edit.html", {"program": program, "template": template})
