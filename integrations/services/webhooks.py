"""Coordinators' webhooks (issue 20): register, edit, rotate the secret, turn off and on,
delete, send a ping, redeliver; and the listener that turns a domain event into one delivery
per subscribed webhook, each queued for ``integrations.deliver_webhook``."""

import uuid

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from integrations import signing, urlguard
from integrations.models import Webhook, WebhookDelivery
from integrations.models.webhooks import EVENT_CHOICES, PING
from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from programs.models import Membership, Organization
from programs.services.access import require_coordinator
from programs.services.audit import audit

EVENTS = [name for name, _label in EVENT_CHOICES]
MAX_WEBHOOKS = 20


def queue_delivery(delivery: WebhookDelivery, *, attempt: int, countdown: float = 0) -> None:
    """Queue the delivery's ``attempt`` once the transaction commits."""
    task = registered_task("integrations.deliver_webhook")
    transaction.on_commit(lambda: task.apply_async((delivery.pk, attempt), countdown=countdown or None))


def _clean(url: str, events: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    errors = {}
    problem = urlguard.refusal(url) if url else "Enter the URL to send the events to."
    if problem:
        errors["url"] = problem
    events = [event for event in EVENTS if event in set(events or [])]
    if not events:
        errors["events"] = "Choose at least one event to send."
    if errors:
        raise ServiceError.from_errors(errors)
    return url, events


def _lock(actor: Membership, webhook: Webhook) -> Webhook:
    require_coordinator(actor, webhook.organization)
    return Webhook.objects.select_for_update().get(pk=webhook.pk, organization_id=actor.organization_id)


def _envelope(organization: Organization, event: str, data: dict, event_id: uuid.UUID) -> dict:
    return {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.now(),
        "organization": organization.slug,
        "data": data,
    }


@transaction.atomic
def webhook_create(*, actor: Membership, url: str, events: list[str]) -> Webhook:
    """A new webhook with a fresh secret (the caller shows ``webhook.secret`` once)."""
    organization = actor.organization
    require_coordinator(actor, organization)
    url, events = _clean(url, events)
    if Webhook.objects.filter(organization=organization).count() >= MAX_WEBHOOKS:
        raise ServiceError(f"An organization has at most {MAX_WEBHOOKS} webhooks: delete one you no longer use.")
    webhook = Webhook.objects.create(
        organization=organization, url=url, events=events, secret=signing.new_secret(), created_by=actor
    )
    audit(organization=organization, actor=actor.user, action="webhook.created", summary="Registered a webhook")
    return webhook


@transaction.atomic
def webhook_update(*, actor: Membership, webhook: Webhook, url: str, events: list[str]) -> Webhook:
    webhook = _lock(actor, webhook)
    webhook.url, webhook.events = _clean(url, events)
    webhook.save(update_fields=["url", "events"])
    audit(organization=webhook.organization, actor=actor.user, action="webhook.updated", summary="Edited a webhook")
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor: Membership, webhook: Webhook) -> Webhook:
    """A new secret at once; the old one stops signing (the caller shows the new one once)."""
    webhook = _lock(actor, webhook)
    webhook.secret = signing.new_secret()
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret", "secret_rotated_at"])
    audit(
        organization=webhook.organization,
        actor=actor.user,
        action="webhook.secret_rotated",
        summary="Rotated a webhook's signing secret",
    )
    return webhook


@transaction.atomic
def webhook_set_active(*, actor: Membership, webhook: Webhook, active: bool) -> Webhook:
    """Turn it off, or on again (which forgets the failures that turned it off)."""
    webhook = _lock(actor, webhook)
    webhook.is_active = active
    if active:
        webhook.failure_count, webhook.disabled_at = 0, None
    webhook.save(update_fields=["is_active", "failure_count", "disabled_at"])
    verb = "Turned on" if active else "Turned off"
    audit(organization=webhook.organization, actor=actor.user, action="webhook.toggled", summary=f"{verb} a webhook")
    return webhook


@transaction.atomic
def webhook_delete(*, actor: Membership, webhook: Webhook) -> None:
    webhook = _lock(actor, webhook)
    webhook.delete()
    audit(organization=actor.organization, actor=actor.user, action="webhook.deleted", summary="Deleted a webhook")


@transaction.atomic
def webhook_ping(*, actor: Membership, webhook: Webhook) -> WebhookDelivery:
    """A "ping" delivery, tried once, to check the receiver and its signature check."""
    webhook = _lock(actor, webhook)
    if not webhook.is_active:
        raise ServiceError("Turn the webhook on before sending it a ping.")
    event_id = uuid.uuid4()
    payload = _envelope(webhook.organization, PING, {"webhook": webhook.pk}, event_id)
    delivery = WebhookDelivery.objects.create(
        organization=webhook.organization, webhook=webhook, event=PING, event_id=event_id, payload=payload
    )
    queue_delivery(delivery, attempt=1)
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor: Membership, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event again (same event id, so a receiver can tell), as a new delivery."""
    webhook = _lock(actor, delivery.webhook)
    if not webhook.is_active:
        raise ServiceError("Turn the webhook on before redelivering to it.")
    again = WebhookDelivery.objects.create(
        organization=webhook.organization,
        webhook=webhook,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
    )
    queue_delivery(again, attempt=1)
    return again


def on_domain_event(organization_id: int, event: str, data: dict) -> None:
    """The ``mentorship.domain_events`` listener: one delivery per active webhook that
    subscribed to ``event``, each queued once this commits."""
    with scopes_disabled(), transaction.atomic():
        # An organization has a handful of webhooks: chosen here rather than with a JSON
        # ``contains`` lookup, which SQLite (``make run``) does not have.
        webhooks = [
            webhook
            for webhook in Webhook.objects.filter(organization_id=organization_id, is_active=True)
            .select_related("organization")
            .order_by("pk")
            if event in webhook.events
        ]
        if not webhooks:
            return
        event_id = uuid.uuid4()
        payload = _envelope(webhooks[0].organization, event, data, event_id)
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                organization_id=organization_id, webhook=webhook, event=event, event_id=event_id, payload=payload
            )
            for webhook in webhooks
        )
        for delivery in deliveries:
            queue_delivery(delivery, attempt=1)
