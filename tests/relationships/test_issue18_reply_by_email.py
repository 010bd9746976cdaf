"""Reply by email (issue 18): a reply to a message notification, posted raw by the mail
provider to /inbound/email/, lands in the pair's conversation with the quoted text taken
off; a forged or moved address, another sender, a retry, an ended relationship, a wrong
secret, junk or an oversize body land nothing. The parsing itself is tested in
tests/test_issue18_inbound_parsing.py."""

import base64
import logging
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mentorship import inbound
from programs.models import Notification
from relationships.models import MentorshipStatus, Message
from relationships.services import inbound as inbound_services
from relationships.services import messages as message_services
from tests.factories import MembershipFactory, UserFactory, dana_and_nia

pytestmark = [pytest.mark.clock("2026-11-20 09:00"), pytest.mark.django_db]

URL = "/inbound/email/"
DOMAIN = "reply.example.org"
SECRET = "tests-inbound-secret-0123456789abcdef"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
QUOTE = (
    "\n\nOn Fri, Nov 20, 2026 at 9:00 AM Dana Whitfield via Mentorship <\n{to}> wrote:\n\n"
    "> Hello Nia,\n> SECRET-QUOTE\n"
)


@pytest.fixture
def reply_by_email(settings):
    settings.REPLY_BY_EMAIL = True
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_EMAIL_SECRET = SECRET


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society"})


