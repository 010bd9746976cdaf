"""The sealed PDF of a signed agreement, its download and the public verification page."""

import copy
import hashlib
import io
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from pypdf import PdfReader

from agreements.models import DEFAULT_SECTIONS, Agreement, AgreementEvent, Signature
from agreements.pdf import check_fetchable_url, render_agreement_pdf, verify_pdf
from agreements.tasks import render_agreement_pdf_task
from relationships.models import Mentorship
from tests.conftest import wait_for
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.pdf, pytest.mark.clock("2025-03-06 10:00")]

GOALS = "Submit a first-author manuscript on outcomes of the trauma registry by June."
MENTOR_SIGNED = datetime(2025, 3, 4, 15, 6, 7, tzinfo=UTC)
MENTEE_SIGNED = datetime(2025, 3, 5, 9, 10, 11, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_signed_agreement(org, *, mentor_name="Dr Ada Mentor", mentee_name="Dr Ben Mentee") -> Agreement:
    program = ProgramFactory(organization=org, name="Surgical Mentorship Program")
    mentor = MembershipFactory(organization=org, user=UserFactory(full_name=mentor_name))
    mentee = MembershipFactory(organization=org, user=UserFactory(full_name=mentee_name))
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=date(2025, 3, 1),
            planned_end_on=date(2026, 3, 1),
        )
        content = {s["key"]: f"Our text for {s['heading'].lower()}." for s in DEFAULT_SECTIONS if s["editable"]}
        content["goals"] = GOALS
        agreement = Agreement(
            organization=org,
            mentorship=mentorship,
            title="Mentoring Partnership Agreement",
            sections=copy.deepcopy(DEFAULT_SECTIONS),
            content=content,
            status="signed",
            signed_at=MENTEE_SIGNED,
        )
        agreement.content_hash = agreement.compute_hash()
        agreement.save()
        for member, role, at in ((mentor, "mentor", MENTOR_SIGNED), (mentee, "mentee", MENTEE_SIGNED)):
            AgreementEvent.objects.create(
                organization=org,
                agreement=agreement,
                actor=member,
                kind="consent",
                at=at.replace(minute=1),
                ip_address="203.0.113.7",
                user_agent="Mozilla/5.0 (TestBrowser)",
            )
            AgreementEvent.objects.create(
                organization=org, agreement=agreement, actor=member, kind="edited", at=at.replace(minute=2)
            )
            Signature.objects.create(
                organization=org,
                agreement=agreement,
                signer=member,
                role=role,
                typed_name=member.user.full_name,
                signed_at=at,
                ip_address="198.51.100.9",
                user_agent="Mozilla/5.0 (TestBrowser)",
                content_hash=agreement.content_hash,
            )
            AgreementEvent.objects.create(
                organization=org,
                agreement=agreement,
                actor=member,
                kind="signed",
                at=at,
                ip_address="198.51.100.9",
                user_agent="Mozilla/5.0 (TestBrowser)",
            )
    return agreement


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def agreement(org_a):
    return make_signed_agreement(org_a)


@pytest.fixture
def pdf_bytes(agreement):
    with scopes_disabled():
        return render_agreement_pdf(agreement)


def stored(agreement) -> Agreement:
    with scopes_disabled():
        return Agreement.objects.get(pk=agreement.pk)


# --- The document ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_pdf_prints_parties_sections_signatures_and_hash(agreement, pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF")
    text = pdf_text(pdf_bytes)
    flat = " ".join(text.split())
    assert "Dr Ada Mentor" in text and "Dr Ben Mentee" in text
    assert "Alpha Surgical Society" in text and "Surgical Mentorship Program" in text
    for section in DEFAULT_SECTIONS:
        assert section["heading"] in flat, section["heading"]
        if not section["editable"]:
            assert " ".join(section["text"].split()) in flat
    assert GOALS in flat
    assert "2025-03-04 15:06:07 UTC" in text and "2025-03-05 09:10:11 UTC" in text
    assert agreement.content_hash in text
    # the audit page: consent, edits and signatures with IP and user agent
    assert "Consented to sign electronically" in flat and "203.0.113.7" in text and "198.51.100.9" in text
    assert "TestBrowser" in text


