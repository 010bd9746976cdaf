"""Issue 13, item 6: invitations, resends and feedback have limits.

Anyone could sign up, start an organization and make the site send unlimited emails with
their own words: 60 invitations in one burst, 20 resends of one invitation, 40 feedback
emails to each coordinator. Now (``programs/sending.py``; settings in README):

- a new organization's invitations wait until its contact address (their reply address)
  is confirmed: the founder's own verified address counts at once, any other gets a link;
- an organization sends a limited number of invitations a day (fewer while it is new),
  a person a limited number whatever organizations they send from, and one invitation is
  sent at most a few times a day; a roster import goes out whole or not at all;
- a person sends a limited amount of feedback a day, and coordinators get a limited
  number of feedback emails an hour (the rest wait in the inbox).

Each refusal is a message on the form and writes nothing.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scopes_disabled

from programs.models import Invitation, Organization, RosterImport
from surveys.models import Feedback
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, tzinfo=UTC)
CONFIRM_LINK = re.compile(r"http://testserver(/organizations/contact/[^/\s]+/)")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _coordinator(org, user=None):
    extra = {"user": user} if user is not None else {}
    membership = MembershipFactory(organization=org, is_coordinator=True, **extra)
    client = Client()
    client.force_login(membership.user)
    return membership, client


def _invite(client, org, email, capture):
    with capture(execute=True):
        return client.post(f"/o/{org.slug}/invitations/", {"email": email, "member_status": "member", "message": "Hi"})


def _page_text(client, response) -> str:
    if response.status_code in (301, 302):
        response = client.get(response["Location"])
    return response.content.decode()


def _invitations(org) -> int:
    with scopes_disabled():
        return Invitation.objects.filter(organization=org).count()


@pytest.mark.parametrize("age_days, expected_limit", [(0, 3), (45, 5)])
def test_an_organization_sends_at_most_its_daily_invitations(
    settings, clock, django_capture_on_commit_callbacks, age_days, expected_limit
):
    settings.INVITATION_LIMIT_NEW_ORGANIZATION = 3
    settings.INVITATION_LIMIT_PER_ORGANIZATION = 5
    org = OrganizationFactory(slug="alpha", created_at=NOW - timedelta(days=age_days))
    membership, client = _coordinator(org)
    for i in range(expected_limit):
        assert _invite(client, org, f"p{i}@example.org", django_capture_on_commit_callbacks).status_code == 302
    refused = _invite(client, org, "one-too-many@example.org", django_capture_on_commit_callbacks)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert f"has sent {expected_limit} invitations in the last 24 hours" in text
    assert ("while it is new" in text or "first 30 days" in text) == (age_days == 0)
    assert _invitations(org) == expected_limit
    assert len(mail.outbox) == expected_limit
    # A day later the window has moved on.
    clock.move_to(NOW + timedelta(hours=24, minutes=1), tick=False)
    client.force_login(membership.user)  # the session timed out meanwhile
    assert _invite(client, org, "one-too-many@example.org", django_capture_on_commit_callbacks).status_code == 302
    assert len(mail.outbox) == expected_limit + 1


def test_more_organizations_do_not_give_one_person_more_invitations(
    settings, clock, django_capture_on_commit_callbacks
):
    settings.INVITATION_LIMIT_PER_PERSON = 4
    first, second = OrganizationFactory(slug="alpha"), OrganizationFactory(slug="bravo")
    membership, client = _coordinator(first)
    _coordinator(second, user=membership.user)
    for i in range(3):
        assert _invite(client, first, f"a{i}@example.org", django_capture_on_commit_callbacks).status_code == 302
    assert _invite(client, second, "b0@example.org", django_capture_on_commit_callbacks).status_code == 302
    refused = _invite(client, second, "b1@example.org", django_capture_on_commit_callbacks)
    assert refused.status_code == 200
    assert "You have sent 4 invitations in the last 24 hours" in refused.content.decode()
    assert _invitations(first) + _invitations(second) == 4 and len(mail.outbox) == 4
    # Another coordinator of the same organization still can: the limit is that person's.
    _other, other_client = _coordinator(second)
    assert _invite(other_client, second, "b1@example.org", django_capture_on_commit_callbacks).status_code == 302


def test_one_invitation_is_sent_at_most_three_times_a_day(settings, clock, django_capture_on_commit_callbacks):
    settings.INVITATION_SENDS_PER_INVITATION = 3
    org = OrganizationFactory(slug="alpha")
    membership, client = _coordinator(org)
    _invite(client, org, "invitee@example.org", django_capture_on_commit_callbacks)
    with scopes_disabled():
        invitation = Invitation.objects.get(organization=org)
    resend = f"/o/alpha/invitations/{invitation.pk}/resend/"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(resend).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(resend)
    assert "sent 3 times in the last 24 hours" in _page_text(client, refused)
    assert len(mail.outbox) == 3
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).send_count == 3
    clock.move_to(NOW + timedelta(hours=25), tick=False)
    client.force_login(membership.user)  # the session timed out meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    assert len(mail.outbox) == 4


def test_a_roster_import_over_the_limit_sends_nothing(settings, clock, django_capture_on_commit_callbacks):
    settings.INVITATION_LIMIT_NEW_ORGANIZATION = 5
    org = OrganizationFactory(slug="alpha")
    _membership, client = _coordinator(org)
    for i in range(2):
        _invite(client, org, f"single{i}@example.org", django_capture_on_commit_callbacks)
    rows = "".join(f"p{i}@example.org,Person {i}\n" for i in range(4))
    upload = SimpleUploadedFile("roster.csv", ("email,name\n" + rows).encode(), content_type="text/csv")
    response = client.post("/o/alpha/members/import/", {"file": upload})
    assert response.status_code == 302
    with scopes_disabled():
        roster_import = RosterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/o/alpha/members/import/{roster_import.pk}/", {"action": "confirm"})
    text = _page_text(client, confirmed)
    assert "these 4 invitations cannot go out" in text and "It can send 3 now" in text
    assert _invitations(org) == 2 and len(mail.outbox) == 2
    with scopes_disabled():
        assert RosterImport.objects.get().status == "previewed"
    # A file larger than a whole day's limit is told to be split.
    settings.INVITATION_LIMIT_NEW_ORGANIZATION = 3
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/o/alpha/members/import/{roster_import.pk}/", {"action": "confirm"})
    assert "Split the file into parts of at most 3 people" in _page_text(client, confirmed)
    assert _invitations(org) == 2 and len(mail.outbox) == 2


def test_feedback_is_limited_per_person_and_its_emails_per_organization(
    settings, clock, django_capture_on_commit_callbacks
):
    settings.FEEDBACK_LIMIT_PER_PERSON = 3
    settings.FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR = 4
    org = OrganizationFactory(slug="alpha")
    coordinators = [MembershipFactory(organization=org, is_coordinator=True) for _ in range(3)]
    member = MembershipFactory(organization=org)
    client = Client()
    client.force_login(member.user)
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/o/alpha/feedback/", {"text": f"Idea {i}", "anonymous": "on"})
        assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post("/o/alpha/feedback/", {"text": "Idea 4", "anonymous": "on"})
    assert refused.status_code == 200
    assert "the most one person can send in a day" in refused.content.decode()
    with scopes_disabled():
        assert Feedback.objects.count() == 3
    assert len(mail.outbox) == 3
    assert sorted(mail.outbox[0].to) == sorted(c.user.email for c in coordinators)
    # Other members' feedback is kept, but the coordinators are emailed at most 4 times an hour.
    for i in range(3):
        other = Client()
        other.force_login(MembershipFactory(organization=org).user)
        with django_capture_on_commit_callbacks(execute=True):
            assert other.post("/o/alpha/feedback/", {"text": f"Other {i}"}).status_code == 302
    with scopes_disabled():
        assert Feedback.objects.count() == 6
        # Nothing in the database says who sent the anonymous ones.
        from programs.models import SentEmail

        assert not SentEmail.objects.filter(kind="feedback", sent_by__isnull=False).exists()
    assert len(mail.outbox) == 4
    clock.move_to(NOW + timedelta(hours=1, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/feedback/", {"text": "Still over the daily limit"})
    other = Client()
    other.force_login(MembershipFactory(organization=org).user)
    with django_capture_on_commit_callbacks(execute=True):
        other.post("/o/alpha/feedback/", {"text": "An hour later"})
    assert len(mail.outbox) == 5


# --- Holding invitations until the contact address is confirmed ------------------------------


def _start(client, capture, contact_email: str) -> Organization:
    with capture(execute=True):
        response = client.post(
            "/organizations/new/",
            {"name": "Gamma Society", "slug": "gamma", "contact_email": contact_email, "description": ""},
        )
    assert response.status_code == 302
    slug = response["Location"].strip("/").split("/")[-1]
    return Organization.objects.get(slug=slug)


def test_the_founders_own_address_needs_no_confirmation(client, clock, django_capture_on_commit_callbacks):
    founder = UserFactory()  # verified at sign-up
    client.force_login(founder)
    org = _start(client, django_capture_on_commit_callbacks, founder.email)
    assert org.contact_email_confirmed and not mail.outbox
    assert _invite(client, org, "first@example.org", django_capture_on_commit_callbacks).status_code == 302
    assert [m.to for m in mail.outbox] == [["first@example.org"]]


def test_invitations_wait_until_another_contact_address_is_confirmed(client, clock, django_capture_on_commit_callbacks):
    founder = UserFactory()
    client.force_login(founder)
    org = _start(client, django_capture_on_commit_callbacks, "office@gamma.example.org")
    assert not org.contact_email_confirmed
    (link_email,) = mail.outbox
    assert link_email.to == ["office@gamma.example.org"]
    link = CONFIRM_LINK.search(link_email.body).group(1)

    # Held: the invitation form says why and what to do; nothing is recorded or sent.
    page = client.get(f"/o/{org.slug}/invitations/").content.decode()
    assert "Invitations wait for office@gamma.example.org to be confirmed" in page
    refused = _invite(client, org, "first@example.org", django_capture_on_commit_callbacks)
    assert refused.status_code == 200 and "wait until that address is confirmed" in refused.content.decode()
    assert _invitations(org) == 0 and len(mail.outbox) == 1

    # Whoever reads the mailbox confirms, signed in or not; opening the link alone does not.
    reader = Client()
    assert reader.get(link).status_code == 200
    org.refresh_from_db()
    assert not org.contact_email_confirmed
    assert "Contact address confirmed" in reader.post(link).content.decode()
    org.refresh_from_db()
    assert org.contact_email_confirmed

    assert _invite(client, org, "first@example.org", django_capture_on_commit_callbacks).status_code == 302
    assert mail.outbox[-1].to == ["first@example.org"]
    assert mail.outbox[-1].reply_to == ["office@gamma.example.org"]


def test_a_new_contact_address_holds_invitations_again_and_old_links_confirm_nothing(
    client, clock, django_capture_on_commit_callbacks
):
    founder = UserFactory()
    client.force_login(founder)
    org = _start(client, django_capture_on_commit_callbacks, founder.email)
    settings_url = f"/o/{org.slug}/settings/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(settings_url, {"name": org.name, "contact_email": "first@gamma.example.org", "description": ""})
    first_link = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(settings_url, {"name": org.name, "contact_email": "second@gamma.example.org", "description": ""})
    org.refresh_from_db()
    assert not org.contact_email_confirmed and mail.outbox[-1].to == ["second@gamma.example.org"]
    # The link sent for the first address is not valid for the second.
    assert Client().post(first_link).status_code == 404
    org.refresh_from_db()
    assert not org.contact_email_confirmed
    assert Client().get("/organizations/contact/forged:token/").status_code == 404
    # Back to the founder's own verified address: confirmed at once, no email.
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(settings_url, {"name": org.name, "contact_email": founder.email, "description": ""})
    org.refresh_from_db()
    assert org.contact_email_confirmed and len(mail.outbox) == sent


def test_confirmation_links_are_limited_too(settings, client, clock, django_capture_on_commit_callbacks):
    settings.CONTACT_CONFIRMATIONS_PER_ORGANIZATION = 3
    founder = UserFactory()
    client.force_login(founder)
    org = _start(client, django_capture_on_commit_callbacks, "office@gamma.example.org")
    resend = f"/o/{org.slug}/settings/contact/confirm/"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(resend)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(resend)
    assert "A confirmation link was sent 3 times in the last 24 hours" in _page_text(client, refused)
    assert len(mail.outbox) == 3
    # Nor can starting more organizations with a stranger's address send more.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            "/organizations/new/",
            {"name": "Delta", "slug": "delta", "contact_email": "victim@example.org", "description": ""},
        )
    assert again.status_code == 200 and "You have had confirmation links sent 3 times" in again.content.decode()
    assert len(mail.outbox) == 3
    assert not Organization.objects.filter(name="Delta").exists()
