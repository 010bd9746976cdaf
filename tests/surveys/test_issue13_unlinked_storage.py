"""Issue 13, item 12: whoever reads the database cannot tell which anonymous response is
whose by the order or the time of the rows.

After several people answer at different times, the stored rows carry no value that orders
or dates them relative to the invitations: no timestamps (only the month, which the release
batches need), random ids in random order, encrypted texts whose tokens carry no time, and
invitations that say only *that* someone answered. The results still add up. Rows written
before this change are re-keyed and stripped by the migration.
"""

import base64
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scope, scopes_disabled

from mentorship.fields import PREFIX, decrypt, rotate
from surveys.models import Question, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse
from surveys.services import answers as answering
from surveys.services import results
from surveys.services import surveys as builder
from surveys.services import waves as wave_services
from tests.factories import MembershipFactory, MentorshipFactory, ProgramFactory

START = datetime(2026, 5, 4, 9, tzinfo=UTC)
PEOPLE = 10


def _fernet_time(stored: str) -> int:
    token = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
    return int.from_bytes(token[1:9], "big")


def _raw_rows(model) -> list[dict]:
    """The rows exactly as stored (no decryption), every column."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _monotonic(values: list) -> bool:
    return values == sorted(values) or values == sorted(values, reverse=True)


def _assert_nothing_follows(rows_in_answer_order: list[dict], what: str, answers=()) -> None:
    """No column but the ``answers`` themselves orders the rows the way people answered: a
    column is the same for all of them, or its values (all distinct) follow no order."""
    for column in rows_in_answer_order[0]:
        if column in answers:
            continue
        values = [str(row[column]) for row in rows_in_answer_order]
        if len(set(values)) == 1:
            continue
        assert len(set(values)) == len(values), f"{what}.{column} groups the answers: {values}"
        assert not _monotonic(values), f"{what}.{column} follows the order of the answers: {values}"


@pytest.mark.django_db
def test_anonymous_answers_given_at_different_times_carry_no_order_or_time(coordinator_a):
    org = coordinator_a.organization
    with time_machine.travel(START, tick=False):
        program = ProgramFactory(organization=org, six_month_assessment=False)
        with scopes_disabled():
            for _ in range(PEOPLE):
                MentorshipFactory(program=program)
        with scope(organization=org):
            survey = builder.survey_create(
                actor=coordinator_a,
                title="May check",
                intro="",
                program=program,
                audience="mentees",
                anonymous=True,
                schedule="once",
                interval_months=None,
                opens_on=START.date(),
                open_days=21,
            )
            builder.question_add(actor=coordinator_a, survey=survey, kind="likert", text="Helpful?")
            builder.question_add(actor=coordinator_a, survey=survey, kind="text", text="What happened?")
            builder.survey_activate(actor=coordinator_a, survey=survey)
        assert wave_services.open_due_waves(START.date()) == PEOPLE
    with scopes_disabled():
        likert, text = Question.objects.filter(survey=survey).order_by("position")
        invitations = list(SurveyInvitation.objects.filter(wave__survey=survey).select_related("membership"))
        before = {row["id"]: row for row in SurveyInvitation.objects.filter(wave__survey=survey).values()}

    # Ten people answer one after the other, on different days and hours of May.
    for number, invitation in enumerate(invitations):
        moment = START + timedelta(days=number * 2, hours=number, minutes=7 * number)
        with time_machine.travel(moment, tick=False), scope(organization=org):
            answering.survey_submit(
                actor=invitation.membership,
                invitation=invitation,
                answers={likert.pk: str(1 + number % 5), text.pk: f"Answer number {number}"},
            )

    with scopes_disabled():
        after = {row["id"]: row for row in SurveyInvitation.objects.filter(wave__survey=survey).values()}
        listed = list(SurveyResponse.objects.filter(survey=survey))  # the order the app lists them in
    # The invitations: a flag, nothing else changed (no day, nothing pointing at a response).
    for pk, row in after.items():
        changed = {name for name, value in row.items() if before[pk][name] != value}
        assert changed == {"answered"} and row["answered"] is True and row["responded_on"] is None

    # No column of a response or an answer dates it, beyond the month the batches need.
    for model, allowed in ((SurveyResponse, {"submitted_on"}), (SurveyAnswer, set())):
        dated = {
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateField | models.DateTimeField | models.TimeField)
        }
        assert dated == allowed, model
        assert isinstance(model._meta.pk, models.UUIDField), model
    responses = _raw_rows(SurveyResponse)
    answers = _raw_rows(SurveyAnswer)
    assert {str(r["submitted_on"]) for r in responses} == {"2026-05-01"}
    assert {uuid.UUID(str(r["id"])).version for r in responses + answers} == {4}

    # Put the stored rows in the order people answered (the text says who was nth), and
    # check that no column, nor the order the app lists them in, follows it.
    text_rows = {r["response_id"]: r for r in answers if r["question_id"] == text.pk}
    order = {
        uuid.UUID(str(response_id)): int(decrypt(row["text"]).rsplit(" ", 1)[1])
        for response_id, row in text_rows.items()
    }
    by_answer = sorted(responses, key=lambda r: order[uuid.UUID(str(r["id"]))])
    _assert_nothing_follows(by_answer, "surveyresponse")
    for question in (likert, text):
        rows = [r for r in answers if r["question_id"] == question.pk]
        rows.sort(key=lambda r: order[uuid.UUID(str(r["response_id"]))])
        _assert_nothing_follows(rows, f"surveyanswer (question {question.pk})", answers=("number", "choices"))
    assert not _monotonic([order[r.pk] for r in listed])
    # The cipher texts carry no time (a Fernet token dates itself to the second otherwise).
    assert {_fernet_time(r["text"]) for r in answers if r["text"]} == {0}
    assert {_fernet_time(rotate(r["text"])) for r in answers if r["text"]} == {0}  # a key rotation keeps it so

    # And the results add up, once May is over.
    with time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=UTC), tick=False), scope(organization=org):
        result = results.survey_results(survey)
    assert (result.respondents, result.released, result.hidden) == (PEOPLE, PEOPLE, "")
    helpful, written = result.questions
    assert helpful.answered == PEOPLE and helpful.mean == sum(1 + n % 5 for n in range(PEOPLE)) / PEOPLE
    assert written.texts == sorted(f"Answer number {n}" for n in range(PEOPLE))


@pytest.mark.django_db(transaction=True)
def test_the_migration_rekeys_existing_answers_and_drops_their_dates():
    """Rows stored the old way (numbered ids, the day answered, dated tokens) come out of
    the migration re-keyed, without the day, with tokens dated 0, still adding up."""
    organization = MembershipFactory().organization
    program = ProgramFactory(organization=organization)
    people = [MembershipFactory(organization=organization) for _ in range(6)]
    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0002_reminder_handed_out")])
    old = executor.loader.project_state([("surveys", "0002_reminder_handed_out")]).apps
    Survey_, Question_, Wave, Invitation, Response, Answer = (
        old.get_model("surveys", name)
        for name in ("Survey", "Question", "SurveyWave", "SurveyInvitation", "SurveyResponse", "SurveyAnswer")
    )
    made = {}
    with time_machine.travel(datetime(2026, 3, 9, 14, 30, tzinfo=UTC), tick=False):
        for anonymous in (True, False):
            survey = Survey_.objects.create(
                organization_id=organization.pk,
                title=f"{'Anonymous' if anonymous else 'Named'} survey",
                anonymous=anonymous,
                status="active",
                opens_on=date(2026, 3, 1),
            )
            question = Question_.objects.create(
                organization_id=organization.pk, survey=survey, position=1, kind="text", text="How is it going?"
            )
            wave = Wave.objects.create(
                organization_id=organization.pk, survey=survey, opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 30)
            )
            for day, person in enumerate(people[:3], start=10):
                Invitation.objects.create(
                    organization_id=organization.pk,
                    wave=wave,
                    membership_id=person.pk,
                    role="mentee",
                    program_id=program.pk,
                    token=f"{anonymous}-{person.pk}",
                    responded_on=date(2026, 3, day),
                )
                response = Response.objects.create(
                    organization_id=organization.pk,
                    survey=survey,
                    wave=wave,
                    respondent_id=None if anonymous else person.pk,
                    role="mentee",
                    program_id=program.pk,
                    submitted_on=date(2026, 3, day),
                )
                Answer.objects.create(
                    organization_id=organization.pk, response=response, question=question, text=f"Day {day}"
                )
            Invitation.objects.create(
                organization_id=organization.pk,
                wave=wave,
                membership_id=people[3].pk,
                role="mentee",
                program_id=program.pk,
                token=f"{anonymous}-unanswered",
            )
            made[anonymous] = survey.pk
    made_at = int(datetime(2026, 3, 9, 14, 30, tzinfo=UTC).timestamp())
    assert {_fernet_time(r["text"]) for r in _raw_rows(Answer)} == {made_at}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with scopes_disabled():
        for anonymous, survey_pk in made.items():
            survey = Survey.objects.get(pk=survey_pk)
            invitations = SurveyInvitation.objects.filter(wave__survey=survey)
            assert invitations.filter(answered=True).count() == 3
            assert invitations.filter(answered=False).get().token.endswith("unanswered")
            responses = list(SurveyResponse.objects.filter(survey=survey))
            texts = sorted(SurveyAnswer.objects.filter(response__survey=survey).values_list("text", flat=True))
            assert texts == ["Day 10", "Day 11", "Day 12"]
            assert all(isinstance(r.pk, uuid.UUID) and r.pk.version == 4 for r in responses)
            if anonymous:
                assert set(invitations.values_list("responded_on", flat=True)) == {None}
                assert {(r.submitted_on, r.respondent_id, r.program_id) for r in responses} == {
                    (date(2026, 3, 1), None, None)
                }
            else:  # a named survey keeps its days and names
                assert set(invitations.exclude(answered=False).values_list("responded_on", flat=True)) == {
                    date(2026, 3, 10),
                    date(2026, 3, 11),
                    date(2026, 3, 12),
                }
                assert {r.respondent_id for r in responses} == {p.pk for p in people[:3]}
                stored = SurveyAnswer.objects.filter(response__in=responses).select_related("response")
                by_person = {a.response.respondent_id: a.text for a in stored}
                assert by_person == {people[0].pk: "Day 10", people[1].pk: "Day 11", people[2].pk: "Day 12"}
    assert {_fernet_time(r["text"]) for r in _raw_rows(SurveyAnswer)} == {0}