def raw_reply(to: str, sender: str, text: str, *, message_id: str | None = None, attachments=(), headers=None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Someone <{sender}>"
    message["To"] = f"Dana Whitfield via Mentorship <{to}>"
    message["Subject"] = "Re: Dana Whitfield sent you a message"
    message["Message-ID"] = message_id or make_msgid(domain="mail.hospital.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def post(client, raw: bytes, *, secret: str = SECRET, content_type: str = "message/rfc822", **extra):
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.generic("POST", URL, raw, content_type=content_type, **extra)


def nia_replies(pair, text="Thursday at 4 works for me.", **kwargs) -> bytes:
    to = inbound.reply_address(pair.mentee.pk, pair.pk)
    return raw_reply(to, pair.mentee.user.email, text + QUOTE.format(to=to), **kwargs)


def messages_of(pair) -> list[Message]:
    with scopes_disabled():
        return list(Message.objects.filter(conversation__mentorship=pair))


# --- End to end -----------------------------------------------------------------------------------


def test_a_reply_to_the_notification_lands_in_the_conversation(
    client, pair, reply_by_email, django_capture_on_commit_callbacks
):
    # Dana writes; Nia's notification email carries her own signed reply address.
    with django_capture_on_commit_callbacks(execute=True), scope(organization=pair.organization):
        message_services.message_send(actor=pair.mentor, mentorship=pair, body="Could we meet on Thursday?")
    (notification,) = mail.outbox
    assert notification.to == [pair.mentee.user.email]
    (reply_to,) = notification.reply_to
    assert inbound.parse_reply_address(reply_to) == inbound.ReplyTarget(pair.mentee.pk, str(pair.pk))
    mail.outbox.clear()

    # Nia answers from her mail program, quoting Dana, with her address in capitals.
    quoted = "\n".join("> " + line for line in notification.body.splitlines())
    raw = raw_reply(
        reply_to.upper(),
        pair.mentee.user.email.upper(),
        f"Thursday at 4 works for me.\n\nNia\n\nOn Fri, Nov 20, 2026 at 9:00 AM Dana <{reply_to}> wrote:\n{quoted}\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, raw)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "accepted"
    landed = messages_of(pair)[-1]
    assert response.json()["message"] == landed.pk
    assert (landed.author_id, landed.via_email, landed.body) == (
        pair.mentee.pk,
        True,
        "Thursday at 4 works for me.\n\nNia",
    )
    assert len(landed.email_message_id) == 64  # a hash, not the Message-ID
    # Dana is told, in the app and by email (whose own Reply-To is hers).
    with scopes_disabled():
        assert Notification.objects.filter(recipient=pair.mentor).exists()
    (told,) = mail.outbox
    assert told.to == [pair.mentor.user.email] and "Thursday at 4" in told.body
    assert inbound.parse_reply_address(told.reply_to[0]).membership_id == pair.mentor.pk


def test_a_verified_second_address_may_reply_but_an_unverified_one_may_not(client, pair, reply_by_email):
    EmailAddress.objects.create(user=pair.mentee.user, email="nia.mensah@hospital.example", verified=True)
    EmailAddress.objects.create(user=pair.mentee.user, email="nia.old@hospital.example", verified=False)
    to = inbound.reply_address(pair.mentee.pk, pair.pk)
    assert post(client, raw_reply(to, "Nia.Mensah@hospital.example", "From my work address.")).status_code == 202
    refused = post(client, raw_reply(to, "nia.old@hospital.example", "From my old address."))
    assert (refused.status_code, refused.json()["reason"]) == (200, "sender_mismatch")
    assert [m.body for m in messages_of(pair)] == ["From my work address."]


def test_multipart_form_and_basic_auth_as_providers_send_them(client, pair, reply_by_email):
    boundary = "xYzZY"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'.encode()
        + nia_replies(pair)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    basic = "Basic " + base64.b64encode(f"provider:{SECRET}".encode()).decode()
    response = client.generic(
        "POST", URL, form, content_type=f"multipart/form-data; boundary={boundary}", HTTP_AUTHORIZATION=basic
    )
    assert response.status_code == 202, response.content
    assert [m.body for m in messages_of(pair)] == ["Thursday at 4 works for me."]


def test_the_first_pdf_or_image_becomes_the_attachment_and_the_others_are_noted(client, pair, reply_by_email):
    raw = nia_replies(
        pair,
        "The draft is attached.",
        attachments=[
            ("notes.docx", b"PK\x03\x04 word", "application", "octet-stream"),
            ("draft", PDF, "application", "pdf"),
            ("photo.png", PNG, "image", "png"),
        ],
    )
    response = post(client, raw)
    assert response.status_code == 202 and response.json()["ignored_attachments"] == 2
    (message,) = messages_of(pair)
    assert message.attachment_name == "draft.pdf" and message.attachment_type == "application/pdf"
    assert message.body.startswith("The draft is attached.\n\n(2 more attachments were not added")


def test_an_attachment_alone_is_a_message(client, pair, reply_by_email):
    to = inbound.reply_address(pair.mentee.pk, pair.pk)
    raw = raw_reply(to, pair.mentee.user.email, "> quoted only\n", attachments=[("a.png", PNG, "image", "png")])
    assert post(client, raw).status_code == 202
    (message,) = messages_of(pair)
    assert message.body == "" and message.attachment_name == "a.png"


# --- What lands nothing -------------------------------------------------------------------------


def _refused(response, reason: str) -> None:
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "refused",
        "reason": reason,
        "detail": inbound_services.REFUSALS[reason],
    }


def test_a_forged_or_altered_address_lands_nothing(client, pair, reply_by_email):
    good = inbound.reply_address(pair.mentee.pk, pair.pk)
    local, _, domain = good.partition("@")
    altered = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    member, key, mac = local.removeprefix("reply+").split("-")
    for to in (
        altered,
        f"reply+{member}-{int(key) + 1}-{mac}@{domain}",  # moved to another relationship
        f"reply+{int(pair.mentor.pk):x}-{key}-{mac}@{domain}",  # moved to another person
        good.replace(DOMAIN, "elsewhere.example.net"),
        "dana@hospital.example",
    ):
        _refused(post(client, raw_reply(to, pair.mentee.user.email, "Forged.")), "not_for_us")
    assert messages_of(pair) == []


def test_a_signed_address_for_another_person_s_relationship_lands_nothing(client, org_a, pair, reply_by_email):
    other = dana_and_nia(org_a, program={"slug": "other"})
    # Nia's own address, for a relationship she is not in (signed: as if it leaked from a bug).
    to = inbound.reply_address(pair.mentee.pk, other.pk)
    response = post(client, raw_reply(to, pair.mentee.user.email, "Not my pair."))
    _refused(response, "not_a_party")
    # The other pair's address, sent by Nia.
    to = inbound.reply_address(other.mentee.pk, other.pk)
    _refused(post(client, raw_reply(to, pair.mentee.user.email, "Not my address.")), "sender_mismatch")
    assert messages_of(pair) == [] and messages_of(other) == []


def test_a_relationship_of_another_organization_lands_nothing(client, org_a, org_b, pair, reply_by_email):
    elsewhere = dana_and_nia(org_b, program={"slug": "b"})
    to = inbound.reply_address(pair.mentee.pk, elsewhere.pk)
    _refused(post(client, raw_reply(to, pair.mentee.user.email, "Across tenants.")), "not_a_party")
    assert messages_of(elsewhere) == []


def test_a_reply_from_another_address_lands_nothing_and_is_not_answered(client, pair, reply_by_email):
    to = inbound.reply_address(pair.mentee.pk, pair.pk)
    _refused(post(client, raw_reply(to, "impostor@hospital.example", "Spoofed.")), "sender_mismatch")
    _refused(post(client, raw_reply(to, pair.mentor.user.email, "The mentor, with Nia's address.")), "sender_mismatch")
    assert messages_of(pair) == [] and mail.outbox == []


def test_the_same_message_id_lands_once(client, pair, reply_by_email):
    raw = nia_replies(pair, message_id="<retry-1@mail.hospital.example>")
    assert post(client, raw).status_code == 202
    again = post(client, raw)
    assert again.status_code == 202 and again.json()["reason"] == "duplicate"
    # The same Message-ID with other bytes (a provider re-encoding it) is still the same email.
    assert post(client, nia_replies(pair, "Other words.", message_id="<retry-1@mail.hospital.example>")).json()[
        "reason"
    ] == ("duplicate")
    assert len(messages_of(pair)) == 1
    assert post(client, nia_replies(pair, "A second reply.")).json()["reason"] == "accepted"
    assert len(messages_of(pair)) == 2


@pytest.mark.django_db(transaction=True)
def test_a_retry_committed_after_the_first_delivery_lands_nothing(pair, reply_by_email):
    raw = nia_replies(pair, message_id="<committed@mail.hospital.example>")
    assert inbound_services.receive_reply(raw).reason == "accepted"
    assert inbound_services.receive_reply(raw).reason == "duplicate"
    assert len(messages_of(pair)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_email_delivered_twice_at_once_lands_once(pair, reply_by_email):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    raw = nia_replies(pair, message_id="<racing@mail.hospital.example>")
    reasons, errors = [], []

    def deliver():
        try:
            reasons.append(inbound_services.receive_reply(raw).reason)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(reasons) == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert len(messages_of(pair)) == 1


def test_an_ended_relationship_lands_nothing_and_the_sender_is_told_once(
    client, pair, reply_by_email, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        pair.status = MentorshipStatus.ENDED
        pair.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        _refused(post(client, nia_replies(pair)), "mentorship_ended")
        _refused(post(client, nia_replies(pair, "Again.")), "mentorship_ended")
    assert messages_of(pair) == []
    (bounce,) = mail.outbox  # at most one an hour
    assert bounce.to == [pair.mentee.user.email]
    assert "has ended" in bounce.body and "SECRET-QUOTE" not in bounce.body


def test_an_inactive_member_lands_nothing(client, pair, reply_by_email):
    with scopes_disabled():
        pair.mentee.is_active = False
        pair.mentee.save(update_fields=["is_active"])
    _refused(post(client, nia_replies(pair)), "inactive_member")
    assert messages_of(pair) == []


def test_a_reply_with_nothing_above_the_quote_lands_nothing(client, pair, reply_by_email):
    _refused(post(client, nia_replies(pair, "")), "empty")
    _refused(post(client, nia_replies(pair, "\n\n-- \nNia Mensah\nResident")), "empty")
    assert messages_of(pair) == []


def test_a_reply_the_message_service_refuses_lands_nothing(client, pair, reply_by_email):
    response = post(client, nia_replies(pair, "x" * 6000))
    assert response.status_code == 200 and response.json()["reason"] == "invalid"
    assert messages_of(pair) == []


def test_an_out_of_office_reply_lands_nothing_and_is_not_answered(
    client, pair, reply_by_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _refused(post(client, nia_replies(pair, headers={"Auto-Submitted": "auto-replied"})), "automatic")
    assert messages_of(pair) == [] and mail.outbox == []


def test_refusals_are_logged_with_ids_only(client, pair, reply_by_email, caplog):
    with caplog.at_level(logging.INFO, logger="relationships.services.inbound"):
        post(client, nia_replies(pair, "SECRET-REPLY text", headers={"Auto-Submitted": "auto-replied"}))
        post(client, nia_replies(pair, "SECRET-REPLY text"))
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "automatic" in logged and "landed" in logged
    assert "SECRET" not in logged and pair.mentee.user.email not in logged


# --- The endpoint's own answers ---------------------------------------------------------------------


def test_the_endpoint_is_404_while_reply_by_email_is_off(client, pair):
    assert post(client, nia_replies(pair)).status_code == 404
    assert messages_of(pair) == []


def test_a_wrong_or_missing_secret_is_401(client, pair, reply_by_email):
    raw = nia_replies(pair)
    for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x"):
        response = post(client, raw, secret=secret)
        assert response.status_code == 401, secret
        assert response["WWW-Authenticate"].startswith("Bearer")
    response = client.generic("POST", URL, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=SECRET)
    assert response.status_code == 401
    assert messages_of(pair) == []


def test_a_signed_in_session_is_no_credential(pair, reply_by_email):
    """Every person of the organization, signed in: still 401 without the secret (and the
    view is CSRF-exempt, so the CSRF check is not what refuses them)."""
    coordinator = MembershipFactory(organization=pair.organization, is_coordinator=True)
    for membership in (pair.mentee, pair.mentor, coordinator):
        client = Client(enforce_csrf_checks=True)
        client.force_login(membership.user)
        assert post(client, nia_replies(pair), secret=None).status_code == 401
        assert client.get(URL).status_code == 405
    assert messages_of(pair) == []


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "message/rfc822"),
        (b"hello world", "message/rfc822"),
        (b"\x00\xff" * 500, "application/octet-stream"),
        (b'{"from": "a@b"}', "application/json"),
        (b"email=hello", "application/x-www-form-urlencoded"),
        (b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nb\r\n--x--', "multipart/form-data; boundary=x"),
        (b"--\r\n\r\n", "multipart/form-data; boundary="),
    ],
)
def test_junk_is_400(client, pair, reply_by_email, body, content_type):
    response = post(client, body, content_type=content_type)
    assert response.status_code == 400 and response.json()["status"] == "rejected"
    assert messages_of(pair) == []


def test_an_oversize_body_is_413(client, pair, reply_by_email, settings):
    settings.INBOUND_EMAIL_MAX_BYTES = 1024 * 1024
    big = nia_replies(pair, attachments=[("big.pdf", PDF + b"0" * (1024 * 1024), "application", "pdf")])
    response = post(client, big)
    assert response.status_code == 413 and response.json()["limit_bytes"] == 1024 * 1024
    assert messages_of(pair) == []


def test_a_reply_for_a_deleted_membership_lands_nothing(client, pair, reply_by_email):
    stranger = UserFactory()
    for membership_id, key in (
        (10**9, pair.pk),
        (36**12 - 1, pair.pk),
        (pair.mentee.pk, 10**17),
        (pair.mentee.pk, "c1"),
    ):
        to = inbound.reply_address(membership_id, key)
        response = post(client, raw_reply(to, stranger.email, "Who am I?"))
        assert response.json()["reason"] in ("unknown_person", "sender_mismatch")
    assert messages_of(pair) == []


# --- Bad input with the feature on -----------------------------------------------------------------

_HOSTILE = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"From: <>\r\nTo: reply+\x00@reply.example.org\r\n\r\n",
            b"From: a@b\r\nTo: reply+1-1-aaaaaaaaaaaaaaaa@reply.example.org\r\nContent-Type: multipart/mixed\r\n\r\nx",
            b"From: a@b\r\nTo: r@reply.example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b--",
            b"From: =?utf-8?b?////?= <a@b>\r\nTo: =?x-unknown?q?=FF?= <c@d>\r\nSubject: =?utf-8?q?=00?=\r\n\r\n\xff",
            b'Content-Type: text/plain; charset="\x00"\r\nFrom: a@b\r\nTo: c@d\r\n\r\nbody',
        ]
    ),
)


