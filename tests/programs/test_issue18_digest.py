"""The daily digest (issue 18): one email per person and day, exactly once (a second scan,
two workers on the same ids, a worker that died), built from what the person chose a
digest for; obligations are never held for it and are emailed at once."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programs.models import Digest, DigestStatus, Notification
from programs.services import digests, notifications
from surveys.models import Reminder, ReminderKind, ReminderStatus
from surveys.services import reminders
from surveys.services.due import Due
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 07:00")]


@pytest.fixture(autouse=True)
def _in_alpha(org_a):
    """Services run in the organization's scope, as on its pages."""
    with scope(organization=org_a):
        yield


def _item(member, key="conversation:1", category="message", title="Dana Reyes sent you a message"):
    notification, _ = notifications.notify(
        recipient=member,
        kind="message" if category == "message" else "reminder",
        category=category,
        title=title,
        path=f"/o/{member.organization.slug}/messages/1/",
        key=key,
    )
    return notification


def _digests(**filters):
    with scopes_disabled():
        return list(Digest.objects.filter(**filters).order_by("pk"))


def _run():
    digests.scan()
    return digests.send(digests.ids_to_send())


def test_one_digest_lists_what_is_new_and_a_second_scan_adds_nothing(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest", nudges_email="digest")
    _item(member)
    _item(member)  # collapses: "2 messages"
    _item(member, key="reminder:checkin:1", category="nudge", title="Time to check in with Nia Okafor")
    first = digests.scan()
    again = digests.scan()
    assert (first.created, first.attached) == (1, 2)
    assert (again.created, again.attached) == (0, 0)
    assert digests.send(digests.ids_to_send()) == 1
    assert digests.send(digests.ids_to_send()) == 0
    [message] = mail.outbox
    assert message.to == [member.user.email]
    assert "Your daily digest: 2 new things" in message.subject
    assert "Dana Reyes sent you a message" in message.body and "Time to check in with Nia Okafor" in message.body
    assert "http://testserver/o/alpha/messages/1/" in message.body or "/o/alpha/messages/1/" in message.body
    html = message.alternatives[0][0]
    assert 'href="' in html and "Time to check in with Nia Okafor" in html
    [digest] = _digests()
    assert digest.status == DigestStatus.SENT and digest.item_count == 2
    with scopes_disabled():
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_one_email_a_day_what_comes_after_waits_for_tomorrow(org_a, _clock):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    assert _run() == 1
    _item(member, key="conversation:2", title="Ana Lopez sent you a message")
    assert _run() == 0  # today's digest is out
    assert len(mail.outbox) == 1
    _clock.shift(timedelta(days=1))
    assert _run() == 1
    assert len(mail.outbox) == 2 and "Ana Lopez" in mail.outbox[1].body and "Dana Reyes" not in mail.outbox[1].body
    assert [d.day.isoformat() for d in _digests()] == ["2026-03-02", "2026-03-03"]


def test_a_new_message_in_a_conversation_already_digested_comes_again(org_a, _clock):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    assert _run() == 1
    _clock.shift(timedelta(days=1))
    _item(member)  # the same unread notification, one more message
    assert _run() == 1
    assert "Dana Reyes sent you a message" in mail.outbox[1].body


def test_people_who_chose_immediately_or_off_get_no_digest_and_obligations_never_wait(org_a):
    immediate = MembershipFactory(organization=org_a)
    off = MembershipFactory(organization=org_a, messages_email="off", nudges_email="off", nudges_enabled=False)
    messages_only = MembershipFactory(organization=org_a, messages_email="digest", nudges_email="off")
    for member in (immediate, off, messages_only):
        _item(member)
        _item(member, key="reminder:x", category="nudge", title="Time to check in")
        _item(member, key="offer:1", category="obligation", title="A pairing is waiting for your answer")
    assert _run() == 1
    [message] = mail.outbox
    assert message.to == [messages_only.user.email]
    assert "Dana Reyes sent you a message" in message.body
    assert "check in" not in message.body and "pairing" not in message.body
    assert [d.recipient_id for d in _digests()] == [messages_only.pk]


def test_an_item_emailed_at_once_or_read_is_not_in_the_digest(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    notifications.mark_emailed(_item(member))
    read = _item(member, key="conversation:2")
    notifications.notification_mark_read(actor=member, notification=read)
    assert digests.scan().created == 0
    assert _run() == 0 and mail.outbox == []


def test_read_or_a_changed_preference_between_scan_and_send_is_respected(org_a):
    reader = MembershipFactory(organization=org_a, messages_email="digest")
    changer = MembershipFactory(organization=org_a, messages_email="digest")
    item = _item(reader)
    _item(changer)
    digests.scan()
    notifications.notification_mark_read(actor=reader, notification=item)
    notifications.email_preferences_set(actor=changer, messages_email="immediate", nudges_email="immediate")
    assert digests.send(digests.ids_to_send()) == 0
    assert mail.outbox == []
    assert {d.error for d in _digests()} == {"nothing new to tell"}
    assert {d.status for d in _digests()} == {DigestStatus.SKIPPED}


def test_a_digest_nobody_sent_becomes_the_next_day_s_single_email(org_a, _clock):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    digests.scan()  # the workers are down: nothing sent
    _clock.shift(timedelta(days=1))
    _item(member, key="conversation:2", title="Ana Lopez sent you a message")
    result = digests.scan()
    assert (result.rolled, result.created) == (1, 0)
    assert digests.send(digests.ids_to_send()) == 1
    assert "Dana Reyes" in mail.outbox[0].body and "Ana Lopez" in mail.outbox[0].body
    assert [d.day.isoformat() for d in _digests()] == ["2026-03-03"]


def test_two_sends_on_the_same_ids_send_once(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    digests.scan()
    ids = digests.ids_to_send()
    assert digests.send(ids) + digests.send(ids) == 1
    assert len(mail.outbox) == 1


def test_a_worker_that_died_is_replaced_once_its_lease_is_over(org_a, _clock, settings):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    digests.scan()
    ids = digests.ids_to_send()
    digests.mark_handed_out(ids)
    digests.claim(ids)  # a worker claimed them, then died before sending
    assert digests.ids_to_send() == []  # its lease still holds
    assert digests.send(ids) == 0
    _clock.shift(timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS + 1))
    assert digests.ids_to_send() == ids
    assert digests.send(ids) == 1
    [digest] = _digests()
    assert digest.attempts == 2 and digest.status == DigestStatus.SENT
    assert len(mail.outbox) == 1


def test_a_mail_server_error_releases_the_digest_for_a_later_try(org_a, monkeypatch):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    digests.scan()
    ids = digests.ids_to_send()

    def refuse(self, messages):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert digests.send(ids) == 0
    [digest] = _digests()
    assert digest.status == DigestStatus.PENDING and "refused" in digest.error
    with scopes_disabled():
        assert Notification.objects.get().emailed_at is None
    monkeypatch.undo()
    assert digests.send(ids) == 1


def test_a_removed_member_gets_no_digest(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    digests.scan()
    with scopes_disabled():
        type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert digests.send(digests.ids_to_send()) == 0
    assert [d.error for d in _digests()] == ["no longer a member"]


# --- Reminders and the digest ---------------------------------------------------------------------


def _due(member, kind, key):
    return Due(
        organization_id=member.organization_id,
        recipient_id=member.pk,
        kind=kind,
        key=key,
        path=f"/o/{member.organization.slug}/",
        context={"other": "Dana Reyes", "program": "Surgical Mentoring"},
    )


def test_a_nudge_for_a_digest_person_is_not_emailed_alone_but_their_obligations_are(org_a):
    member = MembershipFactory(organization=org_a, nudges_email="digest")
    reminders.record(
        [_due(member, ReminderKind.CHECKIN, "checkin:1:x"), _due(member, ReminderKind.CONSENT, "consent:77:x")]
    )
    with scopes_disabled():
        rows = {r.kind: r for r in Reminder.objects.all()}
        assert (rows["checkin"].status, rows["checkin"].error) == (ReminderStatus.SKIPPED, "in the daily digest")
        assert rows["consent"].status == ReminderStatus.PENDING
        assert sorted(Notification.objects.values_list("key", "category")) == [
            ("offer:77", "obligation"),
            ("reminder:checkin:1:x", "nudge"),
        ]
    assert reminders.send([rows["consent"].pk]) == 1  # the obligation, at once
    assert "waiting for your answer" in mail.outbox[0].subject
    assert _run() == 1  # the nudge, in the digest
    assert "Time to check in with Dana Reyes" in mail.outbox[1].body
    assert "pairing" not in mail.outbox[1].body  # the obligation went out already
    with scopes_disabled():
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_nudge_emailed_at_once_is_not_in_a_digest(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest", nudges_email="immediate")
    reminders.record([_due(member, ReminderKind.CHECKIN, "checkin:1:x")])
    with scopes_disabled():
        reminders.send(list(Reminder.objects.values_list("pk", flat=True)))
    assert len(mail.outbox) == 1
    assert _run() == 0


def test_the_one_click_unsubscribe_still_turns_nudges_off_and_out_of_the_digest(client, org_a):
    member = MembershipFactory(organization=org_a, nudges_email="digest")
    assert client.post(reminders.unsubscribe_url(member)).status_code == 200
    member.refresh_from_db()
    assert (member.nudges_enabled, member.nudges_email) == (False, "off")
    reminders.record([_due(member, ReminderKind.CHECKIN, "checkin:1:x")])
    with scopes_disabled():
        assert Reminder.objects.get().error == "nudges turned off"
    assert digests.scan().created == 0


# --- Exactly once with two workers at the same moment (PostgreSQL) --------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_digests_at_once_send_each_once(org_a):
    members = [MembershipFactory(organization=org_a, messages_email="digest") for _ in range(6)]
    for member in members:
        _item(member)
    digests.scan()
    ids = digests.ids_to_send()
    barrier = threading.Barrier(2)
    sent = []

    def worker():
        try:
            barrier.wait()
            sent.append(digests.send(ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(sent) == len(members)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in members)


def test_the_beat_schedule_runs_the_digest_daily_and_sweeps_it(settings):
    assert settings.CELERY_BEAT_SCHEDULE["send-digests"]["task"] == "programs.scan_digests"
    assert settings.CELERY_BEAT_SCHEDULE["sweep-digests"]["task"] == "programs.sweep_digests"
    from mentorship.celery import app

    app.loader.import_default_modules()
    assert {"programs.scan_digests", "programs.sweep_digests", "programs.send_digests"} <= set(app.tasks)


def test_the_scan_task_hands_the_digests_to_the_send_task(org_a, django_capture_on_commit_callbacks):
    from programs.tasks import scan_digests

    member = MembershipFactory(organization=org_a, messages_email="digest")
    _item(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert scan_digests() == 1
    assert len(mail.outbox) == 1
    assert timezone.localdate() == _digests()[0].day
