"""Issue 13, item 8: a party's identity on a signed or awaiting-signature version is the
name frozen in that version, never the account's current name, which its owner can change
just before signing ("Chief Justice of the Supreme Court" while the hash holds "Dana
Whitfield"). Every surface is checked: the signing check, the draft page of both parties,
the program office's pages, the emails, the PDF and its audit trail."""

import io
import re

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from agreements.models import Agreement, Signature
from agreements.pdf import render_agreement_pdf
from agreements.services import agreement as services
from mentorship.exceptions import ServiceError
from mentorship.models import User
from tests.factories import dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

META = {"ip": "203.0.113.7", "user_agent": "pytest"}
FAKE = "Chief Justice of the Supreme Court"
FAKE_MENTEE = "Queen of Hearts"


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society", "name": "Society Mentoring"})


def _open_and_fill(pair) -> Agreement:
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
        content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
        return services.draft_save(actor=pair.mentee, agreement=agreement, content=content, revision=0)


def _rename(membership, name):
    User.objects.filter(pk=membership.user_id).update(full_name=name)
    membership.user.refresh_from_db()


def _sign(actor, agreement, typed_name):
    with scope(organization=agreement.organization):
        services.consent_to_sign(actor=actor, request_meta=META)
        current = Agreement.objects.get(pk=agreement.pk)
        return services.agreement_sign(
            actor=actor,
            agreement=current,
            typed_name=typed_name,
            confirm=True,
            revision=current.revision,
            request_meta=META,
        )


def _main(response) -> str:
    """The page's content, without the navigation bar (which shows the viewer's own account)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.django_db
def test_a_renamed_signer_must_type_the_frozen_name_and_the_hash_keeps_it(pair):
    agreement = _open_and_fill(pair)
    _rename(pair.mentor, FAKE)
    with pytest.raises(ServiceError) as error:
        _sign(pair.mentor, agreement, FAKE)
    assert error.value.field == "typed_name"
    assert "Dana Whitfield" in error.value.message
    with scopes_disabled():
        assert not Signature.objects.exists()
    _sign(pair.mentor, agreement, "Dana Whitfield")
    with scopes_disabled():
        signature = Signature.objects.get()
        stored = Agreement.objects.get(pk=agreement.pk)
    assert signature.typed_name == "Dana Whitfield"
    assert '"mentor":"Dana Whitfield"' in stored.canonical()
    assert signature.content_hash == stored.compute_hash()


@pytest.mark.pdf
@pytest.mark.django_db
def test_every_surface_of_an_awaiting_and_a_signed_version_names_the_frozen_parties(
    pair, client, coordinator_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    agreement = _open_and_fill(pair)
    _rename(pair.mentor, FAKE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _sign(pair.mentor, agreement, "Dana Whitfield")

    # Awaiting the second signature: the email asking the mentee to sign.
    [awaiting] = mail.outbox
    assert "Dana Whitfield" in awaiting.subject and "Dana Whitfield" in awaiting.body
    assert FAKE not in awaiting.subject + awaiting.body

    # The pages of both parties and of the program office.
    url = f"/o/alpha/mentorships/{pair.pk}/agreement/"
    for viewer in (pair.mentor, pair.mentee, coordinator_a):
        client.force_login(viewer.user)
        page = _main(client.get(url))
        assert "Dana Whitfield" in page, viewer
        assert FAKE not in page, viewer
    client.force_login(coordinator_a.user)
    page = _main(client.get("/o/alpha/programs/society/agreements/"))
    assert "Dana Whitfield" in page and FAKE not in page

    # The mentee renames too, then signs with the name this version holds.
    _rename(pair.mentee, FAKE_MENTEE)
    with scope(organization=pair.organization):
        services.consent_to_sign(actor=pair.mentee, request_meta=META)
    client.force_login(pair.mentee.user)
    page = _main(client.get(url))
    assert "Exactly as this version names you: Nia Mensah" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed = _sign(pair.mentee, agreement, "Nia Mensah")
    assert signed.status == "signed"
    [done] = [m for m in mail.outbox if "is signed" in m.subject]
    assert "Dana Whitfield and Nia Mensah" in done.body
    assert FAKE not in done.body and FAKE_MENTEE not in done.body

    for viewer in (pair.mentor, pair.mentee, coordinator_a):
        client.force_login(viewer.user)
        page = _main(client.get(url))
        for fake in (FAKE, FAKE_MENTEE):
            assert fake not in page, viewer

    # The sealed PDF: the parties, the signature block and the audit trail.
    with scopes_disabled():
        stored = Agreement.objects.select_related("mentorship__program").get(pk=agreement.pk)
        data = render_agreement_pdf(stored)
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert FAKE not in text and FAKE_MENTEE not in text
    assert re.search(r"Mentor\s*Dana Whitfield", text)
    assert re.search(r"Mentee\s*Nia Mensah", text)
    assert "/s/ Dana Whitfield" in text and "/s/ Nia Mensah" in text
    audit = text[text.index("Audit trail") :]
    assert "Dana Whitfield" in audit and "Nia Mensah" in audit


@pytest.mark.django_db
def test_the_reminder_to_sign_names_the_other_party_as_the_version_does(pair):
    from datetime import timedelta

    from django.utils import timezone

    from surveys.services.due import SIGNATURE_STALE_DAYS, due_signatures

    agreement = _open_and_fill(pair)
    _sign(pair.mentor, agreement, "Dana Whitfield")
    _rename(pair.mentor, FAKE)
    with scopes_disabled():
        [due] = due_signatures(timezone.now() + timedelta(days=SIGNATURE_STALE_DAYS + 1))
    assert due.recipient_id == pair.mentee.pk
    assert due.context["other"] == "Dana Whitfield"
