"""The pair's conversation (issue 18): messages encrypted at rest, attachments checked by
their bytes, edits within five minutes, removal, read receipts, the other side told once
per unread streak, and nothing of it for anyone outside the pair."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import Notification
from relationships.models import Conversation, ConversationRead, MentorshipStatus, Message
from relationships.services import messages as services
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

SECRET = "SECRET-MESSAGE I am thinking of leaving surgery"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society"})


def _url(pair, name="conversation", **extra):
    return reverse(name, kwargs={"org_slug": pair.organization.slug, "pk": pair.pk, **extra})


def send(pair, actor=None, body=SECRET, **kwargs):
    with scope(organization=pair.organization):
        return services.message_send(actor=actor or pair.mentee, mentorship=pair, body=body, **kwargs)


@pytest.mark.django_db
def test_a_message_is_stored_encrypted_and_counted(pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(pair)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM relationships_message WHERE id = %s", [message.pk])
        (raw,) = cursor.fetchone()
    assert SECRET not in raw and "leaving" not in raw
    with scopes_disabled():
        conversation = Conversation.objects.get(mentorship=pair)
        assert Message.objects.get(pk=message.pk).body == SECRET
    assert conversation.message_count == 1
    assert conversation.last_message_at == message.created_at


@pytest.mark.django_db
def test_the_other_side_is_notified_and_emailed_once_per_unread_streak(pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(pair, body="First")
        send(pair, body="Second")
    with scopes_disabled():
        notification = Notification.objects.get(recipient=pair.mentor)
    assert notification.count == 2 and notification.read_at is None
    assert "Nia Mensah" in notification.title and "First" not in notification.title
    assert [m.to for m in mail.outbox] == [[pair.mentor.user.email]]
    # Without reply by email the text stays on the site: a reply would carry it, quoted, to
    # the site's own sender address.
    assert "First" not in mail.outbox[0].body and "First" not in mail.outbox[0].alternatives[0][0]
    assert "replies to this email are not delivered" in mail.outbox[0].body
    assert reverse("conversation", kwargs={"org_slug": "alpha", "pk": pair.pk}) in mail.outbox[0].body
    assert reverse("notification_settings", kwargs={"org_slug": "alpha"}) in mail.outbox[0].body
    # Nothing for the author.
    with scopes_disabled():
        assert not Notification.objects.filter(recipient=pair.mentee).exists()


@pytest.mark.django_db
def test_reading_marks_the_notification_read_and_the_next_message_emails_again(
    client, pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(pair, body="First")
    client.force_login(pair.mentor.user)
    assert client.get(_url(pair)).status_code == 200
    with scopes_disabled():
        assert Notification.objects.get(recipient=pair.mentor).read_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        send(pair, body="Second")
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_no_email_for_a_person_who_chose_a_digest_or_off(pair, django_capture_on_commit_callbacks):
    for choice in ("digest", "off"):
        with scopes_disabled():
            type(pair.mentor).objects.filter(pk=pair.mentor.pk).update(messages_email=choice)
            Notification.objects.all().delete()
        pair.mentor.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            send(pair, body=f"For {choice}")
        assert mail.outbox == []
        with scopes_disabled():
            assert Notification.objects.filter(recipient=pair.mentor).count() == 1


@pytest.mark.django_db
def test_both_open_pages_get_a_live_event_with_ids_only(pair, django_capture_on_commit_callbacks):
    with mock.patch("mentorship.realtime.send_now") as sent, django_capture_on_commit_callbacks(execute=True):
        send(pair)
    events = [call.args for call in sent.call_args_list]
    conversation_events = [(sorted(ids), event) for ids, event in events if event.get("event") == "conversation"]
    with scopes_disabled():
        conversation = Conversation.objects.get(mentorship=pair)
    assert conversation_events == [
        (sorted([pair.mentor_id, pair.mentee_id]), {"event": "conversation", "conversation": conversation.pk})
    ]
    assert all(SECRET not in repr(event) for _ids, event in events)


@pytest.mark.django_db
def test_the_page_sends_and_shows_messages_to_the_pair(client, pair):
    client.force_login(pair.mentee.user)
    page = client.get(_url(pair))
    assert page.status_code == 200
    assert "No messages yet" in page.content.decode()
    response = client.post(_url(pair), {"body": "Hello Dana, shall we meet on Tuesday?"})
    assert response.status_code == 302
    client.force_login(pair.mentor.user)
    body = client.get(_url(pair)).content.decode()
    assert "Hello Dana, shall we meet on Tuesday?" in body
    assert "Nia Mensah" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"body": ""}, "Write a message or attach a file."),
        ({"body": "   \n  "}, "Write a message or attach a file."),
        ({"body": "x" * 5001}, "at most 5000 characters"),
        ({"body": "bell \x07 here"}, ""),
    ],
)
def test_bad_messages_are_refused_on_the_form(client, pair, data, error):
    client.force_login(pair.mentee.user)
    response = client.post(_url(pair), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert "is-invalid" in body or "invalid-feedback" in body
    with scopes_disabled():
        assert not Message.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("tool.exe", b"MZ\x90\x00" * 10, "That kind of file cannot be attached."),
        ("cv.pdf", b"MZ\x90\x00" * 10, "That kind of file cannot be attached."),
        ("photo.pdf", PNG, "does not match what it is"),
        ("empty.pdf", b"", "empty"),
        ("page.html", b"<script>alert(1)</script>", "That kind of file cannot be attached."),
    ],
)
def test_bad_attachments_are_refused_and_the_text_is_kept(client, pair, name, content, error):
    client.force_login(pair.mentee.user)
    response = client.post(
        _url(pair), {"body": "Here is my file", "attachment": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert "Here is my file" in body  # the text is not lost
    with scopes_disabled():
        assert not Message.objects.exists()


@pytest.mark.django_db
def test_an_oversized_attachment_is_refused(pair):
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ServiceError, match="at most 10 MB"):
        send(pair, attachment=upload)


@pytest.mark.django_db
def test_an_attachment_is_encrypted_at_rest_and_served_to_the_pair_only(client, pair, org_a):
    client.force_login(pair.mentee.user)
    client.post(_url(pair), {"body": "", "attachment": SimpleUploadedFile("plan.pdf", PDF)})
    with scopes_disabled():
        message = Message.objects.get()
        stored = message.attachment.storage.backend.open(message.attachment.name).read()
    assert not stored.startswith(b"%PDF") and PDF not in stored
    url = _url(pair, "message_attachment", message_pk=message.pk)
    client.force_login(pair.mentor.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    client.force_login(coordinator.user)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_image_shows_in_the_conversation(client, pair):
    message = send(pair, body="", attachment=SimpleUploadedFile("ward.png", PNG))
    client.force_login(pair.mentor.user)
    body = client.get(_url(pair)).content.decode()
    assert f'src="{_url(pair, "message_attachment", message_pk=message.pk)}"' in body
    response = client.get(_url(pair, "message_attachment", message_pk=message.pk))
    assert response["Content-Type"] == "image/png" and "inline" in response["Content-Disposition"]


@pytest.mark.django_db
def test_the_author_edits_within_five_minutes_only(client, pair):
    message = send(pair, body="Tuesday at 5?")
    client.force_login(pair.mentee.user)
    edit = _url(pair, "message_edit", message_pk=message.pk)
    assert client.post(edit, {"body": "Tuesday at 6?"}).status_code == 302
    with scopes_disabled():
        message.refresh_from_db()
        assert message.body == "Tuesday at 6?" and message.edited_at is not None
        Message.objects.filter(pk=message.pk).update(created_at=message.created_at - timedelta(minutes=6))
    response = client.post(edit, {"body": "Wednesday?"})
    assert response.status_code == 400
    assert "five minutes" in response.content.decode()
    with scopes_disabled():
        message.refresh_from_db()
        assert message.body == "Tuesday at 6?"
    # The other person cannot edit it at all.
    client.force_login(pair.mentor.user)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"body": "Mine now"}).status_code == 404


@pytest.mark.django_db
def test_removing_leaves_message_removed_and_deletes_the_file(client, pair, django_capture_on_commit_callbacks):
    message = send(pair, body="Oops, wrong person", attachment=SimpleUploadedFile("plan.pdf", PDF))
    storage, name = message.attachment.storage, message.attachment.name
    client.force_login(pair.mentor.user)
    assert client.post(_url(pair, "message_remove", message_pk=message.pk)).status_code == 404
    client.force_login(pair.mentee.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url(pair, "message_remove", message_pk=message.pk)).status_code == 302
    assert not storage.exists(name)
    with scopes_disabled():
        message.refresh_from_db()
    assert message.body == "" and message.removed_at is not None and not message.attachment
    client.force_login(pair.mentor.user)
    body = client.get(_url(pair)).content.decode()
    assert "Message removed" in body and "Oops" not in body
    assert client.get(_url(pair, "message_attachment", message_pk=message.pk)).status_code == 404


@pytest.mark.django_db
def test_read_receipts(client, pair):
    send(pair, body="Are you free?")
    client.force_login(pair.mentee.user)
    assert ">Sent<" in client.get(_url(pair)).content.decode()
    client.force_login(pair.mentor.user)
    client.get(_url(pair))
    with scopes_disabled():
        assert ConversationRead.objects.filter(reader=pair.mentor).exists()
    client.force_login(pair.mentee.user)
    assert ">Read<" in client.get(_url(pair)).content.decode()


@pytest.mark.django_db
def test_the_list_fragment_answers_204_when_nothing_changed(client, pair):
    send(pair, body="One")
    client.force_login(pair.mentor.user)
    first = client.get(_url(pair, "conversation_messages"))
    assert first.status_code == 200 and "One" in first.content.decode()
    stamp = first.content.decode().split('data-stamp="', 1)[1].split('"', 1)[0]
    assert client.get(_url(pair, "conversation_messages"), {"since": stamp}).status_code == 204
    send(pair, body="Two")
    again = client.get(_url(pair, "conversation_messages"), {"since": stamp})
    assert again.status_code == 200 and "Two" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "committee", "other_member", "other_org"])
def test_outsiders_get_404_everywhere_and_the_coordinator_sees_counts_only(client, pair, org_a, org_b, who):
    message = send(pair, attachment=SimpleUploadedFile("plan.pdf", PDF))
    viewer = {
        "coordinator": lambda: MembershipFactory(organization=org_a, is_coordinator=True),
        "committee": lambda: MembershipFactory(organization=org_a, is_committee=True),
        "other_member": lambda: MembershipFactory(organization=org_a),
        "other_org": lambda: MembershipFactory(organization=org_b, is_coordinator=True),
    }[who]()
    client.force_login(viewer.user)
    urls = [
        _url(pair),
        _url(pair, "conversation_messages"),
        _url(pair, "message_edit", message_pk=message.pk),
        _url(pair, "message_remove", message_pk=message.pk),
        _url(pair, "message_attachment", message_pk=message.pk),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"body": "intrusion"}).status_code in (404, 405), url
    with scopes_disabled():
        assert Message.objects.count() == 1 and Message.objects.get().body == SECRET
    if who == "coordinator":
        detail = client.get(reverse("mentorship_detail", kwargs={"org_slug": "alpha", "pk": pair.pk}))
        listing = client.get(reverse("program_mentorships", kwargs={"org_slug": "alpha", "program_slug": "society"}))
        csv = client.get(reverse("program_mentorships_csv", kwargs={"org_slug": "alpha", "program_slug": "society"}))
        for response in (detail, listing, csv):
            assert response.status_code == 200
            assert SECRET not in response.content.decode() and "plan.pdf" not in response.content.decode()
        assert "1 message" in detail.content.decode()
        assert "Last message" in listing.content.decode()


@pytest.mark.django_db
def test_an_ended_mentorship_keeps_its_conversation_read_only(client, pair):
    send(pair, body="Thank you for everything")
    with scopes_disabled():
        type(pair).objects.filter(pk=pair.pk).update(status=MentorshipStatus.ENDED)
    pair.refresh_from_db()
    with pytest.raises(ServiceError, match="ended"):
        send(pair, body="One more")
    client.force_login(pair.mentor.user)
    page = client.get(_url(pair))
    assert "Thank you for everything" in page.content.decode()
    assert "no new messages can be sent" in page.content.decode()
    client.post(_url(pair), {"body": "Still here?"})
    with scopes_disabled():
        assert Message.objects.count() == 1


@pytest.mark.django_db
def test_the_conversation_page_runs_a_bounded_number_of_queries(client, pair, django_assert_max_num_queries):
    client.force_login(pair.mentor.user)
    send(pair, body="warm-up")
    client.get(_url(pair))
    counts = []
    for total in (3, 60):
        with scopes_disabled():
            conversation = Conversation.objects.get(mentorship=pair)
            Message.objects.bulk_create(
                Message(organization=pair.organization, conversation=conversation, author=pair.mentee, body=f"m{i}")
                for i in range(total)
            )
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        measured = []
        for _ in range(2):  # the fewer of two: a kept read that expires between requests costs one query
            with CaptureQueriesContext(conn) as queries:
                assert client.get(_url(pair)).status_code == 200
            measured.append(len(queries))
        counts.append(min(measured))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[1]):
        client.get(_url(pair, "conversation_messages"))


@pytest.mark.django_db(transaction=True)
def test_two_messages_sent_at_once_are_both_counted(pair):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    errors = []

    def write(actor, text):
        try:
            send(pair, actor=actor, body=text)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(who, f"at once {i}"))
        for i, who in enumerate([pair.mentor, pair.mentee] * 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scopes_disabled():
        conversation = Conversation.objects.get(mentorship=pair)
        assert conversation.message_count == Message.objects.filter(conversation=conversation).count() == 6


@pytest.mark.django_db
def test_a_flashed_message_still_shows_on_the_conversation_page(client, pair):
    """The page's own list of messages must not take the name of the flashed ones
    (django.contrib.messages' "messages" in every template): it once did, and base.html showed
    "Message 1" in an alert while "Message edited." waited for another page."""
    message = send(pair, body="Tuesday at 5?")
    client.force_login(pair.mentee.user)
    response = client.post(_url(pair, "message_edit", message_pk=message.pk), {"body": "Tuesday at 6?"}, follow=True)
    body = response.content.decode()
    assert "Message edited." in body
    assert f"{message}" not in body  # "Message <pk>", the model's name for itself


@pytest.mark.django_db
def test_with_reply_by_email_the_email_carries_the_text_and_a_reply_address(
    pair, settings, django_capture_on_commit_callbacks
):
    settings.REPLY_BY_EMAIL = True
    settings.INBOUND_EMAIL_DOMAIN = "reply.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        send(pair, body="O'Brien & Co: Thursday?")
    (email,) = mail.outbox
    assert "O'Brien & Co: Thursday?" in email.body
    assert email.reply_to and email.reply_to[0].endswith("@reply.example.org")
    assert email.subject == "Nia Mensah sent you a message"


@pytest.mark.django_db
def test_writing_reads_the_authors_own_notification(pair, django_capture_on_commit_callbacks):
    """A reply (by email too, without opening the page) means the writer has read the other's
    messages: their notification is read, so the other's next message is a new streak, emailed."""
    for actor, text in (
        (pair.mentee, "Are you free on Tuesday?"),
        (pair.mentor, "Yes, at 5."),
        (pair.mentee, "Great!"),
    ):
        with django_capture_on_commit_callbacks(execute=True):  # each email goes before the next message
            send(pair, actor=actor, body=text)
    with scopes_disabled():
        # Nia answered Dana's reply: hers is read; Dana's one unread is Nia's latest.
        assert Notification.objects.get(recipient=pair.mentee).read_at is not None
        assert Notification.objects.filter(recipient=pair.mentor, read_at__isnull=True).count() == 1
    assert [m.to[0] for m in mail.outbox] == [pair.mentor.user.email, pair.mentee.user.email, pair.mentor.user.email]


@pytest.mark.django_db
def test_the_email_waits_and_is_not_sent_once_the_message_was_read(client, pair, django_capture_on_commit_callbacks):
    """Two people writing with the page open are not emailed at every turn: the email goes
    MESSAGE_EMAIL_DELAY_SECONDS later (a Celery countdown), only if the message is still unread."""
    with (
        mock.patch("relationships.services.messages.registered_task") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = send(pair, body="Quick question")
    (call,) = task.return_value.apply_async.call_args_list
    assert call.kwargs["countdown"] == 120
    notification_id, message_id = call.args[0]
    assert message_id == message.pk
    client.force_login(pair.mentor.user)
    client.get(_url(pair))  # read before the countdown ends
    assert services.email_if_unread(notification_id, message_id) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_delayed_email_for_a_removed_message(pair, django_capture_on_commit_callbacks):
    with (
        mock.patch("relationships.services.messages.registered_task") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = send(pair, body="Sent to the wrong person")
    with scope(organization=pair.organization):
        services.message_remove(actor=pair.mentee, message=message)
    assert services.email_if_unread(*task.return_value.apply_async.call_args.args[0]) is False
    assert mail.outbox == []
