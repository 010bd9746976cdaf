"""What the API never says (a relationship's record), its rate limit, its audit trail, its
query bound on the members list, and writes going through the services."""

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from api.models import ApiToken
from matching.models import MatchRound
from programs.models import Application, AuditEvent, Membership, RosterImport
from tests.api import support
from tests.api.world import SECRET_TEXTS, make_token
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_no_answer_carries_the_text_of_a_relationships_record(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    bodies = b""
    for (method, path), _case in support.CASES.items():
        if method == "get":
            response = support.call(client, method, path, own.ids, secret)
            assert response.status_code == 200, path
            bodies += b"".join(response.streaming_content) if response.streaming else response.content
    assert bodies
    for text in SECRET_TEXTS:
        assert text.encode() not in bodies, text
    # The metadata is there: the meeting is counted.
    pair = client.get(f"/api/v1/relationships/{own.ids['relationship']}", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert pair["meeting_count"] == 1 and pair["status"] == "active"


@override_settings(API_RATE_LIMIT_PER_MINUTE=5)
def test_a_token_past_its_rate_limit_gets_429_with_retry_after(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    _other_token, other_secret = make_token(own.coordinator, name="Another")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    codes = [client.get("/api/v1/programs", **headers).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    limited = client.get("/api/v1/programs", **headers)
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 61
    assert "slow down" in limited.json()["detail"]
    # The limit is per token.
    assert client.get("/api/v1/programs", HTTP_AUTHORIZATION=f"Bearer {other_secret}").status_code == 200


def test_writes_are_audited_with_the_tokens_name(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator, name="Warehouse sync")
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="api_token.created", summary__contains="Warehouse sync").exists()
    before = set(AuditEvent.objects.with_scopes_disabled().values_list("pk", flat=True))
    for (method, path), case in support.CASES.items():
        response = support.call(client, method, path, own.ids, secret)
        assert response.status_code == case.status, path
    with scopes_disabled():
        new = AuditEvent.objects.exclude(pk__in=before)
        api_rows = list(new.filter(action__startswith="api.").values_list("action", "summary", "actor_id"))
        actions = sorted(action for action, _s, _a in api_rows)
        assert actions == [
            "api.application.decided",
            "api.match_round.started",
            "api.member.updated",
            "api.roster.confirmed",
            "api.roster.previewed",
        ]
        assert all(summary.startswith("API token “Warehouse sync”") for _a, summary, _u in api_rows)
        assert {actor for _a, _s, actor in api_rows} == {own.coordinator.user_id}
        # The services' own audit rows are there too (reads write none).
        assert {"membership.updated", "roster.previewed", "match_round.started"} <= set(
            new.values_list("action", flat=True)
        )
        # The writes went through the services: a queued round, a preview, the member's new roles.
        member = Membership.objects.get(pk=own.ids["member"])
        assert member.is_committee and member.status == "faculty"
        assert MatchRound.objects.filter(program_id=own.ids["program"], status="queued").exists()
        assert RosterImport.objects.get(pk=own.ids["import"]).status == "queued"
        assert Application.objects.get(pk=own.ids["application"]).status == "accepted"
        assert "application.accepted" in set(new.values_list("action", flat=True))


def test_a_write_is_refused_with_a_message_when_the_service_refuses(client, api_world):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    # The last coordinator cannot lose the role: the service's message, 400.
    response = client.patch(
        f"/api/v1/members/{own.coordinator.pk}", '{"is_coordinator": false}', content_type="application/json", **headers
    )
    assert response.status_code == 400 and "coordinator" in response.json()["detail"]
    bad = client.post(
        "/api/v1/roster-imports",
        '{"filename": "roster.txt", "content": "x"}',
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and "CSV" in bad.json()["detail"]
    # A token whose coordinator is no longer one is refused (401; tests/api/test_api_security.py).
    with scopes_disabled():
        MembershipFactory(organization=own.organization, is_coordinator=True)
        Membership.objects.filter(pk=own.coordinator.pk).update(is_coordinator=False)
    response = client.post(
        "/api/v1/rounds", f'{{"program_id": {own.ids["program"]}}}', content_type="application/json", **headers
    )
    assert response.status_code == 401


def test_last_used_is_kept_at_most_once_a_minute(client, api_world, django_assert_max_num_queries):
    own, _ = api_world
    token, secret = make_token(own.coordinator)
    assert token.last_used_at is None
    client.get("/api/v1/programs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    first = ApiToken.objects.with_scopes_disabled().get(pk=token.pk).last_used_at
    assert first is not None and first <= timezone.now()
    client.get("/api/v1/programs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ApiToken.objects.with_scopes_disabled().get(pk=token.pk).last_used_at == first


@pytest.mark.parametrize("size", [10, 60])
def test_the_members_list_runs_a_bounded_number_of_queries(client, api_world, size, django_assert_max_num_queries):
    own, _ = api_world
    _token, secret = make_token(own.coordinator)
    with scopes_disabled():
        for _ in range(size):
            MembershipFactory(organization=own.organization)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client.get("/api/v1/programs", **headers)  # last_used_at written: the minute's one write
    with django_assert_max_num_queries(2):  # the token, the page
        response = client.get("/api/v1/members", {"limit": 200}, **headers)
    assert len(response.json()["items"]) == size + 3


@pytest.mark.clock("2026-06-15 10:00")
def test_survey_results_release_only_what_the_anonymity_rules_release(client, api_world):
    """Fewer than 5 answers to the anonymous survey: the API says they are hidden and shows no
    figure and no written answer; with 5 or more in a month that is over, it shows them."""
    from datetime import date

    from surveys.models import Question, SurveyAnswer, SurveyResponse, SurveyWave
    from surveys.services.results import survey_results

    own, _ = api_world
    _token, secret = make_token(own.coordinator, scopes=["surveys:read"])
    with scopes_disabled():
        survey_id = own.ids["survey"]
        wave = SurveyWave.objects.filter(survey_id=survey_id).get()
        question = Question.objects.create(
            organization=own.organization, survey_id=survey_id, kind="text", text="Anything else?"
        )

        def answer(n: int) -> None:
            response = SurveyResponse.objects.create(
                organization=own.organization,
                survey_id=survey_id,
                wave=wave,
                role="mentee",
                submitted_on=date(2026, 5, 1),
            )
            SurveyAnswer.objects.create(
                organization=own.organization, response=response, question=question, text=f"WRITTEN-ANSWER-{n}"
            )

        for n in range(2):
            answer(n)
    url = f"/api/v1/surveys/{survey_id}/results"
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert body["hidden"] and body["questions"] == [] and b"WRITTEN-ANSWER" not in json_bytes(body)
    with scopes_disabled():
        for n in range(2, 6):
            answer(n)
        expected = survey_results(SurveyResponse.objects.first().survey)
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert body["hidden"] == "" and body["released"] == expected.released == 6
    [shown] = [q for q in body["questions"] if q["id"] == question.pk]
    assert sorted(shown["written_answers"]) == [f"WRITTEN-ANSWER-{n}" for n in range(6)]
    # A breakdown by role is what the results page would show for it, no more.
    by_role = client.get(url, {"role": "mentor"}, HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert b"WRITTEN-ANSWER" not in json_bytes(by_role)


def json_bytes(body) -> bytes:
    import json

    return json.dumps(body).encode()
