"""A webhook delivery through a real Celery worker (issue 20): the first attempt gets a 500,
the retry is queued with its backoff on the broker and succeeds."""

import pytest
from django_scopes import scope, scopes_disabled

from integrations.models import DeliveryStatus, WebhookDelivery
from integrations.services import webhooks as services
from relationships.services import lifecycle
from tests.conftest import wait_for
from tests.factories import MembershipFactory, ProgramFactory
from tests.integrations.support import Receiver


@pytest.mark.django_db(transaction=True)
def test_a_retry_with_backoff_through_a_real_worker(celery_worker, org_a, coordinator_a):
    with Receiver(statuses=[500], body="try later") as receiver:
        with scope(organization=org_a):
            webhook = services.webhook_create(actor=coordinator_a, url=receiver.url, events=["relationship.started"])
        receiver.secret = webhook.secret
        program = ProgramFactory(organization=org_a)
        mentor, mentee = MembershipFactory(organization=org_a), MembershipFactory(organization=org_a)
        with scope(organization=org_a):
            mentorship = lifecycle.mentorship_start(program=program, mentor=mentor, mentee=mentee, origin="proposal")

        def delivered():
            with scopes_disabled():
                return WebhookDelivery.objects.filter(webhook=webhook, status=DeliveryStatus.SUCCEEDED).first()

        wait_for(delivered, timeout=60)
    delivery = delivered()
    assert [r["valid"] for r in receiver.requests] == [True, True]
    assert receiver.requests[0]["body"]["data"]["mentorship"] == mentorship.pk
    assert delivery.attempts == 2 and delivery.response_status == 200
