"""Issue 13, item 9: no answer is ever stored against a question other than the one asked.

* Once a survey's first wave opens, people may be answering: its questions are fixed. The
  builder shows them read-only with the reason, refuses every change (keeping what the
  coordinator typed on the page), and offers a copy into a new draft instead.
* An answer posted from a page built on other questions (changed by any means) is refused
  with a clear message, nothing is stored, and the answers stay on the page.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from surveys.models import Question, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyWave
from surveys.services import answers as answering
from surveys.services import surveys as builder
from surveys.services import waves as wave_services
from tests.factories import MentorshipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 5, 4, 10, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=True):
        yield


def _survey(coordinator, *, pairs=2):
    org = coordinator.organization
    program = ProgramFactory(organization=org, six_month_assessment=False)
    with scopes_disabled():
        for _ in range(pairs):
            MentorshipFactory(program=program)
    with scope(organization=org):
        survey = builder.survey_create(
            actor=coordinator,
            title="Spring check",
            intro="",
            program=program,
            audience="mentees",
            anonymous=True,
            schedule="once",
            interval_months=None,
            opens_on=TODAY.date(),
            open_days=14,
        )
        builder.question_add(actor=coordinator, survey=survey, kind="likert", text="The program helps me.")
        builder.question_add(
            actor=coordinator, survey=survey, kind="single", text="How often do you meet?", choices="Monthly\nRarely"
        )
        builder.question_add(actor=coordinator, survey=survey, kind="text", text="Anything else?", required=False)
        builder.survey_activate(actor=coordinator, survey=survey)
    return survey


def _questions(survey):
    with scopes_disabled():
        return list(Question.objects.filter(survey=survey).order_by("position").values())


def test_questions_freeze_once_a_wave_opens_and_the_builder_offers_a_copy(client, coordinator_a, clock):
    survey = _survey(coordinator_a)
    client.force_login(coordinator_a.user)
    url = f"/o/alpha/surveys/{survey.pk}/"
    with scopes_disabled():
        first = Question.objects.filter(survey=survey).order_by("position").first()
    # Active, but no wave yet: nobody can be answering, the questions may still change.
    edit = {"action": "update", "question": first.pk, f"q{first.pk}-kind": "likert"}
    edit |= {f"q{first.pk}-text": "The program helps me a lot.", f"q{first.pk}-required": "on"}
    assert client.post(url, edit).status_code == 302
    assert _questions(survey)[0]["text"] == "The program helps me a lot."

    assert wave_services.open_due_waves(TODAY.date()) == 2  # the wave opens: two mentees invited, none answered
    before = _questions(survey)
    page = client.get(url).content.decode()
    assert "The first wave of this survey opened on 4 May 2026" in page
    assert "Save the question" not in page and "Add the question" not in page and 'value="remove"' not in page
    assert "Copy into a new draft" in page

    # A builder page loaded before the wave opened, sent now: every change is refused.
    rewrite = {"action": "update", "question": first.pk, f"q{first.pk}-kind": "text"}
    rewrite |= {f"q{first.pk}-text": "What should we change?", f"q{first.pk}-required": "on"}
    for data in (
        rewrite,
        {"action": "add", "new-kind": "likert", "new-text": "A late question", "new-required": "on"},
        {"action": "remove", "question": first.pk},
        {"action": "down", "question": first.pk},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        body = response.content.decode()
        assert "can no longer change" in body, data["action"]
        assert _questions(survey) == before, data["action"]
    # What the coordinator typed is still on the page.
    body = client.post(url, rewrite).content.decode()
    assert "What should we change?" in body and 'id="question-refused"' in body
    with scope(organization=survey.organization), pytest.raises(ServiceError, match="can no longer change"):
        builder.question_update(actor=coordinator_a, question=first, kind="text", text="What should we change?")

    # What to do instead: copy the survey into a new draft, whose questions can change.
    response = client.post(f"/o/alpha/surveys/{survey.pk}/copy/")
    with scopes_disabled():
        copy = Survey.objects.exclude(pk=survey.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/o/alpha/surveys/{copy.pk}/"
    assert (copy.status, copy.title, copy.anonymous, copy.program_id) == (
        "draft",
        "Spring check (copy)",
        True,
        survey.program_id,
    )
    shape = ("position", "kind", "text", "choices", "required")
    assert [[q[k] for k in shape] for q in _questions(copy)] == [[q[k] for k in shape] for q in before]
    with scopes_disabled():
        copied = Question.objects.filter(survey=copy).order_by("position").first()
    data = {"action": "update", "question": copied.pk, f"q{copied.pk}-kind": "text"}
    data |= {f"q{copied.pk}-text": "What should we change?", f"q{copied.pk}-required": "on"}
    assert client.post(f"/o/alpha/surveys/{copy.pk}/", data).status_code == 302
    assert _questions(copy)[0]["kind"] == "text" and _questions(survey) == before


def _version(page: str) -> str:
    found = re.search(r'name="version" value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_an_answer_to_questions_that_changed_is_refused_and_kept_on_the_page(client, coordinator_a, clock):
    survey = _survey(coordinator_a)
    wave_services.open_due_waves(TODAY.date())
    with scopes_disabled():
        invitation = SurveyInvitation.objects.select_related("membership__user").filter(wave__survey=survey)[0]
        likert, single, text = Question.objects.filter(survey=survey).order_by("position")
    client.force_login(invitation.membership.user)
    url = f"/o/alpha/surveys/answer/{invitation.token}/"
    page = client.get(url).content.decode()
    posted = {
        "version": _version(page),
        f"q{likert.pk}": "4",
        f"q{single.pk}": "Monthly",
        f"q{text.pk}": "My mentor helps me with grants.",
    }

    # While the page is open, the questions change (a change that slipped in before they were
    # fixed, or made outside the builder): the agree/disagree question becomes a free text one,
    # and the free-text question is removed.
    with scopes_disabled():
        Question.objects.filter(pk=likert.pk).update(kind="text", text="What should we change?")
        Question.objects.filter(pk=text.pk).delete()

    response = client.post(url, posted)
    body = response.content.decode()
    assert response.status_code == 200
    assert "The questions of this survey changed while you were answering" in body
    with scopes_disabled():
        assert SurveyResponse.objects.count() == 0 and SurveyAnswer.objects.count() == 0
        assert answering.open_invitations(invitation.membership, TODAY.date()).filter(pk=invitation.pk).exists()
    # The answers are still on the page, on the questions as they are now.
    assert "What should we change?" in body
    assert re.search(r'value="Monthly"[^>]*checked', body)
    assert "My mentor helps me with grants." in body  # its question is gone: shown to copy from
    new_version = _version(body)
    assert new_version and new_version != posted["version"]

    # Sent again from the page as it is now: accepted, to the questions it shows.
    again = {"version": new_version, f"q{likert.pk}": "More meetings", f"q{single.pk}": "Monthly"}
    assert client.post(url, again).status_code == 302
    with scopes_disabled():
        stored = {a.question_id: a for a in SurveyAnswer.objects.all()}
    assert stored[likert.pk].text == "More meetings" and stored[likert.pk].number is None
    assert stored[single.pk].choices == ["Monthly"]


def test_the_service_refuses_answers_given_to_other_questions(coordinator_a, clock):
    survey = _survey(coordinator_a)
    wave_services.open_due_waves(TODAY.date())
    with scopes_disabled():
        invitation = SurveyInvitation.objects.select_related("membership").filter(wave__survey=survey)[0]
        questions = list(Question.objects.filter(survey=survey).order_by("position"))
        seen = builder.questions_version(questions)
        Question.objects.filter(pk=questions[1].pk).update(choices=["Monthly", "Rarely", "Never"])
    answers = {questions[0].pk: "4", questions[1].pk: "Monthly"}
    with scope(organization=survey.organization):
        with pytest.raises(ServiceError, match="changed while you were answering"):
            answering.survey_submit(actor=invitation.membership, invitation=invitation, answers=answers, version=seen)
        with scopes_disabled():
            assert SurveyResponse.objects.count() == 0
        current = builder.questions_version(Question.objects.filter(survey=survey).order_by("position"))
        answering.survey_submit(actor=invitation.membership, invitation=invitation, answers=answers, version=current)
    with scopes_disabled():
        assert SurveyResponse.objects.count() == 1
        assert SurveyWave.objects.filter(survey=survey).count() == 1
