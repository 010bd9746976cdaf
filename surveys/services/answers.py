"""Answering a survey: one response per invitation, written in one transaction.

For an anonymous survey the response is not linked to its author: the invitation records
only *that* the person answered (a flag, no date), and the response keeps just its wave,
role and month for the aggregates, under a random id (see ``SurveyResponse``). A pairing's
survey (the 6-month assessment) invites each pairing in its own wave, but an anonymous
answer is filed under one shared wave without a pairing, so no response row points at a
pair.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from mentorship.exceptions import ServiceError
from programs.models import Membership
from surveys.models import (
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
    SurveyWave,
)
from surveys.services.surveys import CHOICE_KINDS, NUMBER_KINDS, questions_version

QUESTIONS_CHANGED_MESSAGE = (
    "The questions of this survey changed while you were answering, so your answers were not sent. They are still "
    "here: check them against the questions as they are now, and send them again."
)
MAX_ANSWER_LENGTH = 5000


def wave_is_open(wave: SurveyWave, survey: Survey, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.status == SurveyStatus.ACTIVE and wave.opens_on <= today <= wave.closes_on


def clean_answer(question: Question, raw) -> dict | None:
    """The stored values for one answer (``number``/``choices``/``text``), or None when it
    was left empty. Raises ServiceError naming the question when the answer is invalid."""
    field = f"q{question.pk}"
    values = [v for v in (raw if isinstance(raw, list | tuple) else [raw]) if v not in (None, "")]
    values = [str(v).strip() if isinstance(v, str) else v for v in values]
    values = [v for v in values if v != ""]
    if not values:
        if question.required:
            raise ServiceError("Please answer this question.", field=field)
        return None
    if question.kind in NUMBER_KINDS:
        low, high = (1, 5) if question.kind == QuestionKind.LIKERT else (0, 10)
        try:
            number = int(values[0])
        except (TypeError, ValueError):
            number = None
        if len(values) != 1 or number is None or not low <= number <= high:
            raise ServiceError(f"Choose a value from {low} to {high}.", field=field)
        return {"number": number}
    if question.kind in CHOICE_KINDS:
        if question.kind == QuestionKind.SINGLE and len(values) != 1:
            raise ServiceError("Choose one option.", field=field)
        if any(v not in question.choices for v in values):
            raise ServiceError("Choose from the options given.", field=field)
        return {"choices": [c for c in question.choices if c in values]}
    text = str(values[0])
    if len(text) > MAX_ANSWER_LENGTH:
        raise ServiceError(f"Keep your answer under {MAX_ANSWER_LENGTH:,} characters.", field=field)
    return {"text": text}


POOLED_WAVE_NUMBER = 0  # a pairing survey's shared wave for anonymous answers (periods count from 1)


def _pooled_wave(survey: Survey) -> SurveyWave:
    """The wave without a pairing that a pairing survey's anonymous answers are filed under,
    so no anonymous response points at a pair (created once, safe against a concurrent
    answer). It is made with the first answer, but dated like the survey, so that it does not
    tell when the first answer came in."""
    SurveyWave.objects.bulk_create(
        [
            SurveyWave(
                organization_id=survey.organization_id,
                survey=survey,
                number=POOLED_WAVE_NUMBER,
                opens_on=survey.opens_on,
                closes_on=survey.opens_on,
                created_at=survey.created_at,
            )
        ],
        ignore_conflicts=True,
    )
    return SurveyWave.objects.get(survey=survey, number=POOLED_WAVE_NUMBER, mentorship__isnull=True)


def survey_submit(
    *, actor: Membership, invitation: SurveyInvitation, answers: dict, version: str | None = None
) -> SurveyResponse:
    """Record the answers to an invitation: all of them or none. ``answers`` maps a
    question's pk to its raw value (a string, or a list for multiple choice). ``version``
    is the ``questions_version`` of the questions the person saw (the answer form sends
    it): if the questions differ now, nothing is stored.

    An anonymous response is stored under a random id with its wave, role and month only;
    the invitation gets ``answered`` and nothing else."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().select_related("wave__survey").get(pk=invitation.pk)
        if locked.membership_id != actor.pk or actor.organization_id != locked.organization_id:
            raise PermissionDenied("This invitation is for someone else.")
        if locked.answered:
            raise ServiceError("You have already answered this survey — thank you. Answers cannot be sent twice.")
        wave, survey = locked.wave, locked.wave.survey
        if not wave_is_open(wave, survey, today):
            raise ServiceError("This survey is closed; answers are no longer accepted.")
        questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
        if version is not None and version != questions_version(questions):
            raise ServiceError(QUESTIONS_CHANGED_MESSAGE, field="version")
        cleaned = []
        for question in questions:
            value = clean_answer(question, answers.get(question.pk, answers.get(str(question.pk))))
            if value is not None:
                cleaned.append((question, value))
        if survey.anonymous and wave.mentorship_id is not None:
            wave = _pooled_wave(survey)  # the invitation keeps the pairing's wave; the answer does not
        response = SurveyResponse.objects.create(
            organization_id=locked.organization_id,
            survey=survey,
            wave=wave,
            respondent=None if survey.anonymous else actor,
            role=locked.role,
            program_id=None if survey.anonymous else locked.program_id,
            # Anonymous: only the month (the release batches need it), nothing that dates the answer.
            submitted_on=today.replace(day=1) if survey.anonymous else today,
        )
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(organization_id=locked.organization_id, response=response, question=question, **value)
            for question, value in cleaned
        )
        locked.answered = True
        locked.responded_on = None if survey.anonymous else today
        locked.save(update_fields=["answered", "responded_on"])
    invitation.answered, invitation.responded_on = True, locked.responded_on
    return response


def open_invitations(membership: Membership, today: date | None = None):
    today = today or timezone.localdate()
    return (
        SurveyInvitation.objects.filter(
            membership=membership,
            answered=False,
            wave__opens_on__lte=today,
            wave__closes_on__gte=today,
            wave__survey__status=SurveyStatus.ACTIVE,
        )
        .select_related("wave__survey", "wave__survey__program")
        .order_by("wave__closes_on", "pk")
    )