def test_no_body_makes_a_server_error_or_a_message(pair, reply_by_email):
    client = Client(raise_request_exception=True)
    to = inbound.reply_address(pair.mentee.pk, pair.pk)
    statuses: set[int] = set()

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        junk=_HOSTILE,
        framed=st.booleans(),
        content_type=st.sampled_from(
            ["message/rfc822", "application/octet-stream", "text/plain", "multipart/form-data; boundary=b", "x/y"]
        ),
    )
    def drive(junk, framed, content_type):
        body = junk
        if framed:  # a real reply address, Nia's From, and a hostile body
            body = f"From: {pair.mentee.user.email}\r\nTo: {to}\r\nMessage-ID: <h@x>\r\n".encode() + junk
        response = post(client, body, content_type=content_type)
        statuses.add(response.status_code)
        assert response.status_code < 500
        assert response.status_code != 202 or messages_of(pair)

    drive()
    assert statuses & {400, 200}
    with scopes_disabled():
        assert all(message.via_email for message in Message.objects.all())


# --- Start-up refuses half a configuration ------------------------------------------------------


@pytest.mark.parametrize(
    "env, error",
    [
        ({"REPLY_BY_EMAIL": "1"}, "INBOUND_EMAIL_DOMAIN and INBOUND_EMAIL_SECRET are not set"),
        ({"REPLY_BY_EMAIL": "1", "INBOUND_EMAIL_DOMAIN": DOMAIN}, "INBOUND_EMAIL_SECRET is not set"),
        ({"REPLY_BY_EMAIL": "1", "INBOUND_EMAIL_SECRET": SECRET}, "INBOUND_EMAIL_DOMAIN is not set"),
        (
            {"REPLY_BY_EMAIL": "1", "INBOUND_EMAIL_DOMAIN": "not a domain", "INBOUND_EMAIL_SECRET": SECRET},
            "is not a domain name",
        ),
        ({"REPLY_BY_EMAIL": "1", "INBOUND_EMAIL_DOMAIN": DOMAIN, "INBOUND_EMAIL_SECRET": "change-me"}, "placeholder"),
        ({"INBOUND_EMAIL_SECRET": SECRET}, "INBOUND_EMAIL_SECRET set but REPLY_BY_EMAIL is off"),
        ({"REPLY_BY_EMAIL": "0", "INBOUND_EMAIL_DOMAIN": DOMAIN}, "INBOUND_EMAIL_DOMAIN set but REPLY_BY_EMAIL is off"),
    ],
)
def test_start_up_refuses_half_a_configuration(env, error):
    from tests.test_settings import _manage

    result = _manage("check", DEBUG="1", **env)
    assert result.returncode != 0
    assert error in result.stderr


def test_start_up_accepts_the_whole_configuration():
    from tests.test_settings import _manage

    result = _manage(
        "check", DEBUG="1", REPLY_BY_EMAIL="1", INBOUND_EMAIL_DOMAIN="Reply.Example.org.", INBOUND_EMAIL_SECRET=SECRET
    )
    assert result.returncode == 0, result.stderr
