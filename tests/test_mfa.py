"""Two-factor authentication: offered to everyone, required for coordinators."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_require_mfa")]


@pytest.fixture
def _require_mfa(settings):
    settings.MFA_REQUIRED_FOR_COORDINATORS = True


def _code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())  # the current step is the middle one
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _password_sign_in(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def _open_activation(client):
    """Setting up a second factor asks for the password again first (allauth)."""
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(response["Location"]).status_code == 200
    client.post(response["Location"], {"password": PASSWORD})
    return client.get("/accounts/2fa/totp/activate/")


def test_a_coordinator_without_a_second_factor_is_sent_to_set_one_up(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/members/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    # The account pages themselves stay reachable, and signing out works.
    _password_sign_in(client, coordinator_a.user)
    assert _open_activation(client).status_code == 200
    # Scanning the code and typing the app's code activates it; the pages open again.
    secret = client.session[SECRET_SESSION_KEY]
    client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert Authenticator.objects.filter(user=coordinator_a.user, type="totp").exists()
    assert client.get("/o/alpha/members/").status_code == 200


def test_members_are_offered_a_second_factor_but_not_forced(client, member_a):
    _password_sign_in(client, member_a.user)
    assert client.get("/o/alpha/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200
    page = _open_activation(client)
    assert page.status_code == 200 and "secret" in page.content.decode().lower()


def test_a_coordinator_with_an_authenticator_app_signs_in_with_a_code(client, coordinator_a):
    secret = generate_totp_secret()
    TOTP.activate(coordinator_a.user, secret)
    response = _password_sign_in(client, coordinator_a.user)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session  # the password alone is not enough
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert client.session.get("_auth_user_id") == str(coordinator_a.user.pk)
    assert client.get("/o/alpha/members/").status_code == 200


@override_settings(MFA_REQUIRED_FOR_COORDINATORS=False)
def test_the_requirement_can_be_turned_off_for_a_trial(client, coordinator_a):
    client.force_login(coordinator_a.user)
    assert client.get("/o/alpha/members/").status_code == 200
