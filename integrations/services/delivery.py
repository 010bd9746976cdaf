"""One attempt at a webhook delivery (issue 20), run by ``integrations.deliver_webhook``.

The body is the delivery's stored payload as compact JSON, signed with the webhook's secret
(``integrations.signing``) and POSTed with a short timeout; redirects are not followed (a 3xx
is a failure) and the URL passes the SSRF guard again first. A 2xx is success. Anything else
is retried after ``WEBHOOK_RETRY_DELAYS`` (a ping is tried once); after the last attempt the
delivery failed, and ``WEBHOOK_DISABLE_AFTER_FAILURES`` failed deliveries in a row turn the
webhook off and tell the organization's coordinators."""

import http.client
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from integrations import signing, urlguard
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from integrations.models.webhooks import PING
from integrations.services.webhooks import queue_delivery
from programs.models import Membership, NotificationCategory, NotificationKind
from programs.services import notifications

logger = logging.getLogger(__name__)

BODY_LIMIT = 2048
FINAL = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


@dataclass
class Outcome:
    status: int | None = None
    body: str = ""
    ms: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the SSRF guard checked, whatever DNS answers now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above over TLS: the certificate is checked against the URL's host name (SNI)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def send(url: str, body: bytes, headers: dict) -> Outcome:
    """POST once, without following a redirect (http.client never does: a 3xx is an answer)."""
    problem, address = urlguard.check(url)
    if problem:
        return Outcome(error=f"Refused: {problem}")
    parts = urlsplit(url)
    https = parts.scheme == "https"
    connection_class = PinnedHTTPSConnection if https else PinnedHTTPConnection
    connection = connection_class(
        parts.hostname,
        parts.port or (443 if https else 80),
        address=address or parts.hostname,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        status, raw = response.status, response.read(BODY_LIMIT)
    except (OSError, http.client.HTTPException, ValueError) as error:  # refused, timed out, TLS, a bad answer
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(ms=elapsed, error=str(error)[:500] or type(error).__name__)
    finally:
        connection.close()
    ms = int((time.monotonic() - started) * 1000)
    return Outcome(status=status, body=raw.decode("utf-8", "replace")[:BODY_LIMIT], ms=ms)


def attempts_allowed(delivery: WebhookDelivery) -> int:
    return 1 if delivery.event == PING else len(settings.WEBHOOK_RETRY_DELAYS) + 1


def deliver(delivery_id: int, attempt: int) -> WebhookDelivery | None:
    """Make attempt number ``attempt`` (1-based) of the delivery, unless it was made already
    (a duplicate message) or the delivery is over."""
    with scopes_disabled():
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(of=("self",))
                .select_related("webhook")
                .filter(pk=delivery_id)
                .first()
            )
            if delivery is None or delivery.status in FINAL or delivery.attempts != attempt - 1:
                return delivery
            webhook = delivery.webhook
            if not webhook.is_active:
                delivery.status, delivery.error, delivery.next_attempt_at = DeliveryStatus.FAILED, "Webhook off.", None
                delivery.save(update_fields=["status", "error", "next_attempt_at"])
                return delivery
            delivery.attempts = attempt
            delivery.save(update_fields=["attempts"])
        body = body_of(delivery)
        outcome = send(
            webhook.url,
            body,
            signing.headers(secret=webhook.secret, body=body, event=delivery.event, delivery_id=delivery.pk),
        )
        return record(delivery, outcome)


def record(delivery: WebhookDelivery, outcome: Outcome) -> WebhookDelivery:
    with transaction.atomic():
        delivery.response_status, delivery.response_body = outcome.status, outcome.body
        delivery.response_ms, delivery.error = outcome.ms, outcome.error
        delivery.next_attempt_at = None
        if outcome.ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, timezone.now()
        elif delivery.attempts < attempts_allowed(delivery):
            delay = settings.WEBHOOK_RETRY_DELAYS[delivery.attempts - 1]
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            queue_delivery(delivery, attempt=delivery.attempts + 1, countdown=delay)
        else:
            delivery.status = DeliveryStatus.FAILED
        delivery.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "response_status",
                "response_body",
                "response_ms",
                "error",
            ]
        )
        if delivery.event != PING and delivery.status in FINAL:
            count_outcome(delivery.webhook_id, failed=delivery.status == DeliveryStatus.FAILED)
    return delivery


def count_outcome(webhook_id: int, *, failed: bool) -> None:
    """Failed deliveries in a row; at the limit the webhook is turned off and its
    organization's coordinators are told."""
    webhook = Webhook.objects.select_for_update().select_related("organization").get(pk=webhook_id)
    if not failed:
        if webhook.failure_count:
            Webhook.objects.filter(pk=webhook.pk).update(failure_count=0)
        return
    Webhook.objects.filter(pk=webhook.pk).update(failure_count=F("failure_count") + 1)
    webhook.refresh_from_db(fields=["failure_count"])
    if webhook.failure_count < settings.WEBHOOK_DISABLE_AFTER_FAILURES or not webhook.is_active:
        return
    webhook.is_active, webhook.disabled_at = False, timezone.now()
    webhook.save(update_fields=["is_active", "disabled_at"])
    path = reverse("webhook_deliveries", kwargs={"org_slug": webhook.organization.slug, "pk": webhook.pk})
    coordinators = Membership.objects.filter(organization=webhook.organization, is_active=True, is_coordinator=True)
    for coordinator in coordinators:
        notifications.notify(
            recipient=coordinator,
            kind=NotificationKind.OTHER,
            category=NotificationCategory.OBLIGATION,
            title=f"A webhook was turned off after {webhook.failure_count} failed deliveries in a row",
            path=path,
            key=f"webhook-disabled:{webhook.pk}",
        )
    logger.warning("Webhook %s turned off after %s failed deliveries", webhook.pk, webhook.failure_count)


def sweep(*, overdue_seconds: int = 15 * 60, limit: int = 500) -> int:
    """Queue again the deliveries whose next attempt is long overdue: the message was lost
    (the broker restarted, or a worker died in the middle of an attempt). The attempt number
    makes a message that was only late harmless: the first of the two to run makes it."""
    cutoff = timezone.now() - timedelta(seconds=overdue_seconds)
    with scopes_disabled():
        stale = list(
            WebhookDelivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
            .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, created_at__lt=cutoff))
            .order_by("pk")[:limit]
        )
        for delivery in stale:
            if delivery.attempts >= attempts_allowed(delivery):
                WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
                    status=DeliveryStatus.FAILED, error="The last attempt never reported back.", next_attempt_at=None
                )
            else:
                queue_delivery(delivery, attempt=delivery.attempts + 1)
    return len(stale)


PURGE_BATCH = 1000


def purge_finished(*, batch: int = PURGE_BATCH) -> int:
    """Delete the finished deliveries (succeeded or failed) made more than
    ``WEBHOOK_DELIVERY_RETENTION_DAYS`` ago, with their payloads and the receivers' answers,
    ``batch`` rows per statement so no long lock is held; pending and retrying ones stay
    whatever their age. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    finished = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
    purged = 0
    with scopes_disabled():
        while True:
            ids = list(
                WebhookDelivery.objects.filter(status__in=finished, created_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return purged
            deleted, _ = WebhookDelivery.objects.filter(pk__in=ids, status__in=finished, created_at__lt=cutoff).delete()
            purged += deleted
            if len(ids) < batch:
                return purged
