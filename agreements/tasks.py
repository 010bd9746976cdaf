"""Background work for agreements: render and seal the PDF of a signed version."""

import hashlib

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django_scopes import scope, scopes_disabled


@shared_task(name="agreements.render_pdf", acks_late=True)
def render_agreement_pdf_task(agreement_id: int) -> None:
    """Render, seal and store the PDF of one signed agreement version, once.

    Idempotent: a version that already has a PDF (or is not signed) is left alone, so a
    redelivered or repeated task does nothing.
    """
    from agreements.models import Agreement, AgreementEvent, AgreementStatus
    from agreements.pdf import render_agreement_pdf
    from programs.models import Organization

    with scopes_disabled():
        organization_id = Agreement.objects.filter(pk=agreement_id).values_list("organization", flat=True).first()
    if organization_id is None:
        return
    with scope(organization=Organization.objects.get(pk=organization_id)):
        agreement = Agreement.objects.select_related(
            "mentorship__program__organization", "mentorship__mentor__user", "mentorship__mentee__user"
        ).get(pk=agreement_id)
        if agreement.pdf or agreement.status not in (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED):
            return
        data = render_agreement_pdf(agreement)  # slow: outside the transaction
        with transaction.atomic():
            locked = Agreement.objects.select_for_update().get(pk=agreement_id)
            if locked.pdf:  # another run stored it meanwhile
                return
            digest = hashlib.sha256(data).hexdigest()
            # Stored encrypted under a random name (Agreement.pdf's storage and upload_to).
            locked.pdf.save("agreement.pdf", ContentFile(data), save=False)
            locked.pdf_sha256 = digest
            locked.save(update_fields=["pdf", "pdf_sha256", "updated_at"])
            AgreementEvent.objects.create(
                organization_id=locked.organization_id,
                agreement=locked,
                kind="pdf",
                detail=f"Sealed PDF stored (SHA-256 {digest})",
            )
