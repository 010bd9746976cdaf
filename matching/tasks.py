from celery import shared_task
from django_scopes import scopes_disabled

from matching.services import expire_requests


@shared_task(name="matching.expire_requests")
def expire_requests_task() -> int:
    """Hourly (beat): expire unanswered requests; each is claimed once, so reruns are safe."""
    with scopes_disabled():  # runs across organizations; each request is handled on its own
        return expire_requests()
