"""The circle's agreement (seed 004's agreement form and its Appendix C ground rules, for a
group): ground rules and confidentiality that every member and facilitator signs when
they join, with the same electronic-signing consent as a pair's agreement, and a sealed
PDF of each signature (``agreements.pdf.seal_pdf``), encrypted at rest.

The text signed is fixed (the circle's name, program, theme and dates, and the clauses
below) and hashed; the hash is printed on the PDF and stored with the signature."""

import hashlib
import json
from datetime import UTC

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from agreements.consent import CONSENT_TEXT, CONSENT_TITLE
from agreements.models import SigningConsent
from agreements.pdf import safe_url_fetcher, seal_pdf, sha256_hex
from agreements.services.agreement import consent_in_force, consent_to_sign
from circles.models import Circle, CircleAgreementSignature, CircleMember, CircleMemberStatus
from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.notifications import mark_read_by_key

AGREEMENT_TITLE = "Circle Agreement"

# Seed 004: "what confidentiality means and how it will be maintained, ground rules,
# communication and feedback, and a no fault clause", and Appendix C's example ground rules,
# written for a group.
CLAUSES = (
    (
        "Purpose",
        "We meet as a circle to learn from each other around our theme. Participation is voluntary, and the "
        "circle is a shared responsibility of its facilitators and members.",
    ),
    (
        "Ground rules",
        "Our meetings are open, honest, supportive and non-judgmental discussions. We come prepared and on time, "
        "and tell the circle in advance when we cannot come. Everyone has room to speak; we listen without "
        "interrupting. We give each other honest and timely feedback, as critical friends. The facilitators keep "
        "the agenda and the time; any of us may suggest a topic.",
    ),
    (
        "Confidentiality",
        "What a person shares in the circle stays in the circle. We do not repeat who said what, inside or outside "
        "the organization, unless that person agrees. Agendas, summaries and notes are visible only to the circle's "
        "members and facilitators; the program office sees only that meetings took place and how many attended. "
        "Confidentiality does not oblige anyone to stay silent where a professional code, the law or the duty of "
        "care to avoid harm requires otherwise; a facilitator who must act on that does so with the full knowledge "
        "of the person concerned.",
    ),
    (
        "Scope",
        "We agree on the topics we discuss and respect the limits each of us sets between personal and professional "
        "matters. A facilitator is not an assessor of anyone's performance.",
    ),
    (
        "No-fault clause",
        "Any of us may leave the circle at any time, for any reason, without blame or explanation. We tell the "
        "facilitators or the program office when we leave.",
    ),
    (
        "Review",
        "We review how the circle is working at least once during its term and at its end, and decide together "
        "what to change.",
    ),
)


def agreement_payload(circle: Circle, signer_name: str) -> dict:
    return {
        "title": AGREEMENT_TITLE,
        "circle": circle.name,
        "program": circle.program.name,
        "theme": circle.theme,
        "starts_on": circle.starts_on.isoformat(),
        "ends_on": circle.ends_on.isoformat(),
        "signer": signer_name,
        "sections": [{"heading": heading, "text": text} for heading, text in CLAUSES],
    }


def agreement_hash(circle: Circle, signer_name: str) -> str:
    canonical = json.dumps(
        agreement_payload(circle, signer_name), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signature_of(circle: Circle, membership: Membership) -> CircleAgreementSignature | None:
    return (
        CircleAgreementSignature.objects.filter(
            circle=circle, member__membership=membership, member__status=CircleMemberStatus.ACTIVE
        )
        .select_related("member")
        .first()
    )


def has_signed(circle: Circle, membership: Membership) -> bool:
    return signature_of(circle, membership) is not None


def _names_match(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def render_signature_pdf(signature: CircleAgreementSignature) -> bytes:
    from weasyprint import HTML

    circle = signature.circle
    context = {
        "circle": circle,
        "program": circle.program,
        "organization": circle.organization,
        "title": AGREEMENT_TITLE,
        "clauses": CLAUSES,
        "signature": signature,
        "role": signature.member.get_role_display(),
        "signed_at": signature.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "consented_at": (
            signature.consented_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if signature.consented_at else ""
        ),
        "consent_title": CONSENT_TITLE,
        "consent_paragraphs": CONSENT_TEXT.split("\n\n")[1:],
    }
    html = render_to_string("circles/agreement_pdf.html", context)
    data = HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()
    return seal_pdf(data, reason=f"Signed circle agreement, text hash {signature.text_sha256}")


@transaction.atomic
def agreement_sign(
    *, actor: Membership, circle: Circle, typed_name: str, consent: bool = False, request_meta: dict | None = None
) -> CircleAgreementSignature:
    """Sign the circle's agreement as one of its facilitators or active members. Consent to
    sign electronically is given here when not already in force."""
    place = (
        CircleMember.objects.select_for_update()
        .select_related("circle__program", "circle__organization", "membership__user")
        .filter(circle=circle, membership=actor, status=CircleMemberStatus.ACTIVE)
        .first()
    )
    if place is None:
        raise ServiceError("Only the circle's facilitators and members sign its agreement.")
    circle = place.circle
    if circle.status == "ended":
        raise ServiceError("This circle has ended; its agreement can no longer be signed.")
    if CircleAgreementSignature.objects.filter(member=place).exists():
        raise ServiceError("You have already signed this circle's agreement.")
    existing = SigningConsent.objects.filter(membership=actor).first()
    if not consent_in_force(existing) and not consent:
        raise ServiceError("Read the notice and agree to sign electronically first.")
    record = consent_to_sign(actor=actor, request_meta=request_meta)
    name = actor.user.full_name or actor.user.email
    if not _names_match(typed_name or "", name):
        raise ServiceError(f"Type your full name exactly as it appears on your account: {name}.")
    meta = request_meta or {}
    try:
        with transaction.atomic():
            signature = CircleAgreementSignature.objects.create(
                organization=circle.organization,
                circle=circle,
                member=place,
                typed_name=" ".join(typed_name.split())[:150],
                consent=record,
                consent_text_hash=record.consent_text_hash,
                consented_at=record.consented_at,
                ip_address=meta.get("ip") or None,
                user_agent=(meta.get("user_agent") or "")[:400],
                signed_at=timezone.now(),
                text_sha256=agreement_hash(circle, name),
            )
    except IntegrityError as error:
        raise ServiceError("You have already signed this circle's agreement.") from error
    signature.circle = circle
    signature.member = place
    data = render_signature_pdf(signature)
    signature.pdf_sha256 = sha256_hex(data)
    signature.pdf.save("agreement.pdf", ContentFile(data), save=False)
    signature.save(update_fields=["pdf", "pdf_sha256"])
    mark_read_by_key(recipient=actor, key=f"circle-agreement:{circle.pk}")
    return signature
