from integrations.models.calendar import CalendarFeed
from integrations.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery

__all__ = ["CalendarFeed", "DeliveryStatus", "Webhook", "WebhookDelivery"]
