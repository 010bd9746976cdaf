"""The integrations app's Celery tasks (issue 20)."""

from celery import shared_task

from integrations.services import delivery


@shared_task(name="integrations.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int, attempt: int = 1) -> None:
    """One attempt of a webhook delivery; a failure queues the next attempt itself, with its
    backoff (``WEBHOOK_RETRY_DELAYS``), so the broker holds the schedule."""
    delivery.deliver(delivery_id, attempt)


@shared_task(name="integrations.sweep_webhook_deliveries", ignore_result=True)
def sweep_webhook_deliveries() -> None:
    """Deliveries whose queued attempt was lost are queued again (every ten minutes)."""
    delivery.sweep()


@shared_task(name="integrations.purge_webhook_deliveries", ignore_result=True)
def purge_webhook_deliveries() -> None:
    """Finished deliveries older than ``WEBHOOK_DELIVERY_RETENTION_DAYS`` are deleted (daily)."""
    delivery.purge_finished()
