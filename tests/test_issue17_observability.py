"""Issue 17, observability: JSON request logs with ids and no personal text, the request id,
/metrics (who may read it, the latency histogram, the Celery queue length and the reminder
lag) and the readiness probe (/readyz) next to the liveness probe (/healthz)."""

import io
import json
import logging
import os
import socket
from datetime import timedelta

import pytest
from celery import shared_task
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship import observability
from surveys.models import Reminder, ReminderKind, ReminderScan, ReminderStatus
from tests.conftest import wait_for
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.clock("2026-11-20 09:00")

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server)")


@pytest.fixture
def json_log():
    """The JSON lines the console handler writes during the test (LOG_FORMAT=json with DEBUG off)."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, observability.JsonLogFormatter))
    stream = io.StringIO()
    previous = handler.setStream(stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    handler.setStream(previous)


@pytest.fixture
def member(db):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    return MembershipFactory(organization=org, user__email="alice.private@example.com", user__full_name="Alice Zed")


def _request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "mentorship.request"]


# --- Logs -------------------------------------------------------------------------------------


def test_request_line_has_ids_and_no_personal_text(client, member, json_log):
    client.force_login(member.user)
    response = client.get("/o/western/programs/?q=alice.private%40example.com&name=Alice+Zed")
    assert response.status_code == 200
    [line] = _request_lines(json_log())
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["organization"] == "western"
    assert line["organization_id"] == member.organization_id
    assert line["membership_id"] == member.pk
    assert line["user_id"] == member.user_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/o/western/programs/", 200)
    assert line["duration_ms"] >= 0
    assert {"time", "level", "logger", "message"} <= line.keys()
    everything = json.dumps(json_log())
    for personal in ("alice.private", "example.com", "Alice", "Zed", "q=", "?"):
        assert personal not in everything, personal


def test_lines_logged_inside_the_view_carry_the_request_id(rf, member, json_log):
    def view(request):
        logging.getLogger("programs.test").warning("inside the view, for %s", "bob@example.org")
        return HttpResponse("ok")

    def tenancy(request):  # what TenancyMiddleware does, then Django calls process_view
        request.organization, request.membership = member.organization, member
        middleware.process_view(request, view, (), {})
        return view(request)

    middleware = observability.RequestLogMiddleware(tenancy)
    response = middleware(rf.get("/o/western/programs/", HTTP_X_REQUEST_ID="edge-7f3a"))
    assert response["X-Request-ID"] == "edge-7f3a"
    lines = json_log()
    [inside] = [line for line in lines if line["logger"] == "programs.test"]
    assert inside["request_id"] == "edge-7f3a"
    assert inside["organization_id"] == member.organization_id
    assert inside["membership_id"] == member.pk
    assert inside["message"] == "inside the view, for [email]"
    assert _request_lines(lines)[0]["request_id"] == "edge-7f3a"
    assert observability.log_context.get() is None  # nothing leaks into the next request


@pytest.mark.parametrize(
    "value", ["a b", "x" * 129, "abc\ndef", '{"forged": 1}', "-leading-dash", "élan", "alice@example.com"]
)
def test_an_unsafe_request_id_is_replaced(client, db, json_log, value):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=value)
    request_id = response["X-Request-ID"]
    assert request_id != value and len(request_id) == 32 and request_id.isalnum()
    assert _request_lines(json_log())[0]["request_id"] == request_id


def test_a_safe_request_id_is_echoed(client, db):
    value = "9b2f6c1e-5d4a-4f7e-8a31-0c6d2e9f1b47"
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=value)["X-Request-ID"] == value


def test_a_credential_in_the_path_is_masked(client, db, json_log):
    client.get("/invitations/s3cretInvitationToken123/")
    [line] = _request_lines(json_log())
    assert "s3cretInvitationToken123" not in json.dumps(json_log())
    assert line["path"] == "/invitations/[redacted]/"


def test_extra_attributes_are_not_written(json_log, rf):
    """Django's 'request' extra (its repr holds the query string) never reaches the line."""
    request = rf.get("/o/x/?q=carol@example.net")
    logging.getLogger("django.request").warning("Not Found: %s", request.path, extra={"request": request})
    [line] = [line for line in json_log() if line["logger"] == "django.request"]
    assert "request" not in line and "carol" not in json.dumps(line)


