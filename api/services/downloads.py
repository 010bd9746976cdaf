"""What a read through the API records: the sealed agreement PDF's download, logged on the
agreement's trail as the web page logs it (``agreements.views.pdf.agreement_pdf``)."""

from agreements.models import Agreement, AgreementEvent
from api.models import ApiToken


def record_pdf_download(*, token: ApiToken, agreement: Agreement, ip_address: str | None, user_agent: str) -> None:
    """One ``downloaded`` event on the agreement's trail: the actor is the coordinator who
    made the token (the API acts with their authority), the detail names the token."""
    if agreement.organization_id != token.organization_id:  # the endpoint's scope makes this unreachable
        raise ValueError("The token and the agreement are of different organizations.")
    AgreementEvent.objects.create(
        organization_id=agreement.organization_id,
        agreement=agreement,
        actor=token.created_by,
        kind="downloaded",
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400],
        detail=f"Sealed PDF downloaded through the API (token “{token.name}”, {token.prefix}…)"[:300],
    )
