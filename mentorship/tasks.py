from celery import shared_task

from mentorship.mail import send_now


@shared_task(
    name="mentorship.deliver_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def deliver_email(payload: dict) -> None:
    """Deliver one rendered email (see ``mentorship.mail``); retried on connection errors."""
    send_now(payload)