def test_a_task_logs_with_its_id_and_the_request_id_that_queued_it():
    seen = {}

    @shared_task(name="tests.issue17_probe")
    def probe():
        context = observability.log_context.get()
        seen.update(request_id=context.request_id, task_id=context.task_id, task=context.task)

    token = observability.log_context.set(observability.LogContext(request_id="req-42"))
    try:
        result = probe.delay()
    finally:
        observability.log_context.reset(token)
    assert seen == {"request_id": "req-42", "task_id": result.id, "task": "tests.issue17_probe"}
    headers = {}
    token = observability.log_context.set(observability.LogContext(request_id="req-43"))
    try:
        observability.stamp_task_headers(headers=headers)
    finally:
        observability.log_context.reset(token)
    assert headers == {observability.TASK_REQUEST_ID_HEADER: "req-43"}


SEEN_BY_WORKER: dict = {}


@shared_task(name="tests.issue17_worker_probe")
def worker_probe() -> None:
    context = observability.log_context.get()
    SEEN_BY_WORKER.update(request_id=context.request_id, task_id=context.task_id, task=context.task)


def test_a_real_worker_gets_the_request_id_in_the_message_headers(celery_worker):
    SEEN_BY_WORKER.clear()
    token = observability.log_context.set(observability.LogContext(request_id="req-worker-7"))
    try:
        result = worker_probe.delay()
    finally:
        observability.log_context.reset(token)
    wait_for(lambda: SEEN_BY_WORKER)
    assert {"request_id": "req-worker-7", "task_id": result.id, "task": "tests.issue17_worker_probe"} == SEEN_BY_WORKER


@pytest.mark.parametrize(
    ("debug", "value", "expected"),
    [("0", None, "json"), ("1", None, "plain"), ("0", "plain", "plain"), ("1", "json", "json")],
)
def test_log_format_defaults(debug, value, expected, monkeypatch):
    import importlib

    import mentorship.settings as real_settings

    monkeypatch.setenv("DEBUG", debug)
    if value is None:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("LOG_FORMAT", value)
    try:
        assert expected == importlib.reload(real_settings).LOG_FORMAT
    finally:
        monkeypatch.undo()
        importlib.reload(real_settings)


# --- /metrics ---------------------------------------------------------------------------------


