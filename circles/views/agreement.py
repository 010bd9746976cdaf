"""The circle's agreement: read and sign it (facilitators and active members), and
download one's sealed PDF (the signer and coordinators)."""

from django.contrib import messages as flash
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from agreements.consent import CONSENT_PARAGRAPHS, CONSENT_TITLE
from agreements.models import SigningConsent
from agreements.services.agreement import consent_in_force
from circles.forms.circles import SignForm
from circles.models import CircleAgreementSignature, CircleMemberStatus
from circles.selectors import active_place
from circles.services.agreement import AGREEMENT_TITLE, CLAUSES, agreement_sign, signature_of
from circles.views.circles import circles_program, program_circle
from mentorship.clientaddr import client_ip
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required


@member_required
def circle_agreement(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    place = active_place(circle, request.membership)
    if place is None:
        raise Http404("No such circle.")
    signature = signature_of(circle, request.membership)
    if signature is not None and request.method == "POST":
        flash.error(request, "You have already signed this circle's agreement.")
        return redirect("circle_agreement", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    consent = SigningConsent.objects.filter(membership=request.membership).first()
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_sign(
                actor=request.membership,
                circle=circle,
                typed_name=form.cleaned_data["typed_name"],
                consent=form.cleaned_data["consent"],
                request_meta={"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")},
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, "You signed the circle's agreement. Your sealed copy is ready to download.")
            return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    return render(
        request,
        "circles/agreement.html",
        {
            "program": program,
            "circle": circle,
            "place": place,
            "signature": signature,
            "form": form,
            "title": AGREEMENT_TITLE,
            "clauses": CLAUSES,
            "needs_consent": not consent_in_force(consent),
            "consent_title": CONSENT_TITLE,
            "consent_paragraphs": CONSENT_PARAGRAPHS,
            "full_name": request.membership.user.full_name or request.membership.user.email,
        },
    )


@require_safe
@member_required
def circle_agreement_pdf(
    request: HttpRequest, org_slug: str, program_slug: str, pk: int, signature_pk: int
) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    signature = get_object_or_404(
        CircleAgreementSignature.objects.filter(circle=circle).select_related("member"), pk=signature_pk
    )
    own = signature.member.membership_id == request.membership.pk and signature.member.status in (
        CircleMemberStatus.ACTIVE,
        CircleMemberStatus.LEFT,
        CircleMemberStatus.REPLACED,
        CircleMemberStatus.REMOVED,
    )
    if not (own or request.membership.is_coordinator) or not signature.pdf:
        raise Http404("No such agreement.")
    try:
        handle = signature.pdf.open("rb")
    except FileNotFoundError:
        raise Http404("The PDF file is missing; the program office can help.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=f"circle-agreement-{signature.pk}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
