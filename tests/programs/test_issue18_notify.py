"""The notification service's contract (issue 18): notify collapses by key, is safe when
two notify at once, marks read by key, and says who is emailed now."""

import threading

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from programs.models.notifications import Notification
from programs.services import notifications
from tests.factories import MembershipFactory

pytestmark = pytest.mark.clock("2026-03-02 10:00")


def _notify(recipient, **kwargs):
    values = {
        "recipient": recipient,
        "kind": "message",
        "category": "message",
        "title": "Dana Reyes sent you a message",
        "title_many": "Dana Reyes sent you {count} messages",
        "path": "/o/alpha/messages/1/",
        "key": "conversation:1",
    }
    values.update(kwargs)
    return notifications.notify(**values)


def test_notify_records_then_collapses_by_key(member_a, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("mentorship.realtime.send_now", lambda ids, event: sent.append((list(ids), event)))
    with django_capture_on_commit_callbacks(execute=True):
        first, created = _notify(member_a)
    assert created and first.count == 1 and first.title == "Dana Reyes sent you a message"
    assert sent == [([member_a.pk], {"event": "notifications"})]
    second, created = _notify(member_a)
    assert not created and second.pk == first.pk
    assert second.count == 2 and second.title == "Dana Reyes sent you 2 messages"
    with scopes_disabled():
        assert Notification.objects.filter(recipient=member_a).count() == 1


def test_a_read_notification_does_not_collapse_and_no_key_never_collapses(member_a):
    first, _ = _notify(member_a)
    assert notifications.mark_read_by_key(recipient=member_a, key="conversation:1") == 1
    assert notifications.mark_read_by_key(recipient=member_a, key="conversation:1") == 0
    again, created = _notify(member_a)
    assert created and again.pk != first.pk and again.count == 1
    _notify(member_a, key="")
    _, created = _notify(member_a, key="")
    assert created


def test_collapsing_an_emailed_notification_makes_it_news_again(member_a):
    first, _ = _notify(member_a)
    notifications.mark_emailed(first)
    first.refresh_from_db()
    assert first.emailed_at is not None
    again, _ = _notify(member_a)
    again.refresh_from_db()
    assert again.emailed_at is None


@pytest.mark.parametrize("path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "", "relative/"])
def test_notify_refuses_a_path_off_the_site(member_a, path):
    with pytest.raises(ValueError):
        _notify(member_a, path=path)


def test_wants_email_now(org_a):
    member = MembershipFactory(organization=org_a, messages_email="digest", nudges_email="immediate")
    assert notifications.wants_email_now(member, "obligation")
    assert not notifications.wants_email_now(member, "message")
    assert notifications.wants_email_now(member, "nudge")
    member.nudges_email = "off"
    member.messages_email = "immediate"
    assert not notifications.wants_email_now(member, "nudge")
    assert notifications.wants_email_now(member, "message")
    member.is_active = False
    assert not notifications.wants_email_now(member, "obligation")


@pytest.mark.django_db(transaction=True)
def test_two_notifying_the_same_key_at_once_leave_one_unread_row_counting_two(org_a, monkeypatch):
    published = []
    monkeypatch.setattr("mentorship.realtime.send_now", lambda ids, event: published.append(list(ids)))
    member = MembershipFactory(organization=org_a)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            _notify(member)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with scopes_disabled():
        rows = list(Notification.objects.filter(recipient=member))
    assert len(rows) == 1 and rows[0].count == 2
    assert published == [[member.pk], [member.pk]]


@pytest.mark.django_db(transaction=True)
def test_a_notify_that_loses_the_insert_race_adds_to_the_winner(org_a, monkeypatch):
    """The winner's row is not yet committed when the loser looks, so the loser's insert
    waits on the unique index, fails once the winner commits, and retries into it."""
    from django.db import transaction

    monkeypatch.setattr("mentorship.realtime.send_now", lambda ids, event: None)
    member = MembershipFactory(organization=org_a)
    inserted, release = threading.Event(), threading.Event()
    outcome = []

    def winner():
        try:
            with transaction.atomic():
                _notify(member)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def loser():
        try:
            inserted.wait(10)
            outcome.append(_notify(member))
        finally:
            connection.close()

    threads = [threading.Thread(target=winner), threading.Thread(target=loser)]
    for t in threads:
        t.start()
    threading.Timer(1.0, release.set).start()
    for t in threads:
        t.join(timeout=60)
    notification, created = outcome[0]
    assert not created and notification.count == 2
    with scopes_disabled():
        assert Notification.objects.filter(recipient=member).count() == 1
