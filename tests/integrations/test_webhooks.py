"""Webhooks (issue 20): each domain event, emitted by its real service, becomes one signed
delivery to a real HTTP receiver on loopback; failures are retried, logged and eventually turn
the webhook off; the SSRF guard; another organization sees nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from agreements.services import agreement as agreement_services
from integrations import urlguard
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from integrations.services import webhooks as services
from mentorship.exceptions import ServiceError
from programs.models import GoalArea, Notification, Role
from programs.services import applications as apps
from relationships.services import endings, lifecycle
from surveys.services import reports
from tests.factories import (
    EligibilityRuleFactory,
    GoalAreaFactory,
    MembershipFactory,
    ProgramFactory,
    dana_and_nia,
)
from tests.integrations.support import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

ALL_EVENTS = [name for name, _ in services.EVENT_CHOICES]
META = {"ip": "203.0.113.7", "user_agent": "pytest"}
FREE_TEXT = "SECRET-FREE-TEXT"


def register(coordinator, receiver, events=None) -> Webhook:
    with scope(organization=coordinator.organization):
        webhook = services.webhook_create(actor=coordinator, url=receiver.url, events=events or ALL_EVENTS)
    receiver.secret = webhook.secret
    return webhook


def deliveries(webhook, **filters):
    with scopes_disabled():
        return list(WebhookDelivery.objects.filter(webhook=webhook, **filters).order_by("pk"))


# --- The five events, each from its real service ---------------------------------------------------


def _submit_application(org):
    program = ProgramFactory(organization=org, slug="society")
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["member", "candidate"])
    GoalAreaFactory(program=program, name="Leadership")
    mentee = MembershipFactory(organization=org)
    with scopes_disabled():
        area_ids = list(GoalArea.objects.filter(program=program).values_list("pk", flat=True))
    data = apps.ApplicationData(
        goals_statement=FREE_TEXT,
        goal_area_ids=area_ids,
        meeting_modes=["video"],
        principles_accepted=True,
        capacity=1,
    )
    with scope(organization=org):
        application = apps.application_start(actor=mentee, program=program, role=Role.MENTEE)
        application = apps.application_save(actor=mentee, application=application, data=data, submit=True)
        # A later save of the submitted application is an update, not a second event.
        apps.application_save(actor=mentee, application=application, data=data, submit=True)
    return {"application": application.pk, "program": "society", "membership": mentee.pk}


def _start_relationship(org):
    program = ProgramFactory(organization=org)
    mentor, mentee = MembershipFactory(organization=org), MembershipFactory(organization=org)
    with scope(organization=org):
        mentorship = lifecycle.mentorship_start(program=program, mentor=mentor, mentee=mentee, origin="proposal")
    return {"mentorship": mentorship.pk, "program": program.slug, "mentor_id": mentor.pk, "mentee_id": mentee.pk}


def _end_relationship(org):
    pair = dana_and_nia(org, program={"slug": "society"})
    with scope(organization=org):
        endings.mentorship_end_no_fault(actor=pair.mentor, mentorship=pair)
    return {"mentorship": pair.pk, "status": "ended", "end_reason": "no_fault"}


def _sign_agreement(org):
    pair = dana_and_nia(org, program={"slug": "society"})
    with scope(organization=org):
        agreement = agreement_services.agreement_start(actor=pair.mentee, mentorship=pair)
        content = {s["key"]: FREE_TEXT for s in agreement.sections if s.get("editable")}
        agreement = agreement_services.draft_save(
            actor=pair.mentee, agreement=agreement, content=content, revision=agreement.revision
        )
        for actor in (pair.mentor, pair.mentee):
            agreement_services.consent_to_sign(actor=actor, request_meta=META)
            agreement_services.agreement_sign(
                actor=actor,
                agreement=agreement,
                typed_name=actor.user.full_name,
                confirm=True,
                revision=agreement.revision,
                request_meta=META,
            )
    return {"agreement": agreement.pk, "mentorship": pair.pk, "program": "society", "version": 1}


def _submit_report(org):
    program = ProgramFactory(organization=org, slug="society", quarterly_reports=True)
    pair = dana_and_nia(org, program=program, started_on="2025-01-01")
    with scope(organization=org):
        report = reports.report_save(
            actor=pair.mentee,
            mentorship=pair,
            year=2026,
            quarter=4,
            goals_achieved=FREE_TEXT,
            next_plans=FREE_TEXT,
            barriers=FREE_TEXT,
            revision=0,
        )
        for actor in (pair.mentee, pair.mentor):
            reports.report_confirm(actor=actor, report=report, revision=report.revision)
    return {"report": report.pk, "mentorship": pair.pk, "program": "society", "quarter": "Q4 2026"}


SOURCES = {
    "application.submitted": _submit_application,
    "relationship.started": _start_relationship,
    "relationship.ended": _end_relationship,
    "agreement.signed": _sign_agreement,
    "report.submitted": _submit_report,
}


@pytest.mark.parametrize("event", list(SOURCES))
def test_each_event_from_its_real_service_is_one_signed_delivery(
    event, org_a, coordinator_a, receiver, django_capture_on_commit_callbacks
):
    webhook = register(coordinator_a, receiver)
    other = register(coordinator_a, Receiver(), events=[e for e in ALL_EVENTS if e != event])  # not subscribed
    with django_capture_on_commit_callbacks(execute=True):
        expected = SOURCES[event](org_a)
    sent = [r for r in receiver.requests if r["headers"]["x-mentorship-event"] == event]
    assert len(sent) == 1, [r["headers"]["x-mentorship-event"] for r in receiver.requests]
    request = sent[0]
    assert request["valid"]  # the receiver's HMAC and timestamp check
    body = request["body"]
    assert body["event"] == event and body["organization"] == org_a.slug
    for key, value in expected.items():
        assert body["data"][key] == value, key
    assert FREE_TEXT not in request["raw"].decode()  # ids and metadata only
    (delivery,) = deliveries(webhook, event=event)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.response_status == 200 and delivery.response_body == "thanks"
    assert request["headers"]["x-mentorship-delivery"] == str(delivery.pk)
    assert body["id"] == str(delivery.event_id)
    assert not deliveries(other, event=event)


def test_a_rolled_back_change_emits_nothing(org_a, coordinator_a, receiver, django_capture_on_commit_callbacks):
    from django.db import transaction

    webhook = register(coordinator_a, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _start_relationship(org_a)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert receiver.requests == [] and deliveries(webhook) == []


def test_a_tampered_body_fails_the_receivers_check():
    from integrations import signing

    headers = signing.headers(secret="whsec_x", body=b'{"a":1}', event="ping", delivery_id=1)
    stamp, sent = headers["X-Mentorship-Timestamp"], headers["X-Mentorship-Signature"]
    assert signing.verify("whsec_x", stamp, sent, b'{"a":1}')
    assert not signing.verify("whsec_x", stamp, sent, b'{"a":2}')
    assert not signing.verify("whsec_y", stamp, sent, b'{"a":1}')
    old = str(int(stamp) - 301)
    assert not signing.verify("whsec_x", old, signing.signature("whsec_x", int(old), b'{"a":1}'), b'{"a":1}')


# --- Retries, the log and turning off ---------------------------------------------------------------


def test_a_500_is_retried_then_succeeds(org_a, coordinator_a, django_capture_on_commit_callbacks):
    with Receiver(statuses=[500, 502]) as receiver:
        webhook = register(coordinator_a, receiver)
        with django_capture_on_commit_callbacks(execute=True):
            _start_relationship(org_a)
    (delivery,) = deliveries(webhook)
    assert [r["headers"]["x-mentorship-delivery"] for r in receiver.requests] == [str(delivery.pk)] * 3
    assert len({r["body"]["id"] for r in receiver.requests}) == 1
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_the_last_failure_is_logged_with_the_answer_and_turns_the_webhook_off(
    org_a, coordinator_a, client, django_capture_on_commit_callbacks
):
    with Receiver(statuses=[500] * 20, body="database is down") as receiver:
        webhook = register(coordinator_a, receiver)
        with django_capture_on_commit_callbacks(execute=True):
            _start_relationship(org_a)
        first = deliveries(webhook)[0]
        assert first.status == DeliveryStatus.FAILED and first.attempts == 4  # 1 + three retries
        assert first.response_status == 500 and "database is down" in first.response_body
        with scopes_disabled():
            assert Webhook.objects.get(pk=webhook.pk).is_active  # one failure so far
        with django_capture_on_commit_callbacks(execute=True):
            _start_relationship(org_a)
    with scopes_disabled():
        webhook.refresh_from_db()
        assert not webhook.is_active and webhook.disabled_at is not None and webhook.failure_count == 2
        notice = Notification.objects.get(recipient=coordinator_a)
    assert "turned off" in notice.title and notice.path.endswith(f"/settings/webhooks/{webhook.pk}/deliveries/")
    client.force_login(coordinator_a.user)
    page = client.get(notice.path)
    assert page.status_code == 200
    assert b"database is down" in page.content and b"HTTP 500" in page.content and b"4 attempts" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        _start_relationship(org_a)  # off: no new delivery
    assert len(deliveries(webhook)) == 2


def test_a_redirect_is_not_followed(org_a, coordinator_a, django_capture_on_commit_callbacks):
    with Receiver(statuses=[302]) as receiver:
        webhook = register(coordinator_a, receiver)
        with scope(organization=org_a), django_capture_on_commit_callbacks(execute=True):
            services.webhook_ping(actor=coordinator_a, webhook=webhook)
    (delivery,) = deliveries(webhook)
    assert len(receiver.requests) == 1  # a ping is tried once, the redirect never followed
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status == 302


def test_ping_redeliver_rotate_and_toggle(org_a, coordinator_a, receiver, django_capture_on_commit_callbacks):
    webhook = register(coordinator_a, receiver)
    with scope(organization=org_a), django_capture_on_commit_callbacks(execute=True):
        ping = services.webhook_ping(actor=coordinator_a, webhook=webhook)
        again = services.delivery_redeliver(actor=coordinator_a, delivery=ping)
    assert [r["body"]["event"] for r in receiver.requests] == ["ping", "ping"]
    assert again.event_id == ping.event_id and again.pk != ping.pk
    old_secret = webhook.secret
    with scope(organization=org_a):
        rotated = services.webhook_rotate_secret(actor=coordinator_a, webhook=webhook)
        assert rotated.secret != old_secret and rotated.secret.startswith("whsec_")
        receiver.secret = rotated.secret
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_ping(actor=coordinator_a, webhook=webhook)
        assert receiver.requests[-1]["valid"]
        services.webhook_set_active(actor=coordinator_a, webhook=webhook, active=False)
        with pytest.raises(ServiceError):
            services.webhook_ping(actor=coordinator_a, webhook=webhook)
        services.webhook_delete(actor=coordinator_a, webhook=webhook)
    with scopes_disabled():
        assert not Webhook.objects.filter(pk=webhook.pk).exists()
        assert not WebhookDelivery.objects.filter(webhook_id=webhook.pk).exists()


def test_the_secret_is_encrypted_at_rest(org_a, coordinator_a, receiver):
    from django.db import connection

    webhook = register(coordinator_a, receiver)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_webhook WHERE id = %s", [webhook.pk])
        (stored,) = cursor.fetchone()
    assert webhook.secret not in stored


# --- The SSRF guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost:8000/hook",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_private_addresses_are_refused_outside_development(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    problem = urlguard.refusal(url)
    assert problem and ("private" in problem or "could not be found" in problem)


def test_only_http_and_https_and_https_outside_development(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    assert urlguard.refusal("ftp://example.org/") and urlguard.refusal("file:///etc/passwd")
    assert urlguard.refusal("gopher://example.org/") and urlguard.refusal("https://user:pw@93.184.215.14/")
    assert urlguard.refusal("https://93.184.215.14/hook") is None  # a public address
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    assert "https" in urlguard.refusal("http://93.184.215.14/hook")


def test_the_form_refuses_a_loopback_url(settings, client, coordinator_a):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/settings/webhooks/add/", {"url": "http://127.0.0.1:9/hook", "events": ["relationship.started"]}
    )
    assert response.status_code == 200
    assert "private, loopback or reserved" in response.content.decode()
    with scopes_disabled():
        assert not Webhook.objects.exists()


def test_delivery_time_refuses_an_address_that_became_private(
    settings, org_a, coordinator_a, receiver, django_capture_on_commit_callbacks
):
    webhook = register(coordinator_a, receiver)  # saved while allowed (say DNS pointed elsewhere)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with scope(organization=org_a), django_capture_on_commit_callbacks(execute=True):
        services.webhook_ping(actor=coordinator_a, webhook=webhook)
    (delivery,) = deliveries(webhook)
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.FAILED and delivery.error.startswith("Refused:")


# --- Pages, isolation, bounded queries -------------------------------------------------------------


def test_coordinator_pages(client, org_a, coordinator_a, receiver, django_capture_on_commit_callbacks):
    client.force_login(coordinator_a.user)
    assert b"/settings/webhooks/" in client.get("/o/alpha/settings/").content
    response = client.post("/o/alpha/settings/webhooks/add/", {"url": receiver.url, "events": ALL_EVENTS[:2]})
    assert response.status_code == 302
    with scopes_disabled():
        webhook = Webhook.objects.get()
    assert webhook.events == ALL_EVENTS[:2] and webhook.created_by == coordinator_a
    listing = client.get("/o/alpha/settings/webhooks/").content.decode()
    assert webhook.secret in listing  # shown once...
    assert webhook.secret not in client.get("/o/alpha/settings/webhooks/").content.decode()  # ...and only once
    receiver.secret = webhook.secret
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/o/alpha/settings/webhooks/{webhook.pk}/ping/").status_code == 302
    assert receiver.requests[0]["valid"]
    log = client.get(f"/o/alpha/settings/webhooks/{webhook.pk}/deliveries/").content.decode()
    assert "Succeeded" in log and "HTTP 200" in log
    edit = client.post(f"/o/alpha/settings/webhooks/{webhook.pk}/", {"url": receiver.url, "events": ALL_EVENTS})
    assert edit.status_code == 302
    with scopes_disabled():
        assert Webhook.objects.get().events == ALL_EVENTS


def test_bad_input_gets_messages_not_errors(client, coordinator_a):
    client.force_login(coordinator_a.user)
    for data in ({}, {"url": "not a url", "events": ["nope"]}, {"url": "javascript:alert(1)", "events": []}):
        response = client.post("/o/alpha/settings/webhooks/add/", data)
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode()
    with scopes_disabled():
        assert not Webhook.objects.exists()


def test_another_organization_cannot_see_or_touch_a_webhook(
    client, org_a, org_b, coordinator_a, coordinator_b, receiver
):
    webhook = register(coordinator_a, receiver)
    member = MembershipFactory(organization=org_a)
    client.force_login(coordinator_b.user)
    base = f"/o/alpha/settings/webhooks/{webhook.pk}"
    for url in ("/o/alpha/settings/webhooks/", f"{base}/", f"{base}/deliveries/"):
        assert client.get(url).status_code == 404
    for url in (f"{base}/ping/", f"{base}/rotate/", f"{base}/delete/", f"{base}/toggle/"):
        assert client.post(url).status_code == 404
    # B's coordinator in B's own pages with A's id: not found either.
    assert client.get(f"/o/{org_b.slug}/settings/webhooks/{webhook.pk}/deliveries/").status_code == 404
    assert client.post(f"/o/{org_b.slug}/settings/webhooks/{webhook.pk}/delete/").status_code == 404
    client.force_login(member.user)
    assert client.get("/o/alpha/settings/webhooks/").status_code in (403, 404)
    with scopes_disabled():
        assert Webhook.objects.filter(pk=webhook.pk, is_active=True).exists()
    with scope(organization=org_b), pytest.raises(PermissionDenied):
        services.webhook_delete(actor=coordinator_b, webhook=webhook)


def test_the_delivery_log_runs_a_bounded_number_of_queries(
    client, org_a, coordinator_a, receiver, django_assert_max_num_queries
):
    webhook = register(coordinator_a, receiver)
    with scopes_disabled():
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(organization=org_a, webhook=webhook, event="ping", payload={}, response_body="x" * 2000)
            for _ in range(60)
        )
    client.force_login(coordinator_a.user)
    client.get(f"/o/alpha/settings/webhooks/{webhook.pk}/deliveries/")
    with django_assert_max_num_queries(20):
        page = client.get(f"/o/alpha/settings/webhooks/{webhook.pk}/deliveries/?page=2")
    assert page.status_code == 200 and page.content.decode().count("data-delivery=") == 25


def test_a_delivery_connects_to_the_address_that_was_checked(settings, monkeypatch, receiver):
    """DNS rebinding: the host name is resolved once, checked, and that address is used."""
    from integrations.services import delivery as delivery_service

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(urlguard, "resolve", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(urlguard, "address_refused", lambda address: False)  # pretend it is public
    port = receiver.server.server_address[1]
    outcome = delivery_service.send(f"http://hooks.example.invalid:{port}/hook", b"{}", {"X-Test": "1"})
    assert outcome.status == 401  # it arrived (unsigned, so the receiver refused it)
    assert receiver.requests[0]["headers"]["host"] == f"hooks.example.invalid:{port}"


def test_tls_to_a_plain_receiver_is_an_error_on_the_log_not_a_crash(receiver):
    from integrations.services import delivery as delivery_service

    port = receiver.server.server_address[1]
    outcome = delivery_service.send(f"https://127.0.0.1:{port}/hook", b"{}", {})
    assert not outcome.ok and outcome.error and outcome.status is None


def test_the_sweep_queues_again_a_delivery_whose_message_was_lost(
    org_a, coordinator_a, receiver, django_capture_on_commit_callbacks, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.services import delivery as delivery_service

    webhook = register(coordinator_a, receiver)
    with scopes_disabled():
        lost = WebhookDelivery.objects.create(organization=org_a, webhook=webhook, event="ping", payload={"id": "x"})
        crashed = WebhookDelivery.objects.create(
            organization=org_a, webhook=webhook, event="ping", payload={"id": "y"}, attempts=1
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_service.sweep() == 0  # not overdue yet
    time_machine.move_to(timezone.now() + timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_service.sweep() == 2
    with scopes_disabled():
        lost.refresh_from_db()
        crashed.refresh_from_db()
    assert lost.status == DeliveryStatus.SUCCEEDED and lost.attempts == 1
    assert crashed.status == DeliveryStatus.FAILED and "never reported back" in crashed.error  # a ping: one attempt
    assert len(receiver.requests) == 1
