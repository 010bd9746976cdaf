"""Issue 13, item 20: the consent to sign electronically discloses what ESIGN § 7001(c)
requires, and a party can withdraw it: no more electronic signing by them, a row in the
audit trail, and the program office is told to arrange signing on paper."""

import hashlib

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from agreements import consent
from agreements.models import Agreement, AgreementEvent, Signature, SigningConsent
from agreements.services import agreement as services
from mentorship.exceptions import ServiceError
from programs.models import AuditEvent
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

META = {"ip": "203.0.113.7", "user_agent": "pytest"}

# What ESIGN § 7001(c)(1) asks the notice to say, as a person would look for it.
REQUIRED_DISCLOSURES = {
    "scope: which records": "covers every version of every mentoring agreement",
    "(B)(i) right to paper": "You may have this notice and any agreement on paper instead",
    "(B)(iv) how to get a paper copy, and the fee": "To get a paper copy of this notice or of any agreement",
    "paper copies cost nothing": "Paper copies are free",
    "(B)(i) right to withdraw": "You may withdraw this consent at any time, free of charge",
    "(B)(iii) how to withdraw": "Withdraw my consent to sign electronically",
    "(B)(i) consequences of withdrawing": "you can no longer sign electronically",
    "withdrawal does not undo what was signed": "those agreements stay valid",
    "(B)(iii) keeping contact details current": "Keep it current in your account settings",
    "(C)(i) hardware and software": "current web browser",
    "(C)(i) a PDF reader": "PDF reader",
    "(C)(i) keeping a copy": "storage space or a printer",
    "(D) changed requirements": "you may withdraw without any fee",
    "(C)(ii) shows the person can access PDFs": "you can open and keep PDF files",
}


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society", "name": "Society Mentoring"})


def _filled(pair) -> Agreement:
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
        content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
        return services.draft_save(actor=pair.mentee, agreement=agreement, content=content, revision=0)


def _sign(actor, agreement):
    with scope(organization=agreement.organization):
        current = Agreement.objects.get(pk=agreement.pk)
        return services.agreement_sign(
            actor=actor,
            agreement=current,
            typed_name=actor.user.full_name,
            confirm=True,
            revision=current.revision,
            request_meta=META,
        )


def _flat(html: str) -> str:
    return " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').split())


@pytest.mark.django_db
def test_the_consent_shown_before_signing_has_every_esign_disclosure(pair, client):
    _filled(pair)
    client.force_login(pair.mentor.user)
    page = _flat(client.get(f"/o/alpha/mentorships/{pair.pk}/agreement/").content.decode())
    missing = [what for what, words in REQUIRED_DISCLOSURES.items() if words not in page]
    assert missing == []
    assert pair.organization.contact_email in page  # where to ask for paper or withdraw
    assert "I agree to sign electronically" in page


@pytest.mark.django_db
def test_withdrawing_stops_electronic_signing_is_audited_and_asks_the_office_for_paper(
    pair, coordinator_a, django_capture_on_commit_callbacks
):
    agreement = _filled(pair)
    with scope(organization=pair.organization):
        services.consent_to_sign(actor=pair.mentor, agreement=agreement, request_meta=META)
        services.consent_to_sign(actor=pair.mentee, agreement=agreement, request_meta=META)
    _sign(pair.mentor, agreement)
    mail.outbox.clear()
    with scope(organization=pair.organization), django_capture_on_commit_callbacks(execute=True):
        services.consent_withdraw(actor=pair.mentee, agreement=agreement, request_meta=META)

    with scopes_disabled():
        consent = SigningConsent.objects.get(membership=pair.mentee)
        event = AgreementEvent.objects.get(agreement=agreement, kind="consent_withdrawn")
        assert AuditEvent.objects.filter(action="agreement.consent_withdrawn", actor=pair.mentee.user).exists()
    assert consent.withdrawn_at is not None
    assert (event.actor_id, event.ip_address) == (pair.mentee.pk, "203.0.113.7")
    [email] = mail.outbox
    assert email.to == [coordinator_a.user.email]
    assert "Nia Mensah withdrew consent to sign electronically" in email.subject
    assert "sign on paper" in email.body and "Dana Whitfield and Nia Mensah" in email.body

    # No electronic signature from them any more; the mentor's stays.
    with pytest.raises(ServiceError) as error:
        _sign(pair.mentee, agreement)
    assert "You withdrew your consent to sign electronically" in error.value.message
    with scopes_disabled():
        assert list(Signature.objects.values_list("signer_id", flat=True)) == [pair.mentor.pk]
    # Withdrawing twice is refused with a message.
    with scope(organization=pair.organization), pytest.raises(ServiceError):
        services.consent_withdraw(actor=pair.mentee, agreement=agreement)

    # Agreeing again (to the full notice) lets them sign, and is in the audit trail too.
    with scope(organization=pair.organization):
        services.consent_to_sign(actor=pair.mentee, agreement=agreement, request_meta=META)
    assert _sign(pair.mentee, agreement).status == "signed"
    with scopes_disabled():
        kinds = list(
            AgreementEvent.objects.filter(agreement=agreement, actor=pair.mentee).values_list("kind", flat=True)
        )
    assert kinds.index("consent_withdrawn") < len(kinds) - 1 - kinds[::-1].index("consent")


