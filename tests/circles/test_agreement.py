"""The circle's agreement: each facilitator and member signs it with the e-sign consent,
a sealed PDF per signature that reads back and verifies, downloads for the signer and
coordinators only, and the circle's record hidden until one has signed."""

import io

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from agreements.consent import CONSENT_TEXT_HASH
from agreements.models import SigningConsent
from agreements.pdf import sha256_hex, verify_pdf
from circles.models import CircleAgreementSignature
from circles.services import circles as services
from circles.services.agreement import agreement_hash, agreement_sign
from mentorship.exceptions import ServiceError
from programs.models import Role
from tests.circles.support import accepted, circles_program, make_circle
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _circle_with_people(org, coordinator):
    program = circles_program(org, name="Early career circles")
    circle = make_circle(coordinator, program, name="Grant writers", theme="Writing your first grant")
    mentor = accepted(program, Role.MENTOR, name="Dana Whitfield")
    mentee = accepted(program, name="Nia Mensah")
    with scope(organization=org):
        services.member_add(actor=coordinator, circle=circle, membership=mentor)
        services.member_add(actor=coordinator, circle=circle, membership=mentee)
    return program, circle, mentor, mentee


def test_signing_records_the_consent_and_seals_a_pdf_that_reads_back(org_a, coordinator_a):
    _program, circle, mentor, mentee = _circle_with_people(org_a, coordinator_a)
    meta = {"ip": "203.0.113.9", "user_agent": "Firefox test"}
    with scope(organization=org_a):
        with pytest.raises(ServiceError, match="agree to sign electronically"):
            agreement_sign(actor=mentee, circle=circle, typed_name="Nia Mensah")
        with pytest.raises(ServiceError, match="exactly as it appears"):
            agreement_sign(actor=mentee, circle=circle, typed_name="Someone Else", consent=True)
        signature = agreement_sign(
            actor=mentee, circle=circle, typed_name=" nia  mensah ", consent=True, request_meta=meta
        )
        with pytest.raises(ServiceError, match="already signed"):
            agreement_sign(actor=mentee, circle=circle, typed_name="Nia Mensah")
        # The facilitator signs too, as a facilitator.
        agreement_sign(actor=mentor, circle=circle, typed_name="Dana Whitfield", consent=True)
    with scopes_disabled():
        signature = CircleAgreementSignature.objects.get(pk=signature.pk)
        consent = SigningConsent.objects.get(membership=mentee)
        assert signature.consent == consent and signature.consent_text_hash == CONSENT_TEXT_HASH
        assert str(signature.ip_address) == "203.0.113.9" and signature.user_agent == "Firefox test"
        assert signature.text_sha256 == agreement_hash(circle, "Nia Mensah")
        data = signature.pdf.read()
    assert sha256_hex(data) == signature.pdf_sha256
    ok, message = verify_pdf(data)
    assert ok, message
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)
    for expected in ("Grant writers", "Writing your first grant", "Confidentiality", "No-fault clause", "nia mensah"):
        assert expected.casefold() in text.casefold(), expected
    assert signature.text_sha256 in text.replace(" ", "")
    # A changed byte breaks the seal.
    tampered = data.replace(b"Grant writers", b"Grant writerz", 1)
    assert not verify_pdf(tampered)[0]


def test_only_the_circles_people_sign(org_a, coordinator_a):
    program, circle, _mentor, _mentee = _circle_with_people(org_a, coordinator_a)
    outsider = accepted(program)
    with scope(organization=org_a), pytest.raises(ServiceError, match="facilitators and members"):
        agreement_sign(actor=outsider, circle=circle, typed_name=outsider.user.full_name, consent=True)


def test_the_record_is_hidden_until_signed_and_the_pdf_is_for_the_signer_and_coordinators(client, org_a, coordinator_a):
    program, circle, mentor, mentee = _circle_with_people(org_a, coordinator_a)
    detail = reverse("circle_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": circle.pk})
    sign_url = reverse(
        "circle_agreement", kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": circle.pk}
    )
    client.force_login(mentee.user)
    page = client.get(detail).content.decode()
    assert "Read and sign the agreement" in page and 'id="record-heading"' not in page
    response = client.post(sign_url, {"consent": "on", "typed_name": "Wrong Name"})
    assert response.status_code == 200 and "exactly as it appears" in response.content.decode()
    assert "Wrong Name" in response.content.decode()  # the typed text is kept
    response = client.post(sign_url, {"consent": "on", "typed_name": "Nia Mensah"})
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert "Read and sign the agreement" not in page
    with scopes_disabled():
        signature = CircleAgreementSignature.objects.get(member__membership=mentee)
    pdf_url = reverse(
        "circle_agreement_pdf",
        kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": circle.pk, "signature_pk": signature.pk},
    )
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert verify_pdf(b"".join(response.streaming_content))[0]
    client.force_login(mentor.user)
    assert client.get(pdf_url).status_code == 404
    client.force_login(coordinator_a.user)
    assert client.get(pdf_url).status_code == 200
    client.force_login(MembershipFactory(organization=org_a).user)
    assert client.get(pdf_url).status_code == 404
