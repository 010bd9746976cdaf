"""The security review of the API (issue 20 follow-up): a sealed PDF downloaded through the
API is logged on the agreement's trail as the web download is, and a token stops working,
reads included, once its maker is no longer an active coordinator."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from agreements.models import AgreementEvent
from api.models import ApiToken
from matching.models import MatchRound
from programs.models import Membership
from tests.api.world import make_token
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_an_api_pdf_download_is_logged_on_the_agreements_trail(client, api_world):
    own, _ = api_world
    token, secret = make_token(own.coordinator, scopes=["agreements:read"], name="Records archive")
    agreement_id = own.ids["agreement"]
    with scopes_disabled():
        before = set(AgreementEvent.objects.filter(agreement_id=agreement_id).values_list("pk", flat=True))
    response = client.get(
        f"/api/v1/agreements/{agreement_id}/pdf",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_USER_AGENT="archive-bot/1.0",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    with scopes_disabled():
        new = list(AgreementEvent.objects.filter(agreement_id=agreement_id).exclude(pk__in=before))
    assert len(new) == 1
    event = new[0]
    assert event.kind == "downloaded"
    assert event.actor_id == own.coordinator.pk  # the token's maker
    assert event.organization_id == own.organization.pk
    assert "Records archive" in event.detail and token.prefix in event.detail and "API" in event.detail
    assert event.user_agent == "archive-bot/1.0"
    assert event.ip_address == "203.0.113.9"
    # Reading the agreement's status writes nothing.
    assert client.get(f"/api/v1/agreements/{agreement_id}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    with scopes_disabled():
        assert AgreementEvent.objects.filter(agreement_id=agreement_id).exclude(pk__in=before).count() == 1


def test_a_refused_pdf_download_logs_nothing(client, api_world):
    own, other = api_world
    _token, secret = make_token(own.coordinator, scopes=["agreements:read"])
    response = client.get(f"/api/v1/agreements/{other.ids['agreement']}/pdf", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 404
    _token, no_scope = make_token(own.coordinator, scopes=["members:read"])
    response = client.get(f"/api/v1/agreements/{own.ids['agreement']}/pdf", HTTP_AUTHORIZATION=f"Bearer {no_scope}")
    assert response.status_code == 403
    with scopes_disabled():
        assert not AgreementEvent.objects.filter(kind="downloaded").exists()


def _read(client, secret):
    return client.get("/api/v1/programs", HTTP_AUTHORIZATION=f"Bearer {secret}")


def _write(client, own, secret):
    return client.post(
        "/api/v1/rounds",
        f'{{"program_id": {own.ids["program"]}}}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def _assert_maker_gone(response):
    assert response.status_code == 401
    assert "no longer a coordinator" in response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"is_coordinator": False}, id="demoted"),
        pytest.param({"is_active": False}, id="membership-deactivated"),
        pytest.param("user", id="account-deactivated"),
        pytest.param("deleted", id="membership-deleted"),
    ],
)
def test_a_token_whose_maker_is_no_longer_a_coordinator_answers_401(client, api_world, change):
    own, _ = api_world
    token, secret = make_token(own.coordinator)
    assert _read(client, secret).status_code == 200
    with scopes_disabled():
        MembershipFactory(organization=own.organization, is_coordinator=True)  # someone still runs the place
        maker = Membership.objects.filter(pk=own.coordinator.pk)
        if change == "user":
            type(own.coordinator.user).objects.filter(pk=own.coordinator.user_id).update(is_active=False)
        elif change == "deleted":
            maker.delete()
        else:
            maker.update(**change)
    _assert_maker_gone(_read(client, secret))
    _assert_maker_gone(_write(client, own, secret))
    _assert_maker_gone(
        client.get(f"/api/v1/agreements/{own.ids['agreement']}/pdf", HTTP_AUTHORIZATION=f"Bearer {secret}")
    )
    with scopes_disabled():
        assert not AgreementEvent.objects.filter(kind="downloaded").exists()
        assert not MatchRound.objects.filter(program_id=own.ids["program"], status="queued").exists()
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # refused, not revoked: re-promotion restores it


def test_a_promoted_again_maker_gets_the_token_back(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    with scopes_disabled():
        MembershipFactory(organization=own.organization, is_coordinator=True)
        Membership.objects.filter(pk=own.coordinator.pk).update(is_coordinator=False)
    _assert_maker_gone(_read(client, secret))
    with scopes_disabled():
        Membership.objects.filter(pk=own.coordinator.pk).update(is_coordinator=True)
    assert _read(client, secret).status_code == 200


def test_the_maker_check_costs_no_query(client, api_world, django_assert_num_queries):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    _read(client, secret)  # last_used_at written once a minute: out of the way
    with scopes_disabled():
        Membership.objects.filter(pk=own.coordinator.pk).update(is_coordinator=False)
    with django_assert_num_queries(1):  # the token, its organization, its maker and their user: one query
        _assert_maker_gone(_read(client, secret))


def test_the_token_list_shows_a_token_whose_maker_left_as_inactive(client, api_world):
    own, _ = api_world
    make_token(own.coordinator, name="Old sync")
    with scopes_disabled():
        boss = MembershipFactory(organization=own.organization, is_coordinator=True)
        make_token(boss, name="New sync")
        Membership.objects.filter(pk=own.coordinator.pk).update(is_coordinator=False)
    client.force_login(boss.user)
    page = client.get(reverse("api_tokens", kwargs={"org_slug": own.organization.slug}))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("Inactive: its maker is no longer a coordinator") == 1
    rows = {row.split("</td>")[0].split(">")[-1]: row for row in text.split("<tr>")[2:]}
    assert "no longer a coordinator" in rows["Old sync"] and "no longer a coordinator" not in rows["New sync"]
    assert ">Active<" in rows["New sync"]
