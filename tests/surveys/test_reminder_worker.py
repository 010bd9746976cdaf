"""The reminder pipeline with real processes: a Celery worker and beat against Redis.

Beat fires the scan every 2 seconds (REMINDER_SCAN_EVERY_SECONDS). The first worker is set
to kill itself (SIGKILL) in the middle of its batch; a second worker is started; every due
reminder must then be in the outbox exactly once, and further scans must send nothing.
"""

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from relationships.models import Mentorship
from surveys.models import Reminder, ReminderKind, ReminderScan, ReminderStatus
from tests.clock import subprocess_env
from tests.conftest import wait_for
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory
from tests.outbox import read

pytestmark = pytest.mark.django_db(transaction=True)

PAIRS = 12
CRASH_AFTER = 5
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


def _pairs_whose_first_meeting_is_overdue(count: int) -> set[str]:
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=org, slug="society", first_meeting_days=30)
    emails = set()
    with scopes_disabled():
        for index in range(count):
            mentor = MembershipFactory(organization=org, user__email=f"mentor{index}@example.org")
            mentee = MembershipFactory(organization=org, user__email=f"mentee{index}@example.org")
            Mentorship.objects.create(
                organization=org,
                program=program,
                mentor=mentor,
                mentee=mentee,
                origin="proposal",
                started_on=timezone.localdate() - timedelta(days=60),
                planned_end_on=timezone.localdate() + timedelta(days=300),
            )
            emails |= {mentor.user.email, mentee.user.email}
    return emails


def test_beat_and_worker_send_each_due_reminder_exactly_once_even_when_a_worker_dies(tmp_path):
    redis_url = _redis_url()
    from mentorship.celery import app

    app.control.purge()
    expected = _pairs_whose_first_meeting_is_overdue(PAIRS)
    outbox = tmp_path / "outbox"
    crash_flag = tmp_path / "crash-armed"
    crash_flag.touch()
    # The worker and beat start on this test's clock (tests/clock.py).
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
            "REMINDER_SCAN_EVERY_SECONDS": "2",
            "REMINDER_CLAIM_LEASE_SECONDS": "3",
            "PYTHONPATH": str(ROOT),
        }
    )
    worker_args = ["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    processes = []
    try:
        processes.append(_start(["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat")], env, tmp_path / "beat.log"))
        processes.append(first := _start([*worker_args, "-n", "first@%h"], env, tmp_path / "worker1.log"))

        # The first worker dies mid-batch, after CRASH_AFTER messages.
        wait_for(lambda: first.poll() is not None, timeout=90)
        assert first.returncode == -signal.SIGKILL
        assert len(read(outbox)) == CRASH_AFTER
        with scopes_disabled():
            assert Reminder.objects.filter(status=ReminderStatus.SENDING).exists()

        processes.append(second := _start([*worker_args, "-n", "second@%h"], env, tmp_path / "worker2.log"))

        def all_sent() -> bool:
            with scopes_disabled():
                return Reminder.objects.filter(status=ReminderStatus.SENT).count() == len(expected)

        wait_for(all_sent, timeout=90)
        wait_for(lambda: len(read(outbox)) >= len(expected), timeout=30)

        # More scans run and find nothing new to send.
        with scopes_disabled():
            scans_before = ReminderScan.objects.filter(finished_at__isnull=False).count()
        wait_for(
            lambda: ReminderScan.objects.filter(finished_at__isnull=False).count() >= scans_before + 2,
            timeout=60,
        )
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
    assert all("first meeting" in m["subject"].lower() for m in messages)
    assert all("/o/western/mentorships/" in m["body"] for m in messages)
    with scopes_disabled():
        rows = Reminder.objects.all()
        assert rows.count() == len(expected)
        assert {r.kind for r in rows} == {ReminderKind.FIRST_MEETING_MISSED}
        assert {r.status for r in rows} == {ReminderStatus.SENT}
        # The rows the dead worker had claimed were claimed again, by the second worker.
        assert rows.filter(attempts__gte=2).count() == len(expected) - CRASH_AFTER
