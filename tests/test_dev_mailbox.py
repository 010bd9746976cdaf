"""The development mailbox: with DEV_MAILBOX (on in `make run`: DEBUG without an
EMAIL_BACKEND) sent email is kept as files and listed at /dev/mailbox/; the HTML part is
shown in a sandboxed frame, never run in the page. Off (production, tests) it is a 404."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import get_connection
from django.test import override_settings

from mentorship import devmail
from mentorship.mail import RenderedEmail, build_message, render_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(tmp_path):
    with override_settings(DEV_MAILBOX=True, DEV_MAILBOX_DIR=tmp_path / "mail"):
        yield tmp_path / "mail"


def _send(org, to="ana@example.org", **context):
    message = build_message(
        render_email("email/feedback_received", {"organization": org, "url": "http://testserver/x", **context}, to=[to])
    )
    get_connection("mentorship.devmail.MailboxBackend").send_messages([message])


def test_debug_on_lists_the_sent_messages_and_shows_one(client, org_a, mailbox):
    _send(org_a, to="ana@example.org")
    _send(org_a, to="ben@example.org", program=None)
    assert len(list(mailbox.glob("*.eml"))) == 2

    page = client.get("/dev/mailbox/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "ana@example.org" in text and "ben@example.org" in text
    assert "New feedback for Alpha Surgical Society" in text

    [stored] = [m for m in devmail.messages() if m.to == "ana@example.org"]
    one = client.get(f"/dev/mailbox/{stored.id}/")
    assert one.status_code == 200
    body = one.content.decode()
    assert f'sandbox="" src="/dev/mailbox/{stored.id}/html/"' in body
    assert "&lt;div data-email-layout" in body  # the HTML source, escaped
    assert "<div data-email-layout" not in body  # never part of the page itself
    frame = client.get(f"/dev/mailbox/{stored.id}/html/")
    assert "<div data-email-layout" in frame.content.decode()
    assert "default-src 'none'" in frame["Content-Security-Policy"]
    assert "Hello," in body  # the text part


def test_a_script_in_an_email_never_runs_in_the_page(client, org_a, mailbox):
    message = build_message(
        RenderedEmail(subject="Hi", body="Hi", to=["a@example.org"], html="<p>hi</p><script>alert(1)</script>")
    )
    get_connection("mentorship.devmail.MailboxBackend").send_messages([message])
    [stored] = devmail.messages()
    body = client.get(f"/dev/mailbox/{stored.id}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # Its own URL runs no script: no script source allowed, and framed in a sandbox.
    frame = client.get(f"/dev/mailbox/{stored.id}/html/")
    assert "script-src" not in frame["Content-Security-Policy"]
    assert "default-src 'none'" in frame["Content-Security-Policy"]


def test_an_unknown_or_malformed_id_is_404(client, mailbox):
    assert client.get("/dev/mailbox/20260101T000000-" + "0" * 32 + "/").status_code == 404
    assert client.get("/dev/mailbox/..%2F..%2Fsettings/").status_code == 404


def test_debug_off_is_404(client, org_a, tmp_path):
    with override_settings(DEV_MAILBOX=False, DEV_MAILBOX_DIR=tmp_path):
        assert client.get("/dev/mailbox/").status_code == 404
        assert client.get("/dev/mailbox/20260101T000000-" + "0" * 32 + "/").status_code == 404
        assert client.get("/dev/mailbox/20260101T000000-" + "0" * 32 + "/html/").status_code == 404


def test_the_tests_keep_their_own_backend():
    assert settings.DEV_MAILBOX is False
    assert (
        os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend") == settings.EMAIL_BACKEND
    )
    mail.outbox.clear()


def _settings_in_a_fresh_process(env: dict) -> str:
    code = (
        "import mentorship.settings as s; "
        "print(s.DEBUG, s.DEV_MAILBOX, s.EMAIL_BACKEND, s.DEV_MAILBOX_DIR.name, sep='|')"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("EMAIL_BACKEND", "DEV_MAILBOX", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip()


def test_make_run_uses_the_mailbox_unless_a_backend_is_chosen():
    assert _settings_in_a_fresh_process({"DEBUG": "1"}) == "True|True|mentorship.devmail.MailboxBackend|mail"
    chosen = _settings_in_a_fresh_process(
        {"DEBUG": "1", "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
    assert chosen == "True|False|django.core.mail.backends.console.EmailBackend|mail"


def test_an_email_fragment_is_framed_as_a_whole_document():
    from mentorship.email_frame import as_document

    page = as_document("<p>hi</p>")
    assert page.startswith("<!DOCTYPE html>") and "<title>" in page and "<p>hi</p>" in page
    whole = "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>"
    assert as_document(whole) == whole
