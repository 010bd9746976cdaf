"""Session timeouts (inactivity and absolute) and the admin's sign-in going through allauth."""

import time

import pytest
from django.test import override_settings

from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
@override_settings(SESSION_IDLE_TIMEOUT=3600, SESSION_ABSOLUTE_TIMEOUT=8 * 3600)
def test_an_idle_session_is_signed_out_and_sent_back_after_sign_in(client, member_a, monkeypatch):
    client.force_login(member_a.user)
    assert client.get("/o/alpha/").status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3601)
    response = client.get("/o/alpha/programs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/alpha/programs/")
    assert "_auth_user_id" not in client.session
    follow = client.get(response["Location"])
    assert "inactivity" in follow.content.decode()


@pytest.mark.django_db
@override_settings(SESSION_IDLE_TIMEOUT=3600, SESSION_ABSOLUTE_TIMEOUT=8 * 3600)
def test_activity_keeps_a_session_alive_until_the_absolute_limit(client, member_a, monkeypatch):
    client.force_login(member_a.user)
    start = time.time()
    for hours in range(0, 8):  # a request every 50 minutes for almost 8 hours
        monkeypatch.setattr(time, "time", lambda h=hours: start + h * 3000)
        assert client.get("/o/alpha/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 8 * 3600 + 1)
    response = client.get("/o/alpha/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_post_after_the_timeout_changes_nothing(client, member_a, monkeypatch):
    client.force_login(member_a.user)
    client.get("/o/alpha/")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 10 * 24 * 3600)
    response = client.post("/o/alpha/notifications/", {"messages_email": "off", "nudges_email": "off"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    member_a.refresh_from_db()
    assert member_a.nudges_enabled is True


@pytest.mark.django_db
def test_the_admin_never_shows_its_own_unthrottled_login_form(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Guessing passwords at the admin's URL does nothing: it is not a login form any more.
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    # Signing in through the site's own (rate-limited) form opens the admin.
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