@pytest.mark.django_db
def test_pdf_escapes_agreement_text_and_never_reads_local_files(org_a, settings):
    agreement = make_signed_agreement(org_a)
    with scopes_disabled():
        agreement.content["goals"] = '<img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/hosts">'
        data = render_agreement_pdf(agreement)
    assert "<img src=" in " ".join(pdf_text(data).split())  # printed as text, not fetched


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/secret",
        "http://localhost:8000/admin/",
        "http://10.0.0.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "ftp://example.org/x",
        "relative/path.css",
    ],
)
def test_fetcher_refuses_local_and_private_urls(url):
    with pytest.raises(ValueError):
        check_fetchable_url(url)


def test_fetcher_allows_data_urls():
    check_fetchable_url("data:text/css,body{}")


@pytest.mark.django_db
def test_changed_content_gives_another_hash_and_no_match(client, agreement):
    with scopes_disabled():
        changed = Agreement.objects.get(pk=agreement.pk)
    changed.content["goals"] = GOALS.replace("June", "Junf")  # one byte
    other = changed.compute_hash()
    assert other != agreement.content_hash
    response = client.post("/verify/", {"content_hash": other})
    assert response.status_code == 200 and b"No match" in response.content
    response = client.post("/verify/", {"content_hash": agreement.content_hash.upper()})
    assert b"Match: this content hash belongs to a signed agreement" in response.content


# --- The seal ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seal_validates_and_breaks_on_one_changed_byte(pdf_bytes):
    ok, message = verify_pdf(pdf_bytes)
    assert ok, message
    assert "intact" in message
    # change one byte of the page content (inside the signed byte range)
    index = pdf_bytes.index(b"/MediaBox") + 2
    tampered = pdf_bytes[:index] + bytes([pdf_bytes[index] ^ 0x01]) + pdf_bytes[index + 1 :]
    ok, message = verify_pdf(tampered)
    assert not ok, message
    # a byte changed anywhere in the file
    middle = len(pdf_bytes) // 3
    tampered = pdf_bytes[:middle] + bytes([pdf_bytes[middle] ^ 0xFF]) + pdf_bytes[middle + 1 :]
    assert not verify_pdf(tampered)[0]
    assert verify_pdf(b"not a pdf") == (False, "This is not a PDF file.")


# --- The task ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_task_stores_the_pdf_once(agreement):
    render_agreement_pdf_task(agreement.pk)
    first = stored(agreement)
    assert first.pdf and first.pdf_sha256
    data = first.pdf.read()
    first.pdf.close()
    assert hashlib.sha256(data).hexdigest() == first.pdf_sha256
    assert verify_pdf(data)[0]
    render_agreement_pdf_task(agreement.pk)  # does nothing
    second = stored(agreement)
    assert second.pdf.name == first.pdf.name and second.pdf_sha256 == first.pdf_sha256
    with scopes_disabled():
        assert AgreementEvent.objects.filter(agreement=agreement, kind="pdf").count() == 1


@pytest.mark.django_db
def test_task_ignores_unsigned_and_missing_agreements(agreement):
    with scopes_disabled():
        Agreement.objects.filter(pk=agreement.pk).update(status="awaiting")
    render_agreement_pdf_task(agreement.pk)
    assert not stored(agreement).pdf
    render_agreement_pdf_task(999999)  # no error


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_celery_worker(celery_worker, org_a):
    agreement = make_signed_agreement(org_a)
    render_agreement_pdf_task.delay(agreement.pk)
    wait_for(lambda: bool(stored(agreement).pdf_sha256), timeout=60)
    assert stored(agreement).pdf


# --- Download ---------------------------------------------------------------------------------


def url(agreement, slug="alpha"):
    return f"/o/{slug}/agreements/{agreement.pk}/pdf/"


