"""One attempt at a webhook delivery (issue 20), run by ``integrations.deliver_webhook``.

The body is the delivery's stored payload as compact JSON, signed with the webhook's secret
(``integrations.signing``) and POSTed with a short timeout; redirects are not followed (a 3xx
is a failure) and the URL passes the SSRF guard again first. A 2xx is success. Anything else
is retried after ``WEBHOOK_RETRY_DELAYS`` (a ping is tried once); after the last attempt the
delivery failed, and ``WEBHOOK_DISABLE_AFTER_FAILURES`` failed deliveries in a row turn the
webhook off and tell the organization's coordinators."""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
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


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx: a failure, never followed


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def send(url: str, body: bytes, headers: dict) -> Outcome:
    problem = urlguard.refusal(url)
    if problem:
        return Outcome(error=f"Refused: {problem}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only: refusal)
    started = time.monotonic()
    try:
        with OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read(BODY_LIMIT)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(BODY_LIMIT) if error.fp else b""
    except (OSError, ValueError) as error:  # refused, timed out, TLS, a bad URL
        return Outcome(ms=int((time.monotonic() - started) * 1000), error=str(error)[:500] or type(error).__name__)
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
