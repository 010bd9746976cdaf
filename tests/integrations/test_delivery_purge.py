"""Finished webhook deliveries (payloads, the receivers' answers) are deleted after
WEBHOOK_DELIVERY_RETENTION_DAYS by a daily beat task (security review of issue 20)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from integrations.models import DeliveryStatus, WebhookDelivery
from integrations.services import delivery as delivery_service
from integrations.services import webhooks as services
from integrations.tasks import purge_webhook_deliveries

pytestmark = pytest.mark.django_db


def _webhook(coordinator):
    with scope(organization=coordinator.organization):
        return services.webhook_create(
            actor=coordinator, url="https://hooks.example.org/in", events=["relationship.started"]
        )


def _delivery(webhook, status, days_ago, marker):
    with scopes_disabled():
        return WebhookDelivery.objects.create(
            organization_id=webhook.organization_id,
            webhook=webhook,
            event="ping",
            payload={"marker": marker},
            status=status,
            response_body=f"answer {marker}",
            created_at=timezone.now() - timedelta(days=days_ago),
        )


def _left():
    with scopes_disabled():
        return set(WebhookDelivery.objects.values_list("payload__marker", flat=True))


@pytest.mark.clock("2026-11-23 09:00")
def test_finished_deliveries_past_the_retention_are_purged(settings, coordinator_a, coordinator_b):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 90
    own, other = _webhook(coordinator_a), _webhook(coordinator_b)
    _delivery(own, DeliveryStatus.SUCCEEDED, 91, "old-ok")
    _delivery(own, DeliveryStatus.FAILED, 200, "old-failed")
    _delivery(other, DeliveryStatus.SUCCEEDED, 120, "other-org-old")  # every organization's
    _delivery(own, DeliveryStatus.SUCCEEDED, 89, "recent-ok")
    _delivery(own, DeliveryStatus.FAILED, 10, "recent-failed")
    _delivery(own, DeliveryStatus.PENDING, 300, "old-pending")  # not finished: kept
    _delivery(own, DeliveryStatus.RETRYING, 300, "old-retrying")
    purge_webhook_deliveries.delay()
    assert _left() == {"recent-ok", "recent-failed", "old-pending", "old-retrying"}
    # A shorter retention, from the setting.
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    assert delivery_service.purge_finished() == 1
    assert _left() == {"recent-failed", "old-pending", "old-retrying"}
    with scopes_disabled():  # the webhooks themselves stay
        assert {own.pk, other.pk} <= set(own.__class__.objects.values_list("pk", flat=True))


@pytest.mark.clock("2026-11-23 09:00")
def test_the_purge_goes_in_batches_and_the_clock_decides(settings, coordinator_a, time_machine):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 90
    webhook = _webhook(coordinator_a)
    for n in range(7):
        _delivery(webhook, DeliveryStatus.SUCCEEDED, 80, f"batch-{n}")
    assert delivery_service.purge_finished(batch=3) == 0  # 80 days old: kept
    time_machine.move_to(timezone.now() + timedelta(days=11))
    assert delivery_service.purge_finished(batch=3) == 7
    assert _left() == set()
    assert delivery_service.purge_finished(batch=3) == 0


def test_the_purge_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-webhook-deliveries"]
    assert entry["task"] == "integrations.purge_webhook_deliveries"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {45}
    assert settings.WEBHOOK_DELIVERY_RETENTION_DAYS == 90