def test_metrics_is_404_from_a_public_address_without_the_token(client, db):
    with override_settings(METRICS_TOKEN="t0ken-for-tests"):
        assert client.get("/metrics", REMOTE_ADDR="93.184.216.34").status_code == 404
        assert client.get("/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    with override_settings(METRICS_TOKEN=""):
        assert client.get("/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(BEHIND_TLS_PROXY=True, ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_metrics_through_the_proxy_is_judged_by_the_client_address(client, db):
    """Behind the proxy every connection is private; the client's own address decides."""
    assert client.get("/metrics", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="93.184.216.34").status_code == 404
    assert (
        client.get("/metrics", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="10.0.0.9, 93.184.216.34").status_code
        == 404
    )


def test_metrics_with_the_token_and_from_private_addresses(client, db):
    with override_settings(METRICS_TOKEN="t0ken-for-tests", ALLOWED_HOSTS=["example.org"], SECURE_SSL_REDIRECT=True):
        response = client.get(
            "/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer t0ken-for-tests", HTTP_HOST="web:8000"
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        for address in ("127.0.0.1", "10.1.2.3", "172.20.0.4", "192.168.1.10", "::1"):
            assert client.get("/metrics", REMOTE_ADDR=address, HTTP_HOST="web:8000").status_code == 200, address


def _metric(text: str, name: str, labels: str = "") -> float | None:
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_holds_the_latency_histogram_and_the_reminder_lag(client, member):
    client.force_login(member.user)
    client.get("/o/western/programs/")
    now = timezone.now()
    with scopes_disabled():
        for age_minutes, status in ((90, ReminderStatus.PENDING), (30, ReminderStatus.SENDING), (600, "sent")):
            Reminder.objects.create(
                organization=member.organization,
                recipient=member,
                kind=ReminderKind.CHECKIN,
                key=f"test:{age_minutes}",
                due_on=now.date(),
                path="/",
                status=status,
                created_at=now - timedelta(minutes=age_minutes),
            )
        ReminderScan.objects.create(
            today=now.date(), started_at=now - timedelta(hours=3), finished_at=now - timedelta(hours=2)
        )
    text = client.get("/metrics").content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'view="program_list"' in text
    lag = _metric(text, "mentorship_reminder_lag_seconds")
    assert lag is not None and 90 * 60 <= lag < 90 * 60 + 60  # the oldest waiting one, not the sent one
    scan_age = _metric(text, "mentorship_reminder_scan_age_seconds")
    assert scan_age is not None and 2 * 3600 <= scan_age < 2 * 3600 + 60
    if not (REDIS_URL and str(observability.settings.CELERY_BROKER_URL).startswith("redis")):
        assert "mentorship_celery_queue_length" not in text  # no Redis broker: absent, not a false 0


def test_reminder_lag_is_zero_when_nothing_waits(client, db):
    text = client.get("/metrics").content.decode()
    assert _metric(text, "mentorship_reminder_lag_seconds") == 0.0
    assert _metric(text, "mentorship_reminder_scan_age_seconds") is None


@needs_redis
def test_metrics_counts_the_messages_in_the_celery_queue(client, db):
    import redis

    queue = "issue17-test-queue"
    store = redis.Redis.from_url(REDIS_URL)
    store.delete(queue, f"{queue}\x06\x163")
    try:
        store.rpush(queue, *[f"m{n}" for n in range(7)])
        store.rpush(f"{queue}\x06\x163", "high")
        with override_settings(CELERY_BROKER_URL=REDIS_URL, CELERY_TASK_DEFAULT_QUEUE=queue):
            text = client.get("/metrics").content.decode()
        assert _metric(text, "mentorship_celery_queue_length", f'{{queue="{queue}"}}') == 8.0
    finally:
        store.delete(queue, f"{queue}\x06\x163")
        store.close()


def test_queue_length_is_absent_when_redis_is_down(client, db):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.get("/metrics")
    assert response.status_code == 200
    assert "mentorship_celery_queue_length" not in response.content.decode()


# --- /readyz and /healthz --------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_key() -> str:
    return "postgres" if connection.vendor == "postgresql" else connection.vendor


@override_settings(REDIS_URL=None)
def test_readyz_is_200_when_the_database_answers(client, db):
    with override_settings(ALLOWED_HOSTS=["example.org"], SECURE_SSL_REDIRECT=True):
        response = client.get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {_database_key(): "ok"}
    assert client.get("/healthz").content == b"ok"


@override_settings(REDIS_URL=None)
def test_readyz_is_503_when_the_database_is_unreachable(client, db, monkeypatch):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db" (10.0.0.3), port 5432 failed: password=hunter2')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {_database_key(): "unavailable"}
    assert b"hunter2" not in response.content and b"5432" not in response.content
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the database


def test_readiness_gives_up_on_a_database_host_that_never_answers():
    """A PostgreSQL host that takes the connection and never answers (a hung server, dropped
    packets) fails the readiness check after DATABASE_CONNECT_TIMEOUT seconds instead of
    holding the probe (and every request) for the system's TCP timeout: production settings,
    in a process of their own, against a port that listens and stays silent."""
    from tests.test_settings import _manage  # production settings in a process of their own

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        # _manage's timeout (120 s): without a connect timeout the check would wait until killed.
        result = _manage(
            "shell",
            "-c",
            "from mentorship.observability import readiness; print('READINESS', readiness())",
            DEBUG="0",
            SECRET_KEY="readiness-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL="https://mentorship.example.org",
            FIELD_ENCRYPTION_KEYS="cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItdGhlLXRzdCE=",
            AGREEMENT_SIGNING_KEY=os.environ["AGREEMENT_SIGNING_KEY"],
            AGREEMENT_SIGNING_CERT=os.environ["AGREEMENT_SIGNING_CERT"],
            DATABASE_URL=f"postgres://mentorship@127.0.0.1:{silent.getsockname()[1]}/mentorship",
            DATABASE_CONNECT_TIMEOUT="1",
            REDIS_URL="",
        )
    assert "READINESS {'postgres': 'unavailable'}" in result.stdout, result.stdout + result.stderr


def test_readyz_is_503_when_redis_is_down(client, db):
    with override_settings(REDIS_URL=f"redis://:s3cret@127.0.0.1:{_closed_port()}/0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {_database_key(): "ok", "redis": "unavailable"}
    assert b"s3cret" not in response.content


@needs_redis
def test_readyz_names_redis_when_it_answers(client, db):
    with override_settings(REDIS_URL=REDIS_URL):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {_database_key(): "ok", "redis": "ok"}


def test_middleware_order():
    from django.conf import settings

    # The app's own stack (CI's HTML capture, tests/settings.py, wraps it from outside).
    stack = [name for name in settings.MIDDLEWARE if not name.startswith("tests.")]
    assert stack[0] == "django_prometheus.middleware.PrometheusBeforeMiddleware"
    assert stack[-1] == "mentorship.observability.PrometheusAfterMiddleware"
    assert all("django_prometheus" not in db["ENGINE"] for db in settings.DATABASES.values())
