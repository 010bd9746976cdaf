"""Issue 13, item 18: reminder nudges carry a one-click unsubscribe (RFC 8058).

A nudge (check-in, survey) has ``List-Unsubscribe: <https…>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``; a reminder of something only the
person can do has neither. The link's POST turns the person's nudges off in that
organization with no sign-in and no CSRF token; a GET only shows a button."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.models import AuditEvent, Membership
from surveys.models import NON_ESSENTIAL_KINDS, Reminder, ReminderKind, ReminderStatus
from surveys.services import reminders
from tests.factories import MembershipFactory
from tests.issue13_email_support import assert_text_and_html_from_the_layout, parsed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def _reminder(recipient, kind, **context):
    with scopes_disabled():
        return Reminder.objects.create(
            organization=recipient.organization,
            recipient=recipient,
            kind=kind,
            key=str(uuid.uuid4()),
            path=f"/o/{recipient.organization.slug}/",
            due_on=timezone.localdate() + timedelta(days=7),
            context={"other": "Dana Whitfield", "program": "Society", "survey": "Pulse", **context},
        )


def _nudges_enabled(membership) -> bool:
    with scopes_disabled():
        return Membership.objects.get(pk=membership.pk).nudges_enabled


def _unsubscribe_url(message) -> str:
    header = parsed(message)["List-Unsubscribe"].strip()  # a long header is folded (RFC 5322)
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]


@pytest.mark.parametrize("kind", list(ReminderKind))
def test_nudges_carry_one_click_unsubscribe_and_obligations_do_not(kind, member_a, settings):
    settings.SITE_URL = "https://mentoring.example.org"
    message = parsed(reminders.build_message(_reminder(member_a, kind, invitation=1)))
    if kind in NON_ESSENTIAL_KINDS:
        url = message["List-Unsubscribe"].strip()
        assert url.startswith("<https://mentoring.example.org/unsubscribe/") and url.endswith("/>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The body offers the same link, for people whose mail program shows no button.
        assert url[1:-1] in message.get_body(("plain",)).get_content()
        assert url[1:-1] in message.get_body(("html",)).get_content()
    else:
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


def test_a_sent_nudge_is_text_and_html_from_the_layout_with_the_headers(member_a):
    row = _reminder(member_a, ReminderKind.CHECKIN)
    assert reminders.send([row.pk]) == 1
    (message,) = mail.outbox
    assert_text_and_html_from_the_layout(message)
    assert parsed(message)["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_post_turns_nudges_off_without_sign_in_or_csrf(member_a, org_b):
    elsewhere = MembershipFactory(organization=org_b, user=member_a.user)  # the same person, another organization
    url = _unsubscribe_url(reminders.build_message(_reminder(member_a, ReminderKind.SURVEY, invitation=1)))
    client = Client(enforce_csrf_checks=True)  # as a mail provider: no session, no CSRF token

    def one_click():
        return client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert one_click().status_code == 200
    assert _nudges_enabled(member_a) is False
    assert _nudges_enabled(elsewhere) is True  # the other organization's nudges are untouched
    with scopes_disabled():
        assert AuditEvent.objects.filter(organization=member_a.organization, action="member.nudges_off").count() == 1
    # Idempotent: again is the same answer, nothing new recorded.
    assert one_click().status_code == 200
    assert _nudges_enabled(member_a) is False
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="member.nudges_off").count() == 1

    # And the next scan's nudge is skipped, not sent.
    row = _reminder(member_a, ReminderKind.CHECKIN)
    mail.outbox.clear()
    assert reminders.send([row.pk]) == 0
    with scopes_disabled():
        assert Reminder.objects.get(pk=row.pk).status == ReminderStatus.SKIPPED


def test_a_get_only_asks_so_link_scanners_unsubscribe_nobody(client, member_a):
    url = reminders.unsubscribe_url(member_a)
    page = client.get(url)
    assert page.status_code == 200
    assert _nudges_enabled(member_a) is True
    html = page.content.decode()
    assert member_a.organization.name in html
    assert 'method="post"' in html and "<button" in html
    assert page["Cache-Control"] == "no-store"

    done = client.post(url)  # the button on that page
    assert done.status_code == 200 and _nudges_enabled(member_a) is False
    assert "Friendly nudges are off" in done.content.decode()
    assert f"/o/{member_a.organization.slug}/notifications/" in done.content.decode()


def test_a_coordinator_without_a_second_factor_can_still_use_the_emailed_link(client, coordinator_a, settings):
    settings.MFA_REQUIRED_FOR_COORDINATORS = True
    client.force_login(coordinator_a.user)
    url = reminders.unsubscribe_url(coordinator_a)
    assert client.get(url).status_code == 200  # not sent to set up a factor first
    assert client.post(url).status_code == 200
    assert _nudges_enabled(coordinator_a) is False


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # a changed signature
        lambda token: "999" + token,  # another membership, same signature
        lambda token: token.split(":", 1)[0],  # no signature
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_token_is_refused_and_changes_nothing(client, member_a, coordinator_b, tamper):
    token = reminders.unsubscribe_token(member_a)
    bad = tamper(token)
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{bad}/")
        assert response.status_code == 404
    assert _nudges_enabled(member_a) is True
    assert _nudges_enabled(coordinator_b) is True


def test_a_token_for_one_person_names_only_them(member_a, coordinator_b):
    """Another person's membership id with this person's signature is not a token."""
    token = reminders.unsubscribe_token(member_a)
    _pk, signature = token.split(":", 1)
    forged = f"{coordinator_b.pk}:{signature}"
    assert reminders.membership_for_unsubscribe(forged) is None
    assert Client().post(f"/unsubscribe/{forged}/").status_code == 404
    assert _nudges_enabled(coordinator_b) is True


def test_a_token_signed_for_something_else_is_refused(member_a):
    from django.core import signing

    other_purpose = signing.Signer().sign(str(member_a.pk))  # same key, no unsubscribe salt
    assert reminders.membership_for_unsubscribe(other_purpose) is None
