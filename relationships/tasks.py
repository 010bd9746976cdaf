"""Background work for relationships: the new-message email, sent a little after the message
and only if it is still unread then (``relationships.services.messages.email_if_unread``)."""

from celery import shared_task


@shared_task(name="relationships.message_email", acks_late=True)
def message_email_task(notification_id: int, message_id: int) -> bool:
    from relationships.services.messages import email_if_unread

    return email_if_unread(notification_id, message_id)
