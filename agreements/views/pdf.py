"""The sealed PDF of a signed agreement: download for the pair and the program office,
and a public page to check a content hash or a PDF."""

import hashlib
import logging

from allauth.core import ratelimit
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_scopes import scopes_disabled

from agreements.forms.pdf import VerifyForm
from agreements.models import Agreement, AgreementEvent, AgreementStatus
from mentorship.clientaddr import client_ip
from mentorship.tenancy import member_required

logger = logging.getLogger(__name__)

SIGNED_STATUSES = (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED)
REQUEUE_AFTER_SECONDS = 300


def _may_download(membership, agreement: Agreement) -> bool:
    mentorship = agreement.mentorship
    if membership.pk in (mentorship.mentor_id, mentorship.mentee_id):
        return True
    return membership.is_coordinator and mentorship.program.organization_id == membership.organization_id


def _requeue(agreement: Agreement) -> None:
    """The PDF should be on its way; if its task was lost, queue it again (at most every
    few minutes; the task is idempotent)."""
    if not cache.add(f"agreement-pdf-queued:{agreement.pk}", 1, REQUEUE_AFTER_SECONDS):
        return
    from agreements.tasks import render_agreement_pdf_task

    try:
        render_agreement_pdf_task.delay(agreement.pk)
    except Exception:  # noqa: BLE001 — the page still answers; the next visit retries
        cache.delete(f"agreement-pdf-queued:{agreement.pk}")
        logger.exception("Could not queue the PDF of agreement %s", agreement.pk)


@never_cache
@member_required
def agreement_pdf(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    agreement = get_object_or_404(
        Agreement.objects.select_related("mentorship__program", "mentorship__mentor__user", "mentorship__mentee__user"),
        pk=pk,
    )
    if not _may_download(request.membership, agreement) or agreement.status not in SIGNED_STATUSES:
        raise Http404("No such agreement.")
    if not agreement.pdf:
        _requeue(agreement)
        response = render(request, "agreements/pdf_preparing.html", {"agreement": agreement})
        response["Cache-Control"] = "no-store"
        return response
    try:
        handle = agreement.pdf.open("rb")
    except FileNotFoundError:
        logger.error("The PDF file of agreement %s is missing", agreement.pk)
        raise Http404("The PDF file is missing; the program office can help.") from None
    AgreementEvent.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        actor=request.membership,
        kind="downloaded",
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        detail="Sealed PDF downloaded",
    )
    filename = f"agreement-v{agreement.version}-{agreement.pk}.pdf"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def agreement_verify(request: HttpRequest) -> HttpResponse:
    """Public: does a hash or a PDF match a signed agreement? Says yes or no, nothing more."""
    result = None
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if _too_many_checks(request):
            form.is_valid()
            form.add_error(None, "Too many checks from your address. Please try again in a few minutes.")
            status = 429
        elif form.is_valid():
            try:
                result = _check(form.cleaned_data)
            except Exception:  # noqa: BLE001 — never a 500 for a visitor's file
                logger.exception("Verification failed")
                result = {"kind": "error", "ok": False, "message": "This file could not be checked."}
    else:
        form = VerifyForm()
    response = render(request, "agreements/verify.html", {"form": form, "result": result}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _too_many_checks(request: HttpRequest) -> bool:
    """At most 30 checks per visitor's address in ten minutes (ACCOUNT_RATE_LIMITS
    "verify_agreement"): each one may parse an uploaded PDF. allauth's limiter, so the
    address is the visitor's behind the TLS proxy and IPv6 counts per /64 like sign-in."""
    return not ratelimit.consume(request, action="verify_agreement")


def _signed():
    return Agreement.objects.filter(status__in=SIGNED_STATUSES)


def _check(data: dict) -> dict:
    if data.get("content_hash"):
        with scopes_disabled():
            found = _signed().filter(content_hash=data["content_hash"]).exists()
        return {"kind": "hash", "ok": found}
    from agreements.pdf import verify_pdf

    upload = data["pdf"]
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with scopes_disabled():
        found = _signed().filter(pdf_sha256=digest.hexdigest()).exists()
    seal_ok, seal_message = verify_pdf(upload.read())
    return {"kind": "pdf", "ok": found, "seal_ok": seal_ok, "seal_message": seal_message, "sha256": digest.hexdigest()}
