"""Surveys: the builder, answering, results (never over fewer than 5 people when
anonymous), CSV export, and feedback at any time."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from surveys.models import (
    Feedback,
    Question,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyWave,
)
from surveys.periods import add_months
from surveys.services import answers as answering
from surveys.services import results
from surveys.services import surveys as builder
from surveys.services import waves as wave_services
from tests.factories import MembershipFactory, MentorshipFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

HIDDEN = "Fewer than 5 people answered; results are hidden to protect anonymity."
UNRELEASED = "No results are released yet"


def last_month() -> date:
    return add_months(timezone.localdate().replace(day=1), -1)


def release(survey, month=None):
    """Anonymous answers are released only once the month they were given in is over: move
    the answers given this month to last month (or ``month``), as if it were over."""
    with scopes_disabled():
        SurveyResponse.objects.filter(survey=survey, submitted_on__gte=timezone.localdate().replace(day=1)).update(
            submitted_on=month or last_month()
        )


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, slug="society", name="Society Mentorship", six_month_assessment=False)


def make_pairs(program, count):
    return MentorshipFactory.create_batch(count, program=program)


def build_survey(coordinator, program=None, *, anonymous=True, audience="both") -> Survey:
    with scope(organization=coordinator.organization):
        survey = builder.survey_create(
            actor=coordinator,
            title="Program check",
            intro="Tell us how it goes.",
            program=program,
            audience=audience,
            anonymous=anonymous,
            schedule="once",
            interval_months=None,
            opens_on=timezone.localdate(),
            open_days=14,
        )
        builder.question_add(actor=coordinator, survey=survey, kind="likert", text="The program helps me.")
        builder.question_add(
            actor=coordinator, survey=survey, kind="single", text="How often do you meet?", choices="Monthly\nQuarterly"
        )
        builder.question_add(actor=coordinator, survey=survey, kind="rating", text="How likely to recommend?")
        builder.question_add(actor=coordinator, survey=survey, kind="text", text="Anything else?", required=False)
        builder.survey_activate(actor=coordinator, survey=survey)
    return survey


def questions_of(survey):
    with scopes_disabled():
        return list(Question.objects.filter(survey=survey).order_by("position"))


def good_answers(survey, *, likert="4", text="Going well"):
    likert_q, single_q, rating_q, text_q = questions_of(survey)
    return {likert_q.pk: likert, single_q.pk: "Monthly", rating_q.pk: "8", text_q.pk: text}


def answer_all(survey, *, mentors=0, mentees=0, **kwargs):
    """The first ``mentors`` mentors and ``mentees`` mentees invited answer."""
    with scopes_disabled():
        invites = list(SurveyInvitation.objects.filter(wave__survey=survey).select_related("membership"))
    chosen = [i for i in invites if i.role == "mentor"][:mentors] + [i for i in invites if i.role == "mentee"][:mentees]
    assert len(chosen) == mentors + mentees
    with scope(organization=survey.organization):
        for invitation in chosen:
            answering.survey_submit(
                actor=invitation.membership, invitation=invitation, answers=good_answers(survey, **kwargs)
            )
    return chosen


def answered_survey(coordinator, *, mentors=0, mentees=0, anonymous=True, pairs=None, **kwargs):
    program = ProgramFactory(organization=coordinator.organization, six_month_assessment=False)
    make_pairs(program, pairs or max(mentors, mentees, 1))
    survey = build_survey(coordinator, program, anonymous=anonymous)
    wave_services.open_due_waves(timezone.localdate())
    answer_all(survey, mentors=mentors, mentees=mentees, **kwargs)
    return survey


# --- Builder --------------------------------------------------------------------------------


def test_a_coordinator_builds_a_survey_through_the_pages(client, coordinator_a, program):
    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/surveys/new/",
        {
            "title": "Mid-year check",
            "intro": "",
            "program": program.pk,
            "audience": "mentees",
            "anonymous": "on",
            "schedule": "every_n_months",
            "interval_months": "6",
            "opens_on": "2026-01-10",
            "open_days": "21",
        },
    )
    with scopes_disabled():
        survey = Survey.objects.get(title="Mid-year check")
    assert response.status_code == 302 and response["Location"] == f"/o/alpha/surveys/{survey.pk}/"
    assert (survey.status, survey.program, survey.audience, survey.interval_months) == ("draft", program, "mentees", 6)
    url = f"/o/alpha/surveys/{survey.pk}/"

    # Activating with no question is refused.
    client.post(f"{url}activate/")
    survey.refresh_from_db()
    assert survey.status == "draft"

    def add(**data):
        payload = {"action": "add", "new-required": "on"}
        payload.update({f"new-{k}": v for k, v in data.items()})
        return client.post(url, payload)

    response = add(kind="single", text="Which?", choices="")
    assert b"Give at least two options" in response.content
    response = add(kind="multiple", text="Which?", choices="\n".join(f"Option {n}" for n in range(21)))
    assert b"at most 20 options" in response.content
    response = add(kind="text", text="x" * 501)
    assert response.status_code == 200 and b"500 characters" in response.content
    with scopes_disabled():
        assert not Question.objects.filter(survey=survey).exists()

    assert add(kind="likert", text="I feel supported.").status_code == 302
    assert add(kind="single", text="How do you meet?", choices="In person\nVideo\nVideo\n").status_code == 302
    assert add(kind="rating", text="Overall?").status_code == 302
    assert add(kind="text", text="Ideas?").status_code == 302
    questions = questions_of(survey)
    assert [q.kind for q in questions] == ["likert", "single", "rating", "text"]
    assert questions[1].choices == ["In person", "Video"]

    # Edit, reorder, remove.
    q = questions[3]
    response = client.post(
        url,
        {
            "action": "update",
            "question": q.pk,
            f"q{q.pk}-kind": "multiple",
            f"q{q.pk}-text": "What helps?",
            f"q{q.pk}-choices": "Meetings\nGoals",
        },
    )
    assert response.status_code == 302
    client.post(url, {"action": "up", "question": q.pk})
    client.post(url, {"action": "remove", "question": questions[0].pk})
    questions = questions_of(survey)
    assert [(x.text, x.kind, x.required) for x in questions] == [
        ("How do you meet?", "single", True),
        ("What helps?", "multiple", False),
        ("Overall?", "rating", True),
    ]
    assert client.get(url).status_code == 200

    response = client.post(f"{url}activate/", follow=True)
    assert b"Survey activated" in response.content
    survey.refresh_from_db()
    assert survey.status == "active"
    # Settings are fixed once active.
    response = client.post(
        url, {"action": "settings", "title": "Changed", "audience": "both", "schedule": "once", "open_days": "14"}
    )
    survey.refresh_from_db()
    assert survey.title == "Mid-year check"
    assert client.get("/o/alpha/surveys/").status_code == 200


def test_draft_settings_are_validated(client, coordinator_a, program):
    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/surveys/new/",
        {"title": "X", "audience": "both", "schedule": "after_pairing", "interval_months": "", "open_days": "14"},
    )
    assert response.status_code == 200 and b"Give the number of months" in response.content
    response = client.post(
        "/o/alpha/surveys/new/", {"title": "X", "audience": "both", "schedule": "once", "open_days": "400"}
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not Survey.objects.exists()


def test_questions_are_locked_once_a_wave_opened(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=1)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/surveys/{survey.pk}/"
    page = client.get(url)
    assert b"The first wave of this survey opened on" in page.content
    response = client.post(
        url, {"action": "add", "new-kind": "likert", "new-text": "Late question", "new-required": "on"}
    )
    assert b"can no longer change" in response.content and b"Late question" in response.content
    q = questions_of(survey)[0]
    client.post(url, {"action": "remove", "question": q.pk})
    assert len(questions_of(survey)) == 4
    with scope(organization=survey.organization), pytest.raises(ServiceError, match="can no longer change"):
        builder.question_update(actor=coordinator_a, question=q, kind="likert", text="Changed")


def test_a_builtin_survey_questions_may_change_until_the_first_answer(coordinator_a, program):
    program.six_month_assessment = True
    program.save()
    wave_services.ensure_builtin_surveys()
    with scope(organization=coordinator_a.organization):
        builtin = Survey.objects.get(builtin=wave_services.BUILTIN_SIX_MONTH)
        q = builtin.questions.first()
        builder.question_update(actor=coordinator_a, question=q, kind="likert", text="We meet as planned.")
        with pytest.raises(ServiceError, match="built-in"):
            builder.survey_update(
                actor=coordinator_a, survey=builtin, title="x", audience="both", schedule="once", open_days=3
            )
    q.refresh_from_db()
    assert q.text == "We meet as planned."


def test_a_member_gets_403_on_coordinator_pages(client, coordinator_a, member_a):
    survey = build_survey(coordinator_a)
    client.force_login(member_a.user)
    for url in (
        "/o/alpha/surveys/",
        "/o/alpha/surveys/new/",
        f"/o/alpha/surveys/{survey.pk}/",
        f"/o/alpha/surveys/{survey.pk}/results/",
        f"/o/alpha/surveys/{survey.pk}/results.csv",
        "/o/alpha/feedback/inbox/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/o/alpha/surveys/{survey.pk}/close/").status_code == 403
    survey.refresh_from_db()
    assert survey.status == "active"


def test_another_tenant_sees_nothing(client, coordinator_a, coordinator_b):
    survey = answered_survey(coordinator_a, mentees=5)
    with scopes_disabled():
        invitation = SurveyInvitation.objects.filter(wave__survey=survey).first()
        feedback = Feedback.objects.create(organization=coordinator_a.organization, text="Alpha only")
    client.force_login(coordinator_b.user)
    for url in (
        f"/o/bravo/surveys/{survey.pk}/",
        f"/o/bravo/surveys/{survey.pk}/results/",
        f"/o/bravo/surveys/{survey.pk}/results.csv",
        f"/o/bravo/surveys/answer/{invitation.token}/",
        f"/o/alpha/surveys/{survey.pk}/results/",
        "/o/alpha/surveys/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/o/bravo/surveys/{survey.pk}/close/").status_code == 404
    assert client.post(f"/o/bravo/feedback/{feedback.pk}/handle/").status_code == 404
    assert b"Alpha only" not in client.get("/o/bravo/feedback/inbox/?show=all").content
    survey.refresh_from_db()
    feedback.refresh_from_db()
    assert survey.status == "active" and feedback.handled_at is None


# --- Answering ------------------------------------------------------------------------------


@pytest.fixture
def invited(coordinator_a, program):
    make_pairs(program, 1)
    survey = build_survey(coordinator_a, program)
    wave_services.open_due_waves(timezone.localdate())
    with scopes_disabled():
        invitation = SurveyInvitation.objects.select_related("membership__user").get(role="mentee")
    return survey, invitation


def _post(survey, **overrides):
    likert_q, single_q, rating_q, text_q = questions_of(survey)
    data = {f"q{likert_q.pk}": "5", f"q{single_q.pk}": "Quarterly", f"q{rating_q.pk}": "9", f"q{text_q.pk}": "Great"}
    for key, value in overrides.items():
        q = {"likert": likert_q, "single": single_q, "rating": rating_q, "text": text_q}[key]
        data[f"q{q.pk}"] = value
    data["version"] = builder.questions_version(questions_of(survey))
    return data


def _counts():
    with scopes_disabled():
        return SurveyResponse.objects.count(), SurveyAnswer.objects.count()


def test_answering_validates_and_writes_everything_once(client, invited):
    survey, invitation = invited
    client.force_login(invitation.membership.user)
    url = f"/o/alpha/surveys/answer/{invitation.token}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Your answers are anonymous" in page.content

    for bad, message in (
        ({"likert": ""}, b"This field is required"),
        ({"likert": "7"}, b"Select a valid choice"),
        ({"rating": "11"}, b"Select a valid choice"),
        ({"single": "Weekly"}, b"Select a valid choice"),
        ({"text": "x" * 5001}, b"at most 5000 characters"),
    ):
        response = client.post(url, _post(survey, **bad))
        assert response.status_code == 200 and message in response.content, bad
    assert _counts() == (0, 0)

    response = client.post(url, _post(survey, text=""), follow=True)
    assert b"Thank you" in response.content
    assert _counts() == (1, 3)  # the optional text was left empty
    with scopes_disabled():
        stored = SurveyResponse.objects.get()
        invitation.refresh_from_db()
        numbers = sorted(SurveyAnswer.objects.exclude(number=None).values_list("number", flat=True))
    assert stored.respondent is None and stored.role == "mentee" and stored.program_id is None
    assert invitation.answered and invitation.responded_on is None  # anonymous: not even the day
    assert numbers == [5, 9]

    response = client.post(url, _post(survey), follow=True)
    assert b"already answered" in response.content
    assert _counts() == (1, 3)
    assert b"Thank you" in client.get(url).content


def test_the_service_refuses_bad_answers_without_a_partial_write(invited):
    survey, invitation = invited
    likert_q, single_q, rating_q, text_q = questions_of(survey)
    with scope(organization=survey.organization):
        for answers in (
            {likert_q.pk: "3", single_q.pk: "Monthly", rating_q.pk: "-1"},
            {likert_q.pk: "0", single_q.pk: "Monthly", rating_q.pk: "5"},
            {likert_q.pk: "3", single_q.pk: ["Monthly", "Quarterly"], rating_q.pk: "5"},
            {likert_q.pk: "3", single_q.pk: "Monthly", rating_q.pk: "5", text_q.pk: "x" * 5001},
            {likert_q.pk: "3", rating_q.pk: "5"},
        ):
            with pytest.raises(ServiceError):
                answering.survey_submit(actor=invitation.membership, invitation=invitation, answers=answers)
    assert _counts() == (0, 0)


def test_someone_elses_invitation_is_404(client, invited, member_a):
    _survey, invitation = invited
    client.force_login(member_a.user)
    assert client.get(f"/o/alpha/surveys/answer/{invitation.token}/").status_code == 404
    assert client.post(f"/o/alpha/surveys/answer/{invitation.token}/", {}).status_code == 404
    assert client.get("/o/alpha/surveys/answer/not-a-token/").status_code == 404


def test_a_closed_survey_takes_no_answers(client, invited, coordinator_a):
    survey, invitation = invited
    with scope(organization=survey.organization):
        builder.survey_close(actor=coordinator_a, survey=survey)
    client.force_login(invitation.membership.user)
    url = f"/o/alpha/surveys/answer/{invitation.token}/"
    assert b"This survey is closed" in client.get(url).content
    response = client.post(url, _post(survey), follow=True)
    assert b"no longer accepted" in response.content
    assert _counts() == (0, 0)
    # A wave past its dates is closed too.
    with scopes_disabled():
        Survey.objects.filter(pk=survey.pk).update(status="active")
        SurveyWave.objects.update(closes_on=timezone.localdate() - timedelta(days=1))
    assert b"This survey is closed" in client.get(url).content


def test_my_surveys_lists_open_and_answered_invitations(client, invited, member_a):
    survey, invitation = invited
    client.force_login(member_a.user)
    assert b"No survey is waiting for you" in client.get("/o/alpha/surveys/mine/").content
    client.force_login(invitation.membership.user)
    page = client.get("/o/alpha/surveys/mine/").content.decode()
    assert f"/o/alpha/surveys/answer/{invitation.token}/" in page and "Program check" in page
    client.post(f"/o/alpha/surveys/answer/{invitation.token}/", _post(survey))
    page = client.get("/o/alpha/surveys/mine/").content.decode()
    assert "No survey is waiting for you" in page and "answered" in page


def test_a_non_anonymous_survey_records_the_respondent(coordinator_a):
    survey = answered_survey(coordinator_a, mentors=1, anonymous=False)
    with scopes_disabled():
        response = SurveyResponse.objects.get(survey=survey)
    assert response.respondent is not None and response.role == "mentor"
    assert response.submitted_on == timezone.localdate()


# --- Results --------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_anonymous_results_are_hidden_under_5_respondents(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=4, pairs=6)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/surveys/{survey.pk}/results/"
    page = client.get(url).content.decode()
    assert HIDDEN in page
    assert "question-mean" not in page and '<svg class="chart' not in page and "Going well" not in page
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv"))
    assert rows[1][1] == HIDDEN and len(rows) == 2

    answer_all_more(survey, 1)
    # Five answers, all given this month: released once the month is over.
    page = client.get(url).content.decode()
    assert HIDDEN not in page and UNRELEASED in page and 'id="respondents">5<' in page
    assert "question-mean" not in page and "Going well" not in page
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv"))
    assert UNRELEASED in rows[1][1] and len(rows) == 2

    release(survey)
    page = client.get(url).content.decode()
    assert HIDDEN not in page and UNRELEASED not in page
    assert "Mean 4.0" in page and "<svg" in page and "Going well" in page
    assert 'id="respondents">5<' in page
    assert f"released in batches of at least 5 answers, up to the end of {last_month():%B %Y}" in page
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv"))
    assert ["The program helps me.", "4 Agree", "5", "100.0", ""] in rows
    assert ["The program helps me.", "(all answers)", "5", "100", "4.0"] in rows
    assert ["How likely to recommend?", "(all answers)", "5", "100", "8.0"] in rows
    assert not any(HIDDEN in cell for row in rows for cell in row)
    assert any(f"up to the end of {last_month():%B %Y}" in row[1] for row in rows)
    with scopes_disabled():
        wave = SurveyWave.objects.get(survey=survey)
    page = client.get(f"{url}?wave={wave.pk}").content.decode()
    assert "Mean 4.0" in page and f'<option value="{wave.pk}" selected>' in page
    # A wave and a role at once: the one cell of five. Written answers only for the whole survey.
    page = client.get(f"{url}?wave={wave.pk}&role=mentee").content.decode()
    assert "Mean 4.0" in page and "Going well" not in page and results.POOLED_TEXT_MESSAGE in page


def answer_all_more(survey, count):
    with scopes_disabled():
        invites = list(
            SurveyInvitation.objects.filter(wave__survey=survey, answered=False).select_related("membership")
        )[:count]
    with scope(organization=survey.organization):
        for invitation in invites:
            answering.survey_submit(actor=invitation.membership, invitation=invitation, answers=good_answers(survey))


def test_a_role_filter_leaving_4_is_hidden_and_so_is_its_complement(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentors=4, mentees=5)
    release(survey)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/surveys/{survey.pk}/results/"
    whole = client.get(url).content.decode()
    assert HIDDEN not in whole and "Mean 4.0" in whole
    mentors = client.get(url + "?role=mentor").content.decode()
    assert "Results by wave or role are hidden" in mentors and "question-mean" not in mentors
    # Mentees (5) minus the whole (9) would give away the 4 mentors' answers.
    mentees = client.get(url + "?role=mentee").content.decode()
    assert "Results by wave or role are hidden" in mentees and "question-mean" not in mentees
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?role=mentor"))
    assert "Results by wave or role are hidden" in rows[1][1] and len(rows) == 2
    answer_all_more_role(survey, "mentor", 1)
    release(survey)  # the fifth mentor answered last month too
    mentors = client.get(url + "?role=mentor").content.decode()
    assert HIDDEN not in mentors and "Mean 4.0" in mentors


def answer_all_more_role(survey, role, count):
    with scopes_disabled():
        invites = list(
            SurveyInvitation.objects.filter(wave__survey=survey, answered=False, role=role).select_related("membership")
        )[:count]
    with scope(organization=survey.organization):
        for invitation in invites:
            answering.survey_submit(actor=invitation.membership, invitation=invitation, answers=good_answers(survey))


def test_non_anonymous_results_show_names_and_a_guarded_csv(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=2, anonymous=False, text='=HYPERLINK("http://x")')
    client.force_login(coordinator_a.user)
    with scopes_disabled():
        names = [i.membership.user.full_name for i in SurveyInvitation.objects.filter(responded_on__isnull=False)]
    page = client.get(f"/o/alpha/surveys/{survey.pk}/results/").content.decode()
    assert HIDDEN not in page and all(name in page for name in names)
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?kind=responses"))
    assert rows[0][:3] == ["response", "name", "email"] and len(rows) == 3
    assert {row[1] for row in rows[1:]} == set(names)
    assert rows[1][-1] == '\'=HYPERLINK("http://x")'


def test_an_anonymous_survey_has_no_per_response_csv(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=5)
    client.force_login(coordinator_a.user)
    assert client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?kind=responses").status_code == 404
    page = client.get(f"/o/alpha/surveys/{survey.pk}/results/").content.decode()
    with scopes_disabled():
        names = [i.membership.user.full_name for i in SurveyInvitation.objects.filter(responded_on__isnull=False)]
    assert not any(name in page for name in names)


@pytest.mark.parametrize("count", [5, 200])
def test_results_run_a_bounded_number_of_queries(client, coordinator_a, count, django_assert_max_num_queries):
    survey = answered_survey(coordinator_a, mentees=count)
    release(survey)
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(16):
        page = client.get(f"/o/alpha/surveys/{survey.pk}/results/")
    assert f'id="respondents">{count}<'.encode() in page.content and b"question-mean" in page.content
    with django_assert_max_num_queries(12):
        client.get(f"/o/alpha/surveys/{survey.pk}/results.csv")
    with django_assert_max_num_queries(10):
        client.get("/o/alpha/surveys/")


@pytest.mark.parametrize("count", [5, 60])
def test_named_results_run_a_bounded_number_of_queries(client, coordinator_a, count, django_assert_max_num_queries):
    survey = answered_survey(coordinator_a, mentees=count, anonymous=False)
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(18):
        client.get(f"/o/alpha/surveys/{survey.pk}/results/")
    with django_assert_max_num_queries(10):
        rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?kind=responses"))
    assert len(rows) == count + 1


def test_satisfaction_by_month_honours_the_group_rule(coordinator_a):
    today = timezone.localdate()
    survey = answered_survey(coordinator_a, mentees=4, likert="5")
    points = results.satisfaction_by_month(coordinator_a.organization, months=3, today=today)
    assert len(points) == 3 and points[-1] == (f"{today:%b %Y}", None)
    answer_all_more(survey, 1)
    # Five anonymous answers this month: never shown while the month runs.
    assert results.satisfaction_by_month(coordinator_a.organization, months=3, today=today)[-1][1] is None
    release(survey)
    points = results.satisfaction_by_month(coordinator_a.organization, months=3, today=today)
    # Four likert 5s (→ 10) and one likert 4 (→ 7.5), five ratings of 8.
    assert points[-2] == (f"{last_month():%b %Y}", round((4 * 10 + 7.5 + 5 * 8) / 10, 1))
    assert points[0][1] is None and points[-1][1] is None
    with scope(organization=coordinator_a.organization):
        assert results.survey_satisfaction_by_month(survey, months=2, today=today)[-2][1] == points[-2][1]


# --- Review fixes: no small group can be rebuilt, no answer traced, nothing run as a formula ---


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def stored_answers(survey, wave, *, month, role, count, likert=4):
    """``count`` anonymous responses to ``wave`` given in ``month``, written directly."""
    likert_q = questions_of(survey)[0]
    with scopes_disabled():
        for _ in range(count):
            response = SurveyResponse.objects.create(
                organization=survey.organization, survey=survey, wave=wave, role=role, submitted_on=month
            )
            SurveyAnswer.objects.create(
                organization=survey.organization, response=response, question=likert_q, number=likert
            )


def test_a_small_wave_cannot_be_rebuilt_by_subtracting_the_other_waves(client, coordinator_a):
    # Mentors answered 2, 6 and 6 in waves 1–3: all waves − wave 2 − wave 3 would give wave 1's two.
    survey = build_survey(coordinator_a, audience="mentors")
    with scopes_disabled():
        Survey.objects.filter(pk=survey.pk).update(schedule="every_n_months", interval_months=1)
        waves = [
            SurveyWave.objects.create(
                organization=survey.organization,
                survey=survey,
                number=n,
                opens_on=add_months(this_month(), n - 5),
                closes_on=add_months(this_month(), n - 5) + timedelta(days=14),
            )
            for n in (1, 2, 3)
        ]
    for wave, count, months_ago in zip(waves, (2, 6, 6), (4, 3, 2), strict=True):
        stored_answers(survey, wave, month=add_months(this_month(), -months_ago), role="mentor", count=count)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/surveys/{survey.pk}/results/"
    whole = client.get(url).content.decode()
    assert 'id="respondents">14<' in whole and "question-mean" in whole
    # The first batch (waves 1 and 2: 2 + 6) is never broken down; the second (wave 3's 6) is.
    for wave in waves[:2]:
        page = client.get(f"{url}?wave={wave.pk}").content.decode()
        assert "Results by wave or role are hidden" in page and "question-mean" not in page, wave.number
        rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?wave={wave.pk}"))
        assert "Results by wave or role are hidden" in rows[1][1] and len(rows) == 2
    third = client.get(f"{url}?wave={waves[2].pk}").content.decode()
    assert "question-mean" in third and "6 answers" in third
    assert "every wave and role had none or at least 5 answers" in whole


def test_release_plan_batches_and_breakdowns():
    jan, feb, mar, apr, _may, jun = (date(2026, month, 1) for month in range(1, 7))
    counts = {
        (jan, 1, "mentor"): 3,
        (feb, 1, "mentor"): 2,
        (feb, 1, "mentee"): 5,
        (mar, 2, "mentor"): 5,
        (apr, 2, "mentee"): 2,
        (jun, 2, "mentee"): 9,
    }
    plan = results.release_plan(counts, date(2026, 6, 15))
    # January's 3 wait for February; April's 2 wait; June is not over. Both batches' cells
    # (wave 1: 5 mentors, 5 mentees; wave 2: 5 mentors) hold 5 or more: broken down.
    assert plan.until == mar and plan.broken_down == {jan, feb, mar}
    assert plan.batches == {jan: feb, feb: feb, mar: mar}
    assert (plan.total, plan.released, plan.pending) == (26, 15, 11)
    plan = results.release_plan(counts, date(2026, 7, 1))
    assert plan.until == jun and plan.broken_down == {jan, feb, mar, apr, jun}
    assert plan.batches[apr] == jun and plan.pending == 0
    # Two mentors in June's batch: that batch counts in the whole survey only, never in a breakdown.
    plan = results.release_plan({**counts, (jun, 2, "mentor"): 2}, date(2026, 7, 1))
    assert plan.until == jun and plan.broken_down == {jan, feb, mar}
    # A wave of 4 next to a wave of 6: that batch is never broken down.
    plan = results.release_plan({(jan, 1, "mentor"): 4, (jan, 2, "mentor"): 6}, date(2026, 2, 1))
    assert plan.until == jan and plan.broken_down == set()


def test_anonymous_results_are_released_in_batches_of_5_after_the_month(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=5, pairs=8)
    with scope(organization=survey.organization):
        result = results.survey_results(survey)
    assert (result.respondents, result.released) == (5, 0) and result.hidden.startswith(UNRELEASED)
    release(survey)
    answer_all_more(survey, 2)  # two more this month: not in the results
    with scope(organization=survey.organization):
        result = results.survey_results(survey)
        next_month = results.survey_results(survey, today=add_months(this_month(), 1))
    assert (result.respondents, result.released, result.pending, result.batch_until) == (7, 5, 2, last_month())
    assert result.questions[0].answered == 5
    # Next month the two are in a month that is over, but a batch needs 5.
    assert (next_month.released, next_month.pending, next_month.batch_until) == (5, 2, last_month())
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/alpha/surveys/{survey.pk}/results/").content.decode()
    assert f"up to the end of {last_month():%B %Y}. 2 answers given since will follow in a later batch" in page
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv"))
    assert ["The program helps me.", "(all answers)", "5", "100", "4.0"] in rows


def test_anonymous_written_answers_are_in_alphabetical_order(client, coordinator_a, program):
    make_pairs(program, 5)
    survey = build_survey(coordinator_a, program, audience="mentees")
    wave_services.open_due_waves(timezone.localdate())
    with scopes_disabled():
        invitations = list(SurveyInvitation.objects.filter(wave__survey=survey).select_related("membership"))
    with scope(organization=survey.organization):
        for invitation, text in zip(invitations, ["Bravo", "delta", "Alpha", "Echo", "charlie"], strict=True):
            answering.survey_submit(
                actor=invitation.membership, invitation=invitation, answers=good_answers(survey, text=text)
            )
    release(survey)
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/alpha/surveys/{survey.pk}/results/").content.decode()
    shown = re.findall(r'<li class="border-start border-3 ps-2 mb-2">([^<]*)</li>', page)
    assert shown == ["Alpha", "Bravo", "charlie", "delta", "Echo"]


def test_monthly_satisfaction_leaves_out_a_survey_with_fewer_than_5_answers_in_a_month(coordinator_a):
    # Five answers to one survey, two to another, the same month: seven in all, but the two
    # would be the difference between the organization's figure and the first survey's.
    big = answered_survey(coordinator_a, mentees=5, likert="5")
    small = answered_survey(coordinator_a, mentees=2, likert="1")
    release(big)
    release(small)
    today = timezone.localdate()
    points = results.satisfaction_by_month(coordinator_a.organization, months=2, today=today)
    assert points[0] == (f"{last_month():%b %Y}", round((5 * 10 + 5 * 8) / 10, 1))
    with scope(organization=coordinator_a.organization):
        assert results.survey_satisfaction_by_month(small, months=2, today=today)[0][1] is None
        assert results.survey_satisfaction_by_month(big, months=2, today=today)[0] == points[0]


def test_a_question_starting_like_a_formula_is_quoted_in_the_csv_header(client, coordinator_a):
    survey = answered_survey(coordinator_a, mentees=1, anonymous=False)
    with scopes_disabled():
        Question.objects.filter(survey=survey, position=1).update(text='=HYPERLINK("http://x")')
    client.force_login(coordinator_a.user)
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv?kind=responses"))
    assert rows[0][7] == '\'=HYPERLINK("http://x")'
    rows = _csv(client.get(f"/o/alpha/surveys/{survey.pk}/results.csv"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("opens_on", ["9999-12-31", "2019-01-01"])
def test_a_first_date_far_off_is_refused_on_the_form(client, coordinator_a, opens_on):
    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/surveys/new/",
        {"title": "X", "audience": "both", "schedule": "once", "opens_on": opens_on, "open_days": "14"},
    )
    assert response.status_code == 200 and b"Choose a first date between" in response.content
    with scopes_disabled():
        assert not Survey.objects.exists()


def test_activating_a_draft_dated_far_ahead_is_refused_not_a_500(client, coordinator_a):
    with scope(organization=coordinator_a.organization):
        survey = builder.survey_create(
            actor=coordinator_a, title="X", audience="both", schedule="once", opens_on=None, open_days=14
        )
        builder.question_add(actor=coordinator_a, survey=survey, kind="likert", text="Fine?")
    with scopes_disabled():
        Survey.objects.filter(pk=survey.pk).update(opens_on=date(9999, 12, 31))
    client.force_login(coordinator_a.user)
    response = client.post(f"/o/alpha/surveys/{survey.pk}/activate/", follow=True)
    assert response.status_code == 200 and b"more than 5 years away" in response.content
    survey.refresh_from_db()
    assert survey.status == "draft"


# --- Feedback -------------------------------------------------------------------------------


def test_feedback_any_time_anonymous_or_named(
    client, coordinator_a, member_a, program, django_capture_on_commit_callbacks
):
    other_coordinator = MembershipFactory(organization=coordinator_a.organization, is_coordinator=True)
    client.force_login(member_a.user)
    assert client.post("/o/alpha/feedback/", {"text": "  "}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/o/alpha/feedback/",
            {"text": "The kickoff was too short.", "program": program.pk, "anonymous": "on"},
            follow=True,
        )
    assert b"your feedback was sent" in response.content
    with scopes_disabled():
        item = Feedback.objects.get()
    assert item.author is None and item.program == program and item.text == "The kickoff was too short."
    (message,) = mail.outbox
    assert set(message.to) == {coordinator_a.user.email, other_coordinator.user.email}
    assert "kickoff" not in message.body and "anonymously" in message.body
    assert member_a.user.full_name not in message.body
    assert "/o/alpha/feedback/inbox/" in message.body

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/feedback/", {"text": "Thanks for the resources page."})
    assert member_a.user.full_name in mail.outbox[1].body

    client.force_login(coordinator_a.user)
    inbox = client.get("/o/alpha/feedback/inbox/").content.decode()
    assert "Anonymous" in inbox and "The kickoff was too short." in inbox and member_a.user.full_name in inbox
    client.post(f"/o/alpha/feedback/{item.pk}/handle/")
    item.refresh_from_db()
    assert item.handled_by == coordinator_a and item.handled_at is not None
    assert "The kickoff was too short." not in client.get("/o/alpha/feedback/inbox/").content.decode()
    assert "The kickoff was too short." in client.get("/o/alpha/feedback/inbox/?show=handled").content.decode()
    response = client.post(f"/o/alpha/feedback/{item.pk}/handle/", follow=True)
    assert b"already marked as handled" in response.content


def test_feedback_about_an_unpublished_program_is_refused_for_members(client, member_a, org_a):
    hidden = ProgramFactory(organization=org_a, is_published=False)
    client.force_login(member_a.user)
    response = client.post("/o/alpha/feedback/", {"text": "Hi", "program": hidden.pk})
    assert response.status_code == 200
    with scopes_disabled():
        assert not Feedback.objects.exists()
