"""Observability: structured logs with a request id, Prometheus metrics and the readiness probe.

- **Logs.** ``RequestLogMiddleware`` gives each request an id (the incoming ``X-Request-ID``
  when it is a safe token, else a new one), echoes it in the response, and writes one line
  per request: method, path (never the query string; credentials in the path, such as an
  emailed token, are masked), the URL's name, status and duration, with the organization,
  membership and user as ids. ``JsonLogFormatter`` writes a record as one JSON object of
  known fields only, with the request id and those ids of the request (or of the Celery
  task it queued) that logged it (``LOG_FORMAT=json``, the
  production default). Extra attributes loggers attach (Django's ``request``, whose repr
  holds the query string) are never written, and email addresses are masked.
- **Metrics** (``/metrics``, answered by ``mentorship.middleware.HealthCheckMiddleware``):
  django-prometheus's request metrics, plus the Celery queue length read from Redis and the
  gauges higher apps register with ``register_gauge`` (surveys: the reminder lag). Open to
  loopback and private addresses, or with ``Authorization: Bearer $METRICS_TOKEN``; 404 to
  anyone else.
- **Readiness** (``/readyz``): 200 when the database answers ``SELECT 1`` and Redis (when
  ``REDIS_URL`` is set) answers PING, else 503 naming what failed. ``/healthz`` stays the
  cheap liveness check.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass

import django_prometheus.middleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.utils.functional import SimpleLazyObject
from django_prometheus.utils import Time, TimeSince
from pythonjsonlogger.json import JsonFormatter

from mentorship.clientaddr import client_ip

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("mentorship.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming X-Request-ID may be: a token a proxy or client made (a UUID, nginx's
# $request_id), nothing that could forge a log line or carry text.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
# URL arguments that are credentials (emailed tokens, allauth's reset and confirmation keys).
SECRET_URL_KWARGS = frozenset({"token", "key", "uidb36", "message_id"})
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


# --- The context of a log line --------------------------------------------------------------


@dataclass(slots=True)
class LogContext:
    request_id: str = ""
    organization: str = ""
    organization_id: int | None = None
    membership_id: int | None = None
    user_id: int | None = None
    task_id: str = ""
    task: str = ""


log_context: ContextVar[LogContext | None] = ContextVar("log_context", default=None)
CONTEXT_FIELDS = ("request_id", "organization", "organization_id", "membership_id", "user_id", "task_id", "task")
# Fields the request line adds (``extra=``); the JSON line holds these and nothing else.
REQUEST_FIELDS = ("method", "path", "view", "status", "duration_ms")


def context_value(record: logging.LogRecord, context: LogContext | None, field: str):
    value = getattr(record, field, None)
    if value is None and context is not None:
        value = getattr(context, field)
    return value


def mask_emails(text: str) -> str:
    return EMAIL.sub("[email]", text) if "@" in text else text


def safe_message(record: logging.LogRecord) -> str:
    """The message, with the request's path masked where Django's own lines quote it
    (django.request's "Not Found: /invitations/<token>/")."""
    message = record.getMessage()
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str) and path and path in message:
        message = message.replace(path, loggable_path(request))
    return message


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line, of known fields only: time, level, logger, message, the
    context ids, the request line's fields and the traceback. Email addresses are masked."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = self.formatTime(record, self.datefmt)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = mask_emails(safe_message(record))
        # Formatting runs in the thread (and context) that logged: the request's or task's ids.
        context = log_context.get()
        for field in CONTEXT_FIELDS:
            value = context_value(record, context, field)
            if value not in (None, ""):
                log_data[field] = value
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value not in (None, ""):
                log_data[field] = value
        if message_dict.get("exc_info"):
            log_data["exc_info"] = mask_emails(str(message_dict["exc_info"]))
        if message_dict.get("stack_info"):
            log_data["stack_info"] = str(message_dict["stack_info"])

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # ISO 8601 in UTC with milliseconds: 2026-11-20T09:00:00.123Z
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


