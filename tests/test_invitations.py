"""Invitation → sign up or sign in → membership, with the email sent by a real Celery worker."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.models import User
from programs.models import AuditEvent, Invitation, InvitationStatus, Membership
from programs.services import invitations, organizations
from tests.conftest import wait_for
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

LINK = re.compile(r"http://testserver(/invitations/[A-Za-z0-9_\-]+/)")


def _accept_path(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_invitation_email_goes_through_a_real_worker_and_the_invitee_signs_up(client, celery_worker, org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True, user__full_name="Dana Whitfield")
    client.force_login(coordinator.user)

    response = client.post(
        "/o/alpha/invitations/",
        {"email": "New.Mentee@Example.org", "member_status": "candidate", "is_committee": "on", "message": "Welcome!"},
    )
    assert response.status_code == 302

    # The worker thread, not this one, delivers the email.
    wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert message.to == ["new.mentee@example.org"]
    assert message.subject == "Dana Whitfield invited you to join Alpha Surgical Society"
    assert "Welcome!" in message.body
    assert message.reply_to == ["office@alpha.example.org"]
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    assert "Accept the invitation" in html
    accept_path = _accept_path(message)

    # The invitee follows the link, signed out.
    client.logout()
    page = client.get(accept_path)
    assert page.status_code == 200
    assert b"Join Alpha Surgical Society" in page.content

    signup = client.post(
        f"/accounts/signup/?next={accept_path}",
        {
            "full_name": "Nia Mensah",
            "email": "new.mentee@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    # Following the emailed link proved the address: no second verification round.
    assert signup.status_code == 302, signup.content.decode()[:2000]
    assert signup["Location"] == accept_path
    user = User.objects.get(email="new.mentee@example.org")
    assert user.full_name == "Nia Mensah"
    assert EmailAddress.objects.get(user=user).verified

    accepted = client.post(accept_path)
    assert accepted.status_code == 302
    assert accepted["Location"] == "/o/alpha/"
    with scope(organization=org_a):
        membership = Membership.objects.get(user=user)
        invitation = Invitation.objects.get()
        assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1
    assert membership.status == "candidate"
    assert membership.is_committee and not membership.is_coordinator
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == user
    assert client.get("/o/alpha/").status_code == 200
    # The link cannot be used again by anyone else.
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_existing_account_signs_in_and_accepts(client, coordinator_a):
    person = UserFactory(email="existing@example.org")
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email="existing@example.org")
    page = client.get(f"/invitations/{invitation.token}/")
    assert b"Sign in" in page.content
    login = client.post(
        f"/accounts/login/?next=/invitations/{invitation.token}/",
        {"login": "existing@example.org", "password": PASSWORD},
    )
    assert login["Location"] == f"/invitations/{invitation.token}/"
    assert b"Accept invitation" in client.get(login["Location"]).content
    client.post(f"/invitations/{invitation.token}/")
    with scopes_disabled():
        assert Membership.objects.filter(user=person, organization=coordinator_a.organization).exists()


@pytest.mark.django_db
def test_a_forwarded_link_does_not_admit_someone_else(client, coordinator_a):
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email="intended@example.org")
    intruder = UserFactory(email="intruder@example.org")
    client.force_login(intruder)
    page = client.get(f"/invitations/{invitation.token}/")
    assert b"but you are signed in as" in page.content
    response = client.post(f"/invitations/{invitation.token}/", follow=True)
    assert b"This invitation was sent to intended@example.org" in response.content
    with scopes_disabled():
        assert not Membership.objects.filter(user=intruder).exists()
        assert Invitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": InvitationStatus.REVOKED}, b"This invitation was withdrawn"),
        ({"expires_at": "yesterday"}, b"This invitation has expired"),
    ],
)
def test_revoked_and_expired_invitations_cannot_be_accepted(client, coordinator_a, change, message):
    if change.get("expires_at") == "yesterday":
        change = {"expires_at": timezone.now() - timedelta(days=1)}
    invitee = UserFactory(email="late@example.org")
    invitation = InvitationFactory(organization=coordinator_a.organization, email="late@example.org", **change)
    client.force_login(invitee)
    response = client.post(f"/invitations/{invitation.token}/", follow=True)
    assert message in response.content
    with scopes_disabled():
        assert not Membership.objects.filter(user=invitee).exists()


@pytest.mark.django_db
def test_an_unknown_token_gets_a_clear_404(client):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content


@pytest.mark.django_db
def test_inviting_the_same_address_twice_says_so_on_the_form(client, coordinator_a, django_capture_on_commit_callbacks):
    client.force_login(coordinator_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/invitations/", {"email": "twice@example.org", "member_status": "member"})
    response = client.post("/o/alpha/invitations/", {"email": "TWICE@example.org", "member_status": "member"})
    assert response.status_code == 200
    assert b"already has an open invitation" in response.content
    with scopes_disabled():
        assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_inviting_a_current_member_says_so(client, coordinator_a, member_a):
    client.force_login(coordinator_a.user)
    response = client.post("/o/alpha/invitations/", {"email": member_a.user.email, "member_status": "member"})
    assert b"is already a member" in response.content
    with scopes_disabled():
        assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_bad_email_gets_a_message_not_a_500(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.post("/o/alpha/invitations/", {"email": "not an email", "member_status": "wizard"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    assert b"Select a valid choice" in response.content


@pytest.mark.django_db
def test_resend_and_revoke(client, coordinator_a, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(organization=coordinator_a.organization, expires_at=timezone.now())
    client.force_login(coordinator_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/alpha/invitations/{invitation.pk}/resend/")
    assert len(mail.outbox) == 1
    with scopes_disabled():
        invitation.refresh_from_db()
    assert invitation.is_open and invitation.send_count == 1
    client.post(f"/o/alpha/invitations/{invitation.pk}/revoke/")
    with scopes_disabled():
        invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    response = client.post(f"/o/alpha/invitations/{invitation.pk}/resend/", follow=True)
    assert b"it cannot be resent" in response.content


@pytest.mark.django_db
def test_the_last_coordinator_cannot_be_demoted(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.post(
        f"/o/alpha/members/{coordinator_a.pk}/", {"status": "member", "is_coordinator": "", "is_active": "on"}
    )
    assert response.status_code == 200
    assert b"needs at least one coordinator" in response.content
    with scopes_disabled():
        coordinator_a.refresh_from_db()
    assert coordinator_a.is_coordinator


@pytest.mark.django_db
def test_a_coordinator_changes_roles_and_removes_a_member(client, coordinator_a, member_a):
    client.force_login(coordinator_a.user)
    response = client.post(
        f"/o/alpha/members/{member_a.pk}/", {"status": "candidate", "is_committee": "on", "is_active": "on"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        member_a.refresh_from_db()
    assert member_a.status == "candidate" and member_a.is_committee
    client.post(f"/o/alpha/members/{member_a.pk}/", {"status": "candidate", "is_active": ""})
    with scopes_disabled():
        member_a.refresh_from_db()
        assert AuditEvent.objects.filter(action="membership.updated").count() == 2
    assert not member_a.is_active


@pytest.mark.django_db
def test_a_removed_member_can_be_invited_back(client, coordinator_a, member_a):
    with scopes_disabled():
        Membership.objects.filter(pk=member_a.pk).update(is_active=False)
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email=member_a.user.email)
    client.force_login(member_a.user)
    client.post(f"/invitations/{invitation.token}/")
    with scopes_disabled():
        member_a.refresh_from_db()
    assert member_a.is_active


@pytest.mark.django_db
def test_the_home_page_lists_invitations_waiting_for_me(client, coordinator_a):
    invitee = UserFactory(email="waiting@example.org")
    InvitationFactory(organization=coordinator_a.organization, email="waiting@example.org")
    client.force_login(invitee)
    response = client.get("/")
    assert b"Invitations waiting for you" in response.content
    assert b"Alpha Surgical Society" in response.content


@pytest.mark.django_db
def test_anyone_signed_in_can_start_an_organization(client):
    founder = UserFactory()
    client.force_login(founder)
    response = client.post(
        "/organizations/new/",
        {"name": "Gamma Alumni", "slug": "gamma", "contact_email": "office@gamma.example.org", "description": ""},
    )
    assert re.fullmatch(r"/o/gamma-[a-z2-9]{4}/", response["Location"])
    with scopes_disabled():
        assert Membership.objects.get(user=founder).is_coordinator
    # The same stem again is another organization at another address (issue 13 item 10:
    # nothing says the first exists; tests/test_issue13_slugs.py).
    again = client.post(
        "/organizations/new/",
        {"name": "Other", "slug": "gamma", "contact_email": "x@example.org", "description": ""},
    )
    assert again.status_code == 302 and again["Location"] != response["Location"]


@pytest.mark.django_db
def test_following_a_link_then_signing_up_with_another_address_verifies_nothing(
    client, coordinator_a, django_capture_on_commit_callbacks
):
    """The link proves the invited address only: it is never attached to an account
    registered under a different address, and that address still needs verifying."""
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email="intended@example.org")
    client.get(f"/invitations/{invitation.token}/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "full_name": "Eve",
                "email": "eve@example.org",
                "password1": "a-long-enough-password",
                "password2": "a-long-enough-password",
            },
        )
    assert response["Location"] == "/accounts/confirm-email/"
    eve = User.objects.get(email="eve@example.org")
    assert list(EmailAddress.objects.filter(user=eve).values_list("email", "verified")) == [("eve@example.org", False)]
    assert not EmailAddress.objects.filter(email__iexact="intended@example.org").exists()
    assert mail.outbox[-1].to == ["eve@example.org"]  # a verification email for her own address
    with scopes_disabled():
        assert Invitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.django_db
def test_a_link_followed_before_revocation_no_longer_verifies(client, coordinator_a):
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email="intended@example.org")
    client.get(f"/invitations/{invitation.token}/")
    with scope(organization=coordinator_a.organization):
        invitations.invitation_revoke(actor=coordinator_a, invitation=invitation)
    client.post(
        "/accounts/signup/",
        {
            "full_name": "Late",
            "email": "intended@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    assert not EmailAddress.objects.get(email="intended@example.org").verified


@pytest.mark.django_db
def test_a_removed_coordinator_invited_back_as_a_member_is_only_a_member(client, coordinator_a):
    old = MembershipFactory(organization=coordinator_a.organization, is_coordinator=True, is_committee=True)
    with scope(organization=coordinator_a.organization):
        organizations.membership_update(
            actor=coordinator_a,
            membership=old,
            status="member",
            is_coordinator=True,
            is_committee=True,
            is_active=False,
        )
        invitation = invitations.invitation_create(actor=coordinator_a, email=old.user.email, member_status="candidate")
    client.force_login(old.user)
    client.post(f"/invitations/{invitation.token}/")
    with scopes_disabled():
        old.refresh_from_db()
    assert old.is_active and old.status == "candidate"
    assert not old.is_coordinator and not old.is_committee


@pytest.mark.django_db
def test_resending_replaces_the_link(client, coordinator_a, django_capture_on_commit_callbacks):
    with scope(organization=coordinator_a.organization):
        invitation = invitations.invitation_create(actor=coordinator_a, email="again@example.org")
    old_token = invitation.token
    client.force_login(coordinator_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/alpha/invitations/{invitation.pk}/resend/")
    assert client.get(f"/invitations/{old_token}/").status_code == 404
    new_link = _accept_path(mail.outbox[-1])
    assert old_token not in new_link
    assert client.get(new_link).status_code == 200


@pytest.mark.django_db
def test_plain_text_emails_are_not_html_escaped(coordinator_a, django_capture_on_commit_callbacks):
    User.objects.filter(pk=coordinator_a.user_id).update(full_name="Dana O'Brien")
    coordinator_a.user.refresh_from_db()
    with scope(organization=coordinator_a.organization), django_capture_on_commit_callbacks(execute=True):
        invitations.invitation_create(actor=coordinator_a, email="x@example.org", message="Surgery & <b>you</b>")
    message = mail.outbox[0]
    assert message.subject == "Dana O'Brien invited you to join Alpha Surgical Society"
    assert "Surgery & <b>you</b>" in message.body
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    assert "Surgery &amp; &lt;b&gt;you&lt;/b&gt;" in html  # escaped where it is HTML


@pytest.mark.django_db
def test_a_broker_outage_does_not_turn_a_saved_invitation_into_an_error(
    client, coordinator_a, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from mentorship import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_email, "delay", broker_down)
    client.force_login(coordinator_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/invitations/", {"email": "offline@example.org", "member_status": "member"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Invitation.objects.filter(email="offline@example.org").exists()
    assert "Could not queue email" in caplog.text


@pytest.mark.django_db
def test_profile_details_from_a_roster_import_arrive_with_the_new_member(client, coordinator_a):
    from programs.models import Profile

    invitee = UserFactory(email="imported@example.org")
    invitation = InvitationFactory(
        organization=coordinator_a.organization,
        email="imported@example.org",
        profile_data={"specialty": "Vascular surgery", "year_started_practice": 2010, "unknown": "ignored"},
    )
    client.force_login(invitee)
    client.post(f"/invitations/{invitation.token}/")
    with scopes_disabled():
        profile = Profile.objects.get(membership__user=invitee)
    assert (profile.specialty, profile.year_started_practice) == ("Vascular surgery", 2010)
    assert profile.organization_id == coordinator_a.organization_id