@pytest.mark.django_db
def test_download_permissions(client, org_a, agreement, coordinator_a, member_a, coordinator_b):
    render_agreement_pdf_task(agreement.pk)
    mentorship = agreement.mentorship
    for membership in (mentorship.mentor, mentorship.mentee, coordinator_a):
        client.force_login(membership.user)
        response = client.get(url(agreement))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    committee = MembershipFactory(organization=org_a, is_committee=True)
    for membership in (member_a, committee):
        client.force_login(membership.user)
        assert client.get(url(agreement)).status_code == 404
    client.force_login(coordinator_b.user)
    assert client.get(url(agreement)).status_code == 404
    assert client.get(url(agreement, slug="bravo")).status_code == 404
    client.logout()
    response = client.get(url(agreement))
    assert response.status_code == 302 and "login" in response["Location"]
    with scopes_disabled():
        downloads = AgreementEvent.objects.filter(agreement=agreement, kind="downloaded")
        assert downloads.count() == 3


@pytest.mark.django_db
def test_download_before_the_pdf_is_ready_says_so(client, agreement, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from mentorship.celery import app

    app.conf.task_always_eager = False
    calls = []
    original = render_agreement_pdf_task.delay
    render_agreement_pdf_task.delay = lambda pk: calls.append(pk)
    try:
        client.force_login(agreement.mentorship.mentee.user)
        response = client.get(url(agreement))
        assert response.status_code == 200
        assert b"being prepared" in response.content
        assert calls == [agreement.pk]  # a lost task is queued again
    finally:
        render_agreement_pdf_task.delay = original
        app.conf.task_always_eager = True


@pytest.mark.django_db
def test_unsigned_agreement_has_no_pdf(client, agreement):
    with scopes_disabled():
        Agreement.objects.filter(pk=agreement.pk).update(status="awaiting")
    client.force_login(agreement.mentorship.mentor.user)
    assert client.get(url(agreement)).status_code == 404


# --- Public verification -----------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_page_is_public_and_reveals_nothing(client, agreement):
    assert client.get("/verify/").status_code == 200
    response = client.post("/verify/", {"content_hash": agreement.content_hash})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Match" in body
    for secret in ("Dr Ada Mentor", "Dr Ben Mentee", "Alpha Surgical Society", "Surgical Mentorship Program", "alpha"):
        assert secret not in body


@pytest.mark.django_db
def test_verify_an_uploaded_pdf(client, agreement):
    render_agreement_pdf_task(agreement.pk)
    record = stored(agreement)
    data = record.pdf.read()
    record.pdf.close()
    response = client.post("/verify/", {"pdf": SimpleUploadedFile("a.pdf", data, "application/pdf")})
    body = response.content.decode()
    assert response.status_code == 200
    assert "exact copy of a sealed agreement PDF" in body and "Electronic seal:</strong> valid" in body
    assert "Dr Ada Mentor" not in body and "Alpha Surgical Society" not in body
    index = data.index(b"/MediaBox") + 2
    tampered = data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]
    response = client.post("/verify/", {"pdf": SimpleUploadedFile("a.pdf", tampered, "application/pdf")})
    body = response.content.decode()
    assert "No match" in body and "not valid" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"content_hash": "abc"},
        {"content_hash": "z" * 64},
        {"content_hash": "0" * 65},
        {},
        {"pdf": SimpleUploadedFile("x.pdf", b"hello, not a pdf", "application/pdf")},
        {"pdf": SimpleUploadedFile("x.pdf", b"", "application/pdf")},
        {"pdf": SimpleUploadedFile("x.pdf", b"%PDF-1.7\n garbage garbage", "application/pdf")},
        {"content_hash": "0" * 64, "pdf": SimpleUploadedFile("x.pdf", b"%PDF-1.7\n", "application/pdf")},
    ],
)
def test_verify_malformed_input_gives_a_message(client, data):
    response = client.post("/verify/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert any(
        phrase in body
        for phrase in ("64 characters", "not a PDF", "one of the two", "could not", "No match", "empty", "submitted")
    ), body
