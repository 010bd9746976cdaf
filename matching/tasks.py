from celery import shared_task
from django_scopes import scopes_disabled

from matching.services.requests import expire_requests


@shared_task(name="matching.expire_requests")
def expire_requests_task() -> int:
    """Hourly (beat): expire unanswered requests; each is claimed once, so reruns are safe."""
    with scopes_disabled():  # runs across organizations; each request is handled on its own
        return expire_requests()


@shared_task(name="matching.run_match_round", acks_late=True)
def run_match_round(match_round_id: int) -> None:
    """Run one match round (claimed with a conditional update, so a redelivery is a no-op)."""
    from django_scopes import scope

    from matching.models import MatchRound
    from matching.services.rounds import run_round

    with scopes_disabled():
        organization = MatchRound.objects.values_list("organization", flat=True).get(pk=match_round_id)
    from programs.models import Organization

    with scope(organization=Organization.objects.get(pk=organization)):
        run_round(match_round_id)
