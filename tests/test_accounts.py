"""Accounts with django-allauth: email sign-in, verification, reset, rate limits, sign-out."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from mentorship.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _link(message, pattern: str) -> str:
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


def test_sign_up_needs_a_verified_email_before_signing_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "full_name": "Grace Okafor",
                "email": "grace@example.org",
                "password1": "a-long-enough-password",
                "password2": "a-long-enough-password",
            },
        )
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="grace@example.org")
    assert user.full_name == "Grace Okafor"
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in yet: organization pages send her to sign in.
    assert client.get("/o/anything/").status_code == 302

    assert len(mail.outbox) == 1
    confirm = _link(mail.outbox[0], r"/accounts/confirm-email/[^/\s]+/")
    assert client.get(confirm).status_code == 200
    done = client.post(confirm)
    assert done.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    home = client.get("/")
    assert b"My organizations" in home.content


def test_an_unverified_account_cannot_sign_in(client, django_capture_on_commit_callbacks):
    UserFactory(email="pending@example.org", verified=False)
    EmailAddress.objects.create(user=User.objects.get(email="pending@example.org"), email="pending@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/login/", {"login": "pending@example.org", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert b"My organizations" not in client.get("/").content
    assert mail.outbox and "confirm" in mail.outbox[0].subject.lower()


def test_sign_in_is_by_email_and_case_insensitive(client):
    UserFactory(email="mentor@example.org")
    response = client.post("/accounts/login/", {"login": "Mentor@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert b"My organizations" in client.get("/").content


def test_a_wrong_password_gets_a_message(client):
    UserFactory(email="mentor@example.org")
    response = client.post("/accounts/login/", {"login": "mentor@example.org", "password": "nope"})
    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in response.content


def test_failed_sign_ins_are_rate_limited(client):
    UserFactory(email="target@example.org")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "target@example.org", "password": "guess"})
    # Even the right password is refused until the limit expires.
    response = client.post("/accounts/login/", {"login": "target@example.org", "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert b"My organizations" not in client.get("/").content


def test_password_reset_by_email(client, django_capture_on_commit_callbacks):
    UserFactory(email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "forgetful@example.org"})
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0], r"/accounts/password/reset/key/[^/\s]+/")
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "brand-new-password-1", "password2": "brand-new-password-1"})
    assert response.status_code == 302
    client.logout()
    client.post("/accounts/login/", {"login": "forgetful@example.org", "password": "brand-new-password-1"})
    assert b"My organizations" in client.get("/").content


def test_password_reset_does_not_reveal_whether_an_account_exists(client, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == "/accounts/password/reset/done/"
    # Both addresses get an email; only the real account's holds a reset link.
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["nobody@example.org"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_sign_out_needs_a_post(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page
    assert b"My organizations" in client.get("/").content
    client.post("/accounts/logout/")
    assert b"My organizations" not in client.get("/").content


def test_account_pages_use_the_site_layout(client):
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        content = client.get(url).content
        assert b"bootstrap.min.css" in content and b'id="main"' in content, url
        # Every input has a label.
        inputs = re.findall(rb'<input[^>]+type="(?:text|email|password)"[^>]*id="([^"]+)"', content)
        assert inputs, url
        for input_id in inputs:
            assert b'for="' + input_id + b'"' in content, (url, input_id)


def test_profile_sets_name_and_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    bad = client.post("/accounts/profile/", {"full_name": "X", "time_zone": "Mars/Olympus"})
    assert b"Select a valid choice" in bad.content
    client.post("/accounts/profile/", {"full_name": "Ines Dubois", "time_zone": "Europe/Paris"})
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Ines Dubois", "Europe/Paris")


def test_sign_in_does_not_reveal_whether_an_account_exists(client):
    UserFactory(email="known@example.org")
    known = client.post("/accounts/login/", {"login": "known@example.org", "password": "wrong-guess"})
    unknown = client.post("/accounts/login/", {"login": "nobody@example.org", "password": "wrong-guess"})
    assert known.status_code == unknown.status_code == 200
    message = b"The email address and/or password you specified are not correct."
    assert message in known.content and message in unknown.content


def test_sign_up_does_not_reveal_an_existing_account(client, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    UserFactory(email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(
            "/accounts/signup/",
            {
                "email": "taken@example.org",
                "full_name": "Someone",
                "password1": "a-Long-pass-phrase-9",
                "password2": "a-Long-pass-phrase-9",
            },
        )
    assert taken.status_code == 302  # the same answer as a new address: "check your email"
    assert get_user_model().objects.filter(email__iexact="taken@example.org").count() == 1
    assert b"already" not in client.get(taken["Location"]).content
