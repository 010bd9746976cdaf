"""A second factor for site staff, and a "checked" note that never outlives the facts it was
based on (issue 13, item 4)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.models import Membership
from programs.services.organizations import membership_update
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.MFA_REQUIRED_FOR_COORDINATORS = True
    settings.MFA_REQUIRED_FOR_STAFF = True


def _code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())  # the current step is the middle one
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _sent_to_setup(response) -> bool:
    return response.status_code == 302 and response["Location"] == SETUP


# --- Staff and superusers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}, {"is_superuser": True}], ids=str
)
def test_staff_and_superusers_need_a_second_factor_for_the_admin(client, flags):
    staff = UserFactory(**flags)
    client.force_login(staff)
    for url in ("/admin/", "/admin/mentorship/user/", "/"):
        assert _sent_to_setup(client.get(url)), url
    # The account pages stay open, so they can set one up.
    assert client.get("/accounts/2fa/").status_code == 200


def test_staff_with_an_authenticator_sign_in_with_its_code_and_reach_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302 and "_auth_user_id" not in client.session  # password alone
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert client.get("/admin/").status_code == 200


def test_staff_can_be_exempted_for_a_trial(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


# --- The note never outlives a role change or an authenticator's removal -------------------------


def test_a_member_made_coordinator_must_set_one_up_on_the_very_next_request(client, org_a, coordinator_a):
    TOTP.activate(coordinator_a.user, generate_totp_secret())
    member = MembershipFactory(organization=org_a)
    client.force_login(member.user)
    assert client.get("/o/alpha/").status_code == 200  # checked: a member needs none
    with scopes_disabled():
        membership_update(
            actor=coordinator_a,
            membership=member,
            status=member.status,
            is_coordinator=True,
            is_committee=False,
            is_active=True,
        )
    assert _sent_to_setup(client.get("/o/alpha/"))


def test_becoming_coordinator_of_another_organization_applies_on_the_next_request(client, org_a, org_b):
    """Another path to the role (a new membership elsewhere): the same next-request rule."""
    member = MembershipFactory(organization=org_a)
    client.force_login(member.user)
    assert client.get("/o/alpha/").status_code == 200
    with scopes_disabled():
        Membership.objects.create(organization=org_b, user=member.user, is_coordinator=True)
    assert _sent_to_setup(client.get("/o/alpha/"))


def test_someone_made_staff_must_set_one_up_on_the_very_next_request(client, member_a):
    client.force_login(member_a.user)
    assert client.get("/o/alpha/").status_code == 200
    user = User.objects.get(pk=member_a.user.pk)
    user.is_staff = True
    user.save()
    assert _sent_to_setup(client.get("/admin/"))


@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_removing_the_authenticator_applies_the_requirement_on_the_next_request_of_every_session(coordinator_a, who):
    user = coordinator_a.user
    url = "/o/alpha/members/"
    if who == "staff":
        user.is_staff = True
        user.save()
        url = "/admin/"
    TOTP.activate(user, generate_totp_secret())
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.force_login(user)
        assert browser.get(url).status_code == 200  # checked and noted in each session
    Authenticator.objects.filter(user=user).delete()
    for browser in (laptop, phone):
        assert _sent_to_setup(browser.get(url))


def test_an_old_copy_of_the_account_saved_later_does_not_bring_the_note_back(client, coordinator_a):
    TOTP.activate(coordinator_a.user, generate_totp_secret())
    stale = User.objects.get(pk=coordinator_a.user.pk)  # e.g. loaded by a profile save in flight
    client.force_login(coordinator_a.user)
    assert client.get("/o/alpha/members/").status_code == 200
    Authenticator.objects.filter(user=coordinator_a.user).delete()
    stale.full_name = "Dana Whitfield"
    stale.save()
    assert _sent_to_setup(client.get("/o/alpha/members/"))


def test_a_checked_session_costs_no_query_for_the_check(client, coordinator_a):
    TOTP.activate(coordinator_a.user, generate_totp_secret())
    client.force_login(coordinator_a.user)
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/email/").status_code == 200  # allowed pages skip the check
    assert client.get("/o/alpha/").status_code == 200  # checked here
    with CaptureQueriesContext(connection) as queries:
        client.get("/o/alpha/")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "mfa_authenticator" not in sql
