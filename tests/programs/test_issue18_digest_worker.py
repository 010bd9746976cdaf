"""The daily digest with real processes: a Celery worker and beat against Redis, as the
reminders' pipeline is tested (tests/surveys/test_reminder_worker.py).

Beat fires the digest scan every 2 seconds (DIGEST_SCAN_EVERY_SECONDS). The first worker
kills itself (SIGKILL) in the middle of its batch; a second worker is started; every
person who chose a digest must then have exactly one digest in the outbox, further scans
must send nothing, and nobody who chose "immediately" or "off" gets one.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from programs.models import Digest, DigestStatus, Notification
from programs.services import notifications
from tests.clock import subprocess_env
from tests.conftest import wait_for
from tests.factories import MembershipFactory, OrganizationFactory
from tests.outbox import read

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock("2026-03-02 08:00")]

PEOPLE = 10
CRASH_AFTER = 4
ROOT = Path(__file__).resolve().parents[2]


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("CI must set REDIS_URL")
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    return url


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mentorship", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _people_with_something_new() -> set[str]:
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    expected = set()
    with scopes_disabled():
        for index in range(PEOPLE + 2):
            choice = "digest" if index < PEOPLE else ("immediate" if index == PEOPLE else "off")
            member = MembershipFactory(
                organization=org, messages_email=choice, user__email=f"reader{index}@example.org"
            )
            notifications.notify(
                recipient=member,
                kind="message",
                category="message",
                title="Dana Reyes sent you a message",
                path="/o/western/",
                key="conversation:1",
            )
            if choice == "digest":
                expected.add(member.user.email)
    return expected


def test_beat_and_worker_send_each_digest_exactly_once_even_when_a_worker_dies(tmp_path, monkeypatch):
    redis_url = _redis_url()
    monkeypatch.setattr("mentorship.realtime.send_now", lambda ids, event: None)
    from mentorship.celery import app

    app.control.purge()
    expected = _people_with_something_new()
    outbox = tmp_path / "outbox"
    crash_flag = tmp_path / "crash-armed"
    crash_flag.touch()
    env = subprocess_env(
        **{
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "REDIS_URL": redis_url,
            "TEST_CELERY_EAGER": "0",
            "TEST_EMAIL_BACKEND": "tests.outbox.FileBackend",
            "TEST_OUTBOX_DIR": str(outbox),
            "TEST_OUTBOX_CRASH_FLAG": str(crash_flag),
            "TEST_OUTBOX_CRASH_AFTER": str(CRASH_AFTER),
            "TEST_WORKER_DATABASE_NAME": str(connection.settings_dict["NAME"]),
            "DIGEST_SCAN_EVERY_SECONDS": "2",
            "DIGEST_CLAIM_LEASE_SECONDS": "3",
            "PYTHONPATH": str(ROOT),
        }
    )
    worker_args = ["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    processes = []
    try:
        processes.append(_start(["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat")], env, tmp_path / "beat.log"))
        processes.append(first := _start([*worker_args, "-n", "first@%h"], env, tmp_path / "worker1.log"))

        wait_for(lambda: first.poll() is not None, timeout=90)
        assert first.returncode == -signal.SIGKILL
        assert len(read(outbox)) == CRASH_AFTER
        with scopes_disabled():
            assert Digest.objects.filter(status=DigestStatus.SENDING).exists()

        processes.append(second := _start([*worker_args, "-n", "second@%h"], env, tmp_path / "worker2.log"))

        def all_sent() -> bool:
            with scopes_disabled():
                return Digest.objects.filter(status=DigestStatus.SENT).count() == len(expected)

        wait_for(all_sent, timeout=90)
        wait_for(lambda: len(read(outbox)) >= len(expected), timeout=30)
        # More scans run (every 2 seconds) and find nothing new.
        with scopes_disabled():
            wait_for(lambda: not Digest.objects.exclude(status=DigestStatus.SENT).exists(), timeout=10)
        time.sleep(5)
        assert second.poll() is None, "the second worker must still be running"
    finally:
        for process in processes:
            _stop(process)
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("*.log"))

    messages = read(outbox)
    recipients = Counter(address for message in messages for address in message["to"])
    assert set(recipients) == expected, logs
    assert all(count == 1 for count in recipients.values()), recipients
    assert len({m["message_id"] for m in messages}) == len(expected)
    assert all("daily digest" in m["subject"].lower() for m in messages)
    assert all("Dana Reyes sent you a message" in m["body"] for m in messages)
    with scopes_disabled():
        assert Digest.objects.count() == len(expected)
        assert Digest.objects.filter(attempts__gte=2).count() == len(expected) - CRASH_AFTER
        assert Notification.objects.filter(emailed_at__isnull=False).count() == len(expected)