# --- The request line -------------------------------------------------------------------------


def request_id_for(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if incoming and SAFE_REQUEST_ID.match(incoming) else os.urandom(16).hex()


def loggable_path(request: HttpRequest) -> str:
    """The path without the query string, credentials in it masked."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None and match.kwargs:
        for name in SECRET_URL_KWARGS.intersection(match.kwargs):
            value = str(match.kwargs[name])
            if value:
                path = path.replace(value, "[redacted]")
    return mask_emails(path)


def signed_in_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request already loaded the user; never a query."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = request.__dict__.get("_cached_user")  # what AuthenticationMiddleware's lazy user loaded
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def fill_context(context: LogContext, request: HttpRequest) -> None:
    organization = getattr(request, "organization", None)
    if organization is not None:
        context.organization = organization.slug
        context.organization_id = organization.pk
    membership = getattr(request, "membership", None)
    if membership is not None:
        context.membership_id = membership.pk
    context.user_id = signed_in_user_id(request)


class RequestLogMiddleware:
    """The request id, and one log line per request (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        context = LogContext(request_id=request_id_for(request))
        request.request_id = context.request_id
        token = log_context.set(context)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = context.request_id
            fill_context(context, request)
            status = response.status_code
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(request)
            match = getattr(request, "resolver_match", None)
            request_logger.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "%s %s %s %sms",
                request.method,
                path,
                status,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "view": match.view_name if match is not None else "",
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            log_context.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The tenancy middleware has resolved the organization by now: lines the view logs carry it.
        context = log_context.get()
        if context is not None:
            fill_context(context, request)
        return None


class PrometheusAfterMiddleware(django_prometheus.middleware.PrometheusAfterMiddleware):
    """django-prometheus's last middleware, keeping what we read: the latency histogram by
    view and method, and the responses by status, view and method. Two labelled updates a
    request instead of about twelve (bytes, charsets, transports, template names)."""

    def process_request(self, request):
        request.prometheus_after_middleware_event = Time()

    def process_template_response(self, request, response):
        return response

    def process_response(self, request, response):
        view = self._get_view_name(request)
        method = self._method(request)
        self.metrics.responses_by_status_view_method.labels(
            status=str(response.status_code), view=view, method=method
        ).inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is not None:
            self.metrics.requests_latency_by_view_method.labels(view=view, method=method).observe(TimeSince(started))
        return response


# --- Celery: the request id travels with the task ------------------------------------------------

TASK_REQUEST_ID_HEADER = "mentorship_request_id"
running_tasks: dict[str, Token] = {}


def stamp_task_headers(headers: dict | None = None, **kwargs) -> None:
    """before_task_publish: the request (or task) that queues a task passes its id on."""
    context = log_context.get()
    if headers is not None and context is not None and context.request_id:
        headers.setdefault(TASK_REQUEST_ID_HEADER, context.request_id)


def enter_task(task_id: str | None = None, task=None, **kwargs) -> None:
    """task_prerun: lines a task logs carry its id, its name and the request id that queued it."""
    outer = log_context.get()
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_REQUEST_ID_HEADER, None) or (
        (getattr(request, "headers", None) or {}).get(TASK_REQUEST_ID_HEADER)
    )
    context = LogContext(
        request_id=request_id or (outer.request_id if outer is not None else ""),  # eager: the caller's
        task_id=task_id or "",
        task=getattr(task, "name", "") or "",
    )
    if task_id:
        running_tasks[task_id] = log_context.set(context)


def leave_task(task_id: str | None = None, **kwargs) -> None:
    token = running_tasks.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            log_context.reset(token)
        except ValueError:  # set in another context (a pool that moved the task): just clear
            log_context.set(None)


def connect_task_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(stamp_task_headers, dispatch_uid="mentorship.observability.stamp")
    task_prerun.connect(enter_task, dispatch_uid="mentorship.observability.enter")
    task_postrun.connect(leave_task, dispatch_uid="mentorship.observability.leave")


# --- Metrics -------------------------------------------------------------------------------------

# name -> (help text, a function returning the value, or None when there is none to report).
gauges: dict[str, tuple[str, Callable[[], float | None]]] = {}


def register_gauge(name: str, documentation: str, read: Callable[[], float | None]) -> None:
    """A gauge read at each scrape of /metrics; higher apps register theirs in AppConfig.ready."""
    gauges[name] = (documentation, read)


# kombu's Redis transport keeps a queue's messages of priority 0 under the queue's name and the
# other priority steps under "<queue>\x06\x16<step>".
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
KOMBU_PRIORITY_SEP = "\x06\x16"


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def celery_queue_names() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"}
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        names.add(getattr(queue, "name", queue))
    return sorted(names)


def celery_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue, read from the Redis broker; None without one."""
    url = settings.CELERY_BROKER_URL or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    queues = celery_queue_names()
    try:
        with redis_client(url) as client:
            pipe = client.pipeline(transaction=False)
            for queue in queues:
                for step in KOMBU_PRIORITY_STEPS:
                    pipe.llen(queue if step == 0 else f"{queue}{KOMBU_PRIORITY_SEP}{step}")
            counts = pipe.execute()
    except Exception as error:  # Redis down: the gauge is absent, /readyz says why
        logger.warning("Celery queue length unavailable: %s", type(error).__name__)
        return None
    per_queue = len(KOMBU_PRIORITY_STEPS)
    return {queue: sum(counts[i * per_queue : (i + 1) * per_queue]) for i, queue in enumerate(queues)}


class OperationsCollector:
    """The gauges computed at scrape time (a prometheus_client custom collector)."""

    def collect(self) -> Iterator:
        from prometheus_client.core import GaugeMetricFamily

        lengths = celery_queue_lengths()
        if lengths is not None:
            family = GaugeMetricFamily(
                "mentorship_celery_queue_length",
                "Messages waiting in the Celery queue (Redis broker).",
                labels=["queue"],
            )
            for queue, length in lengths.items():
                family.add_metric([queue], length)
            yield family
        for name, (documentation, read) in list(gauges.items()):
            try:
                value = read()
            except Exception as error:
                logger.warning("Metric %s unavailable: %s", name, type(error).__name__)
                continue
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)


def metrics_text() -> bytes:
    """django-prometheus's metrics (all gunicorn workers' with PROMETHEUS_MULTIPROC_DIR), then ours."""
    import prometheus_client
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    ours = prometheus_client.CollectorRegistry(auto_describe=False)
    ours.register(OperationsCollector())
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(ours)


PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


def is_private_address(address: str | None) -> bool:
    """Loopback or a private network (RFC 1918, IPv6 unique local): where a scraper runs."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in PRIVATE_NETWORKS if network.version == ip.version)


def has_metrics_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").strip().encode(), expected.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not (has_metrics_token(request) or is_private_address(client_ip(request))):
        return HttpResponseNotFound("Not found", content_type="text/plain")
    from prometheus_client import CONTENT_TYPE_LATEST

    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


# --- Readiness -----------------------------------------------------------------------------------


def check_database() -> bool:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("Readiness: the database did not answer (%s)", type(error).__name__)
        return False
    return True


def check_redis(url: str) -> bool:
    try:
        with redis_client(url) as client:
            client.ping()
    except Exception as error:
        logger.warning("Readiness: Redis did not answer (%s)", type(error).__name__)
        return False
    return True


def database_name() -> str:
    from django.db import connection

    return {"postgresql": "postgres"}.get(connection.vendor, connection.vendor)


def readiness() -> dict[str, str]:
    """Each dependency and whether it answered ("ok" / "unavailable"); no detail, no secret."""
    checks = {database_name(): "ok" if check_database() else "unavailable"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if check_redis(settings.REDIS_URL) else "unavailable"
    return checks


def readiness_view(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(checks, status=200 if ready else 503, json_dumps_params={"sort_keys": True})
    response["Cache-Control"] = "no-store"
    return response
