"""Issue 13, item 20 in a browser: a mentee reads the e-sign notice, agrees, then withdraws;
they can no longer sign on the site, and the program office sees (and is emailed) that
this agreement is to be signed on paper."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from agreements.models import AgreementEvent, SigningConsent
from agreements.services import agreement as services
from relationships.models import Mentorship
from tests.browser.journey_support import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mentee_withdraws_consent_and_the_office_arranges_paper(make_page, live_server):
    society = OrganizationFactory(name="Western Surgical Society", slug="western", contact_email="office@western.test")
    program = ProgramFactory(organization=society, slug="mentorship", name="Mentorship Program")
    coordinator = MembershipFactory(organization=society, is_coordinator=True)
    mentor = MembershipFactory(organization=society, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=society, user__full_name="Nia Mensah")
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=society,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=730),
        )
    with scope(organization=society):
        agreement = services.agreement_start(actor=mentee, mentorship=mentorship)
        content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
        services.draft_save(actor=mentee, agreement=agreement, content=content, revision=0)
    url = f"/o/western/mentorships/{mentorship.pk}/agreement/"

    page = make_page()
    sign_in(page, mentee.user.email)
    page.goto(url)
    notice = page.locator("#consent-notice")
    expect(notice).to_contain_text("You may have this notice and any agreement on paper instead")
    expect(notice).to_contain_text("PDF reader")
    expect(notice.get_by_role("link", name="office@western.test")).to_be_visible()
    page.get_by_role("button", name="I agree to sign electronically").click()
    expect(page.get_by_role("alert")).to_contain_text("You agreed to sign electronically")
    expect(page.get_by_role("button", name=re.compile("^Sign version"))).to_be_visible()

    mail.outbox.clear()
    page.get_by_role("button", name="Withdraw my consent to sign electronically").click()
    expect(page.get_by_role("alert").first).to_contain_text("You withdrew your consent to sign electronically")
    expect(page.get_by_role("status")).to_contain_text("you sign this agreement on paper")
    expect(page.get_by_role("button", name=re.compile("^Sign version"))).to_have_count(0)
    expect(page.get_by_role("button", name="I agree to sign electronically")).to_be_visible()  # may agree again

    with scopes_disabled():
        assert SigningConsent.objects.get(membership=mentee).withdrawn_at is not None
        assert AgreementEvent.objects.filter(agreement=agreement, actor=mentee, kind="consent_withdrawn").exists()
    assert any(m.to == [coordinator.user.email] and "Nia Mensah withdrew consent" in m.subject for m in mail.outbox)

    office = make_page()
    sign_in(office, coordinator.user.email)
    office.goto("/o/western/programs/mentorship/agreements/")
    expect(office.get_by_role("table")).to_contain_text(
        "On paper (withdrew consent to sign electronically): Nia Mensah"
    )
    office.goto(url)
    expect(office.get_by_role("status")).to_contain_text("Nia Mensah withdrew consent to sign electronically")
