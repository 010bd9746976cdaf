"""The first-meeting checklist (seed 004, Appendix B) and the mentee's IDP and CV."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models.review import (
    CHECKLIST_ITEMS,
    ChecklistTick,
    MentorshipDocument,
    checklist_items_for,
    checklist_progress,
)
from agreements.services import review as review_services
from mentorship.exceptions import ServiceError
from relationships.models import Mentorship
from tests.factories import MembershipFactory, ProgramFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _mentorship(org):
    program = ProgramFactory(organization=org)
    mentor = MembershipFactory(organization=org, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=org, user__full_name="Nia Mensah")
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=365),
        )


@pytest.fixture
def pair(org_a):
    return _mentorship(org_a)


def _pdf(name="idp.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(actor, mentorship, kind="idp", file=None):
    with scope(organization=mentorship.organization):
        return review_services.document_upload(actor=actor, mentorship=mentorship, kind=kind, upload=file or _pdf())


def progress(mentorship):
    with scope(organization=mentorship.organization):
        return checklist_progress(mentorship)


# --- The checklist ------------------------------------------------------------------------------


def test_the_checklist_is_data_with_unique_keys_for_both_roles_and_phases():
    keys = [item.key for item in CHECKLIST_ITEMS]
    assert len(keys) == len(set(keys))
    for role in ("mentor", "mentee"):
        phases = {item.phase for item in checklist_items_for(role)}
        assert phases == {"before", "meeting", "after"}
    texts = " ".join(item.text for item in checklist_items_for("mentee"))
    assert "Individual Development Plan" in texts and "CV" in texts
    assert any("at least one hour" in item.text for item in CHECKLIST_ITEMS)


@pytest.mark.django_db
def test_each_party_ticks_their_own_items_only(pair):
    mentee_item = checklist_items_for("mentee")[0].key
    mentor_item = checklist_items_for("mentor")[0].key
    with scope(organization=pair.organization):
        review_services.checklist_tick(actor=pair.mentee, mentorship=pair, item_key=mentee_item)
        review_services.checklist_tick(actor=pair.mentee, mentorship=pair, item_key=mentee_item)  # twice: once
        with pytest.raises(PermissionDenied):
            review_services.checklist_tick(actor=pair.mentee, mentorship=pair, item_key=mentor_item)
        with pytest.raises(PermissionDenied):
            review_services.checklist_save(actor=pair.mentor, mentorship=pair, keys=[mentee_item])
        with pytest.raises(ServiceError):
            review_services.checklist_tick(actor=pair.mentor, mentorship=pair, item_key="mentor.before.nothing")
    with scopes_disabled():
        assert list(ChecklistTick.objects.values_list("membership_id", "item_key")) == [(pair.mentee.pk, mentee_item)]


@pytest.mark.django_db
def test_outsiders_cannot_tick(pair, coordinator_a, member_a, coordinator_b):
    key = checklist_items_for("mentee")[0].key
    for outsider in (coordinator_a, member_a, coordinator_b):
        with scope(organization=pair.organization), pytest.raises(PermissionDenied):
            review_services.checklist_tick(actor=outsider, mentorship=pair, item_key=key)


@pytest.mark.django_db
def test_progress_counts_each_partys_own_items(pair):
    mentee_keys = [item.key for item in checklist_items_for("mentee")]
    mentor_keys = [item.key for item in checklist_items_for("mentor")]
    assert progress(pair) == {
        "mentor": {"done": 0, "total": len(mentor_keys)},
        "mentee": {"done": 0, "total": len(mentee_keys)},
    }
    with scope(organization=pair.organization):
        review_services.checklist_save(actor=pair.mentee, mentorship=pair, keys=mentee_keys[:3])
        review_services.checklist_save(actor=pair.mentor, mentorship=pair, keys=mentor_keys)
        review_services.checklist_save(actor=pair.mentee, mentorship=pair, keys=mentee_keys[1:3])  # unticks one
        review_services.checklist_tick(actor=pair.mentor, mentorship=pair, item_key=mentor_keys[0], ticked=False)
    assert progress(pair)["mentee"]["done"] == 2
    assert progress(pair)["mentor"]["done"] == len(mentor_keys) - 1


@pytest.mark.django_db
def test_the_checklist_page(client, pair, coordinator_a, member_a):
    url = f"/o/alpha/mentorships/{pair.pk}/checklist/"
    mentee_keys = [item.key for item in checklist_items_for("mentee")]
    client.force_login(pair.mentee.user)
    assert client.post(url, {"action": "tick", "items": mentee_keys[:2]}).status_code == 302
    assert progress(pair)["mentee"]["done"] == 2
    page = client.get(url)
    assert page.status_code == 200 and b"checklist-form" in page.content
    assert f"2 of {len(mentee_keys)} done".encode() in page.content
    # The mentor sees the mentee's list but cannot tick it.
    client.force_login(pair.mentor.user)
    page = client.get(url)
    assert b"Nia Mensah's checklist" in page.content
    client.post(url, {"action": "tick", "items": mentee_keys[2:4]})
    assert progress(pair) == {
        "mentor": {"done": 0, "total": len(checklist_items_for("mentor"))},
        "mentee": {"done": 2, "total": len(mentee_keys)},
    }
    for outsider in (coordinator_a, member_a):
        client.force_login(outsider.user)
        assert client.get(url).status_code == 404


# --- IDP and CV --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mentee_uploads_a_pdf_into_private_storage(pair, media):
    document = upload(pair.mentee, pair, "idp")
    path = Path(document.file.path)
    # Encrypted at rest (tests/test_issue13_encryption_at_rest.py); opening it gives the PDF.
    assert path.is_file() and path.read_bytes().startswith(b"enc1:") and document.file.read() == PDF
    assert str(path).startswith(str(media / "private"))
    assert document.uploaded_by == pair.mentee and document.size == len(PDF)
    # A new CV replaces nothing else; a new IDP replaces the old IDP.
    upload(pair.mentee, pair, "cv", _pdf("cv.pdf"))
    newer = upload(pair.mentee, pair, "idp", _pdf("idp-v2.pdf", PDF + b"% v2\n"))
    with scopes_disabled():
        assert MentorshipDocument.objects.filter(mentorship=pair).count() == 2
    assert newer.pk == document.pk and newer.file.read().endswith(b"% v2\n")


@pytest.mark.django_db
def test_the_mentee_removes_a_document(pair, django_capture_on_commit_callbacks):
    document = upload(pair.mentee, pair, "cv")
    path = Path(document.file.path)
    with scope(organization=pair.organization):
        with pytest.raises(PermissionDenied):
            review_services.document_remove(actor=pair.mentor, document=document)
        with django_capture_on_commit_callbacks(execute=True):
            review_services.document_remove(actor=pair.mentee, document=document)
    assert not path.exists()
    with scopes_disabled():
        assert not MentorshipDocument.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("idp.docx", PDF, "PDF"),
        ("idp.pdf", b"PK\x03\x04 not a pdf", "not a real PDF"),
        ("idp.pdf", b"", "empty"),
        ("idp.pdf", PDF + b"0" * (5 * 1024 * 1024), "at most 5 MB"),
    ],
)
def test_upload_rules(pair, name, content, message):
    with pytest.raises(ServiceError, match=message):
        upload(pair.mentee, pair, "idp", _pdf(name, content))
    with scopes_disabled():
        assert not MentorshipDocument.objects.exists()


@pytest.mark.django_db
def test_only_the_mentee_uploads(pair, coordinator_a, member_a):
    for actor in (pair.mentor, coordinator_a, member_a):
        with pytest.raises(PermissionDenied):
            upload(actor, pair)
    with pytest.raises(ServiceError):
        upload(pair.mentee, pair, "photo")


@pytest.mark.django_db
def test_upload_through_the_page_shows_form_errors(client, pair):
    url = f"/o/alpha/mentorships/{pair.pk}/checklist/"
    client.force_login(pair.mentee.user)
    page = client.post(url, {"action": "upload", "kind": "cv", "file": _pdf("cv.doc")})
    assert page.status_code == 200 and b"PDF" in page.content
    assert client.post(url, {"action": "upload", "kind": "cv", "file": _pdf("cv.pdf")}).status_code == 302
    with scopes_disabled():
        assert MentorshipDocument.objects.get(mentorship=pair).kind == "cv"
    client.force_login(pair.mentor.user)
    assert b"document-form" not in client.get(url).content  # the mentor does not upload
    client.post(url, {"action": "upload", "kind": "idp", "file": _pdf()})
    with scopes_disabled():
        assert MentorshipDocument.objects.count() == 1


@pytest.mark.django_db
def test_download_is_for_the_mentor_and_the_mentee_only(client, pair, coordinator_a, member_a, coordinator_b):
    document = upload(pair.mentee, pair, "idp")
    url = f"/o/alpha/mentorships/{pair.pk}/documents/{document.pk}/"
    for person in (pair.mentee, pair.mentor):
        client.force_login(person.user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "idp-nia-mensah.pdf" in response["Content-Disposition"]
    for outsider in (coordinator_a, member_a):
        client.force_login(outsider.user)
        assert client.get(url).status_code == 404
    client.force_login(coordinator_b.user)
    assert client.get(url).status_code == 404
    assert client.get(f"/o/bravo/mentorships/{pair.pk}/documents/{document.pk}/").status_code == 404
    # The right document under the wrong mentorship is a 404 too.
    other = _mentorship(pair.organization)
    client.force_login(other.mentee.user)
    assert client.get(f"/o/alpha/mentorships/{other.pk}/documents/{document.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_ended_mentorship_keeps_its_checklist_as_it_was(pair):
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended")
    pair.refresh_from_db()
    key = checklist_items_for("mentee")[0].key
    with scope(organization=pair.organization), pytest.raises(ServiceError, match="ended"):
        review_services.checklist_tick(actor=pair.mentee, mentorship=pair, item_key=key)
    with pytest.raises(ServiceError, match="ended"):
        upload(pair.mentee, pair)
