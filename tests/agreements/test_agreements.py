"""Drafting, consent to sign, signatures and versions of the pair's agreement."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from agreements import consent
from agreements.models import Agreement, AgreementEdit, AgreementStatus, Signature
from agreements.services import agreement as services
from mentorship.exceptions import ServiceError
from relationships.models import Mentorship
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

META = {"ip": "203.0.113.7", "user_agent": "pytest"}


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society"})


def fill(agreement):
    return {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}


def start_and_fill(pair, actor=None):
    actor = actor or pair.mentee
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=actor, mentorship=pair)
        return services.draft_save(
            actor=actor, agreement=agreement, content=fill(agreement), revision=agreement.revision
        )


def sign(actor, agreement, name=None):
    with scope(organization=agreement.organization):
        services.consent_to_sign(actor=actor, request_meta=META)
        current = Agreement.objects.get(pk=agreement.pk)
        return services.agreement_sign(
            actor=actor,
            agreement=agreement,
            typed_name=name or actor.user.full_name,
            confirm=True,
            revision=current.revision,
            request_meta=META,
        )


@pytest.mark.django_db
def test_both_write_one_draft_and_every_save_records_who_changed_what(pair):
    agreement = start_and_fill(pair)
    assert agreement.revision == 1
    with scope(organization=pair.organization):
        again = services.agreement_start(actor=pair.mentor, mentorship=pair)
        assert again.pk == agreement.pk  # one shared draft
        content = dict(agreement.content, goals="Publish two papers; lead a quality project.")
        saved = services.draft_save(actor=pair.mentor, agreement=agreement, content=content, revision=1)
    assert saved.revision == 2
    with scopes_disabled():
        edits = list(AgreementEdit.objects.filter(agreement=agreement).values_list("author_id", "section"))
    assert (pair.mentor.pk, "goals") in edits and sum(1 for a, _ in edits if a == pair.mentee.pk) >= 7


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_nothing_is_overwritten(pair):
    agreement = start_and_fill(pair)
    with scope(organization=pair.organization):
        services.draft_save(
            actor=pair.mentor, agreement=agreement, content=dict(agreement.content, goals="Mentor's words"), revision=1
        )
        with pytest.raises(services.StaleDraft) as error:
            services.draft_save(
                actor=pair.mentee,
                agreement=agreement,
                content=dict(agreement.content, goals="Mentee's words"),
                revision=1,
            )
    assert "Dana Whitfield saved a newer version" in error.value.message
    with scopes_disabled():
        assert Agreement.objects.get(pk=agreement.pk).content["goals"] == "Mentor's words"


@pytest.mark.django_db
def test_signing_needs_consent_intent_and_the_exact_name(pair):
    agreement = start_and_fill(pair)
    with scope(organization=pair.organization):
        with pytest.raises(ServiceError) as error:
            services.agreement_sign(
                actor=pair.mentor,
                agreement=agreement,
                typed_name="Dana Whitfield",
                confirm=True,
                revision=agreement.revision,
            )
        assert "agree to sign electronically" in error.value.message
        services.consent_to_sign(actor=pair.mentor, request_meta=META)
        with pytest.raises(ServiceError):
            services.agreement_sign(
                actor=pair.mentor,
                agreement=agreement,
                typed_name="Dana Whitfield",
                confirm=False,
                revision=agreement.revision,
            )
        with pytest.raises(ServiceError) as error:
            services.agreement_sign(
                actor=pair.mentor,
                agreement=agreement,
                typed_name="D. Whitfield",
                confirm=True,
                revision=agreement.revision,
            )
        assert "exactly as it appears: Dana Whitfield" in error.value.message
        signed = services.agreement_sign(
            actor=pair.mentor,
            agreement=agreement,
            typed_name="  dana  whitfield ",
            confirm=True,
            request_meta=META,
            revision=agreement.revision,
        )
    assert signed.status == AgreementStatus.AWAITING
    with scopes_disabled():
        signature = Signature.objects.get()
    assert (signature.ip_address, signature.user_agent, signature.role) == ("203.0.113.7", "pytest", "mentor")
    assert signature.content_hash == agreement.compute_hash()


@pytest.mark.django_db
def test_an_empty_section_cannot_be_signed(pair):
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
    with pytest.raises(ServiceError) as error:
        sign(pair.mentee, agreement)
    assert "Fill in every section" in error.value.message


@pytest.mark.pdf
@pytest.mark.django_db
def test_both_signatures_make_it_signed_and_immutable(pair, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agreement = start_and_fill(pair)
    sign(pair.mentor, agreement)
    with django_capture_on_commit_callbacks(execute=True):
        done = sign(pair.mentee, agreement)
    assert done.status == AgreementStatus.SIGNED and done.content_hash == done.compute_hash()
    assert any("is signed" in m.subject for m in mail.outbox)
    with scope(organization=pair.organization):
        with pytest.raises(ServiceError):
            services.draft_save(actor=pair.mentor, agreement=done, content=fill(done), revision=done.revision)
        with pytest.raises(ServiceError):
            services.agreement_sign(
                actor=pair.mentor, agreement=done, typed_name="Dana Whitfield", confirm=True, revision=done.revision
            )


@pytest.mark.django_db
def test_a_change_starts_a_new_version_and_the_old_one_is_superseded_when_it_is_signed(pair, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = start_and_fill(pair)
    sign(pair.mentor, first)
    sign(pair.mentee, first)
    with scope(organization=pair.organization):
        second = services.agreement_start(actor=pair.mentee, mentorship=pair)
        assert second.version == 2 and second.content == first.content
        second = services.draft_save(
            actor=pair.mentee,
            agreement=second,
            content=dict(second.content, goals="New goals"),
            revision=second.revision,
        )
    with scopes_disabled():
        assert Agreement.objects.get(pk=first.pk).status == AgreementStatus.SIGNED  # still in force meanwhile
    sign(pair.mentor, second)
    sign(pair.mentee, second)
    with scopes_disabled():
        assert Agreement.objects.get(pk=first.pk).status == AgreementStatus.SUPERSEDED
        assert Agreement.objects.get(pk=second.pk).status == AgreementStatus.SIGNED


@pytest.mark.django_db
def test_reopening_withdraws_the_first_signature(pair):
    agreement = start_and_fill(pair)
    sign(pair.mentor, agreement)
    with scope(organization=pair.organization):
        with pytest.raises(ServiceError):
            services.draft_save(
                actor=pair.mentee, agreement=agreement, content=fill(agreement), revision=agreement.revision
            )
        reopened = services.agreement_reopen(actor=pair.mentee, agreement=agreement)
    assert reopened.status == AgreementStatus.DRAFT
    with scopes_disabled():
        assert not Signature.objects.exists()


@pytest.mark.django_db
def test_only_the_pair_writes_and_signs(pair, coordinator_a, coordinator_b):
    agreement = start_and_fill(pair)
    stranger = MembershipFactory(organization=pair.organization)
    with scope(organization=pair.organization):
        for actor in (stranger, coordinator_a):
            with pytest.raises(PermissionDenied):
                services.draft_save(actor=actor, agreement=agreement, content={}, revision=agreement.revision)
            with pytest.raises(PermissionDenied):
                services.agreement_sign(
                    actor=actor, agreement=agreement, typed_name="x", confirm=True, revision=agreement.revision
                )
        with pytest.raises(PermissionDenied):
            services.agreement_start(actor=coordinator_b, mentorship=pair)


@pytest.mark.django_db
def test_the_agreement_page_is_for_the_pair_and_the_coordinators(client, pair, coordinator_a, coordinator_b):
    url = f"/o/alpha/mentorships/{pair.pk}/agreement/"
    client.force_login(pair.mentee.user)
    assert b"Start the agreement" in client.get(url).content
    client.post(url, {"action": "start"})
    page = client.get(url)
    assert page.status_code == 200 and b"Save the draft" in page.content and b"Ground rules" in page.content
    client.force_login(coordinator_a.user)
    coordinator_page = client.get(url)
    assert coordinator_page.status_code == 200 and b"Save the draft" not in coordinator_page.content
    client.force_login(MembershipFactory(organization=pair.organization).user)
    assert client.get(url).status_code == 404
    client.force_login(coordinator_b.user)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_coordinators_edit_the_form_and_new_agreements_use_it(client, pair, coordinator_a):
    client.force_login(coordinator_a.user)
    url = "/o/alpha/programs/society/agreement-form/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Society Mentoring Agreement",
            "heading-goals": "Our goals for the year",
            "text-no_fault": "Either of us may stop at any time.",
        },
    )
    assert response.status_code == 302
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentor, mentorship=pair)
    assert agreement.title == "Society Mentoring Agreement"
    assert agreement.sections[0]["heading"] == "Our goals for the year"
    assert next(s for s in agreement.sections if s["key"] == "no_fault")["text"] == "Either of us may stop at any time."
    client.force_login(pair.mentor.user)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_nobody_signs_a_text_they_have_not_seen(pair):
    agreement = start_and_fill(pair)
    seen = agreement.revision
    with scope(organization=pair.organization):
        services.draft_save(
            actor=pair.mentor, agreement=agreement, content=dict(agreement.content, goals="Changed"), revision=seen
        )
        services.consent_to_sign(actor=pair.mentee)
        with pytest.raises(ServiceError) as error:
            services.agreement_sign(
                actor=pair.mentee, agreement=agreement, typed_name="Nia Mensah", confirm=True, revision=seen
            )
    assert "changed since you opened it" in error.value.message


@pytest.mark.django_db
def test_an_ended_mentorship_keeps_its_draft_readable_but_frozen(pair):
    agreement = start_and_fill(pair)
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended")
    with scope(organization=pair.organization), pytest.raises(ServiceError) as error:
        services.draft_save(
            actor=pair.mentee, agreement=agreement, content=fill(agreement), revision=agreement.revision
        )
    assert "has ended" in error.value.message
    with pytest.raises(ServiceError):
        sign(pair.mentee, agreement)


@pytest.mark.django_db
def test_a_rename_after_the_first_signature_does_not_change_what_was_signed(pair, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agreement = start_and_fill(pair)
    sign(pair.mentor, agreement)
    with scopes_disabled():
        type(pair.program).objects.filter(pk=pair.program_id).update(name="Renamed Program")
    done = sign(pair.mentee, agreement)
    with scopes_disabled():
        hashes = set(Signature.objects.filter(agreement=agreement).values_list("content_hash", flat=True))
    assert done.status == AgreementStatus.SIGNED and hashes == {done.content_hash}


@pytest.mark.django_db
def test_page_actions_that_fail_show_a_message_not_an_error(client, pair):
    agreement = start_and_fill(pair)
    client.force_login(pair.mentor.user)
    url = f"/o/alpha/mentorships/{pair.pk}/agreement/"
    response = client.post(url, {"action": "reopen"}, follow=True)  # nothing to reopen
    assert response.status_code == 200 and b"Only a text waiting" in response.content
    stale = client.post(url, {"action": "save", "revision": 0, "goals": "Old view"})
    assert stale.status_code == 200 and b"saved a newer version" in stale.content
    # The retry carries the current revision, so saving again works.
    assert f'name="revision" value="{agreement.revision}"'.encode() in stale.content


@pytest.mark.pdf
@pytest.mark.django_db
def test_the_real_flow_puts_consent_and_signatures_on_the_pdfs_audit_page(
    pair, settings, tmp_path, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    settings.MEDIA_ROOT = tmp_path
    agreement = start_and_fill(pair)
    sign(pair.mentor, agreement)
    with django_capture_on_commit_callbacks(execute=True):
        sign(pair.mentee, agreement)
    with scopes_disabled():
        agreement = Agreement.objects.get(pk=agreement.pk)
        data = agreement.pdf.read()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    assert "Consented to sign electronically" in flat
    assert consent.CONSENT_TEXT_HASH[:16] in flat.replace(" ", "")
    assert "Dana Whitfield" in flat and "Nia Mensah" in flat and "203.0.113.7" in flat