@pytest.mark.django_db
def test_a_consent_to_the_old_short_text_no_longer_lets_anyone_sign(pair):
    agreement = _filled(pair)
    old_hash = hashlib.sha256(consent.LEGACY_CONSENT_TEXT.encode()).hexdigest()
    with scopes_disabled():
        SigningConsent.objects.create(
            organization=pair.organization, membership=pair.mentor, consent_text_hash=old_hash
        )
    with pytest.raises(ServiceError) as error:
        _sign(pair.mentor, agreement)
    assert "agree to sign electronically" in error.value.message
    with scope(organization=pair.organization):
        services.consent_to_sign(actor=pair.mentor, agreement=agreement)
    assert _sign(pair.mentor, agreement).status == "awaiting"


@pytest.mark.django_db
def test_the_withdrawal_through_the_pages(pair, client, coordinator_a):
    agreement = _filled(pair)
    url = f"/o/alpha/mentorships/{pair.pk}/agreement/"
    client.force_login(pair.mentee.user)
    client.post(url, {"action": "consent"})
    page = client.get(url).content.decode()
    assert "Withdraw my consent to sign electronically" in page and 'id="sign-form"' in page
    response = client.post(url, {"action": "withdraw_consent"}, follow=True)
    page = _flat(response.content.decode())
    assert "You withdrew your consent to sign electronically" in page
    assert 'id="sign-form"' not in page and "I agree to sign electronically" in page  # may agree again
    # A forged signing post is refused with a message, not a signature.
    response = client.post(
        url, {"action": "sign", "typed_name": "Nia Mensah", "confirm": "on", "revision": agreement.revision}
    )
    assert response.status_code == 200 and "You withdrew your consent" in _flat(response.content.decode())
    with scopes_disabled():
        assert not Signature.objects.exists()

    client.force_login(coordinator_a.user)
    listing = _flat(client.get("/o/alpha/programs/society/agreements/").content.decode())
    assert "On paper (withdrew consent to sign electronically): Nia Mensah" in listing
    status = _flat(client.get(url).content.decode())
    assert "Nia Mensah withdrew consent to sign electronically" in status
    # Someone else cannot withdraw for them: only the pair reach the action.
    other = MembershipFactory(organization=pair.organization)
    client.force_login(other.user)
    assert client.post(url, {"action": "withdraw_consent"}).status_code == 404


@pytest.mark.django_db
def test_no_review_and_sign_reminder_goes_to_someone_who_signs_on_paper(pair):
    from datetime import timedelta

    from django.utils import timezone

    from surveys.services.due import SIGNATURE_STALE_DAYS, due_signatures

    agreement = _filled(pair)
    with scope(organization=pair.organization):
        for person in (pair.mentor, pair.mentee):
            services.consent_to_sign(actor=person, agreement=agreement)
    _sign(pair.mentor, agreement)
    later = timezone.now() + timedelta(days=SIGNATURE_STALE_DAYS + 1)
    with scopes_disabled():
        assert [d.recipient_id for d in due_signatures(later)] == [pair.mentee.pk]
    with scope(organization=pair.organization):
        services.consent_withdraw(actor=pair.mentee, agreement=agreement)
    with scopes_disabled():
        assert list(due_signatures(later)) == []
