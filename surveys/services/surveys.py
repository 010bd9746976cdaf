"""Surveys (seed 000: periodic feedback surveys; seed 004: the 6-month assessment): the
builder, and the words a survey is made of (the kinds of question, the roles asked).

Coordinators write a survey while it is a draft, then activate it. Its questions may
change until its first wave opens (``surveys.services.waves``); from then on people may be
answering them, so they are fixed (a coordinator copies the survey into a new draft to ask
something else). An answer is also refused if the questions it was given to differ from
the survey's (``questions_version``): no answer is ever stored against another question.
"""

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from mentorship.exceptions import ServiceError
from programs.models import Membership, Organization
from programs.services.access import require_coordinator
from programs.services.audit import audit
from surveys.models import (
    Audience,
    Question,
    QuestionKind,
    Survey,
    SurveySchedule,
    SurveyStatus,
    SurveyWave,
)
from surveys.periods import add_months

MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 200
MAX_INTERVAL_MONTHS = 60
MAX_OPEN_DAYS = 90
MAX_YEARS_AHEAD = 5  # a survey's first date lies within a year back and five years ahead
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
NUMBER_KINDS = (QuestionKind.LIKERT, QuestionKind.RATING)
ROLES = ("mentor", "mentee")


def schedule_summary(survey: Survey) -> str:
    n = survey.interval_months or 0
    if survey.schedule == SurveySchedule.ONCE:
        return f"Once, on {survey.opens_on:%-d %B %Y}"
    if survey.schedule == SurveySchedule.EVERY_N_MONTHS:
        return f"Every {n} month{'s' if n != 1 else ''} from {survey.opens_on:%-d %B %Y}"
    return f"{n} month{'s' if n != 1 else ''} into each pairing"


# --- The builder --------------------------------------------------------------------------


COPY_HINT = "To ask something different, copy the survey into a new draft"


def questions_locked_reason(survey: Survey) -> str:
    """Why the questions can no longer change, or '' if they can: once a wave has opened,
    people may be answering them (their form shows the questions as they were)."""
    if survey.status == SurveyStatus.CLOSED:
        return f"This survey is closed; its questions can no longer change. {COPY_HINT} and activate it."
    first = (
        SurveyWave.objects.filter(survey=survey).order_by("opens_on", "pk").values_list("opens_on", flat=True).first()
    )
    if first is not None:
        return (
            f"The first wave of this survey opened on {first:%-d %B %Y}, so its questions can no longer change: "
            "people may be answering them right now, and every answer must be to the question as it was asked. "
            f"{COPY_HINT} (and close this one if it should stop)."
        )
    return ""


def questions_version(questions) -> str:
    """A fingerprint of the questions as asked (ids, order, kinds, texts, options, whether
    required). The answer form carries it; answers given to other questions are refused."""
    shape = [[q.pk, q.position, q.kind, q.text, list(q.choices or []), bool(q.required)] for q in questions]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _check_settings(organization: Organization, data: dict) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ServiceError("Give the survey a title.", field="title")
    if len(title) > 200:
        raise ServiceError("Keep the title under 200 characters.", field="title")
    intro = (data.get("intro") or "").strip()
    if len(intro) > 3000:
        raise ServiceError("Keep the introduction under 3,000 characters.", field="intro")
    program = data.get("program")
    if program is not None and program.organization_id != organization.pk:
        raise PermissionDenied("That program belongs to another organization.")
    if data.get("audience") not in Audience.values:
        raise ServiceError("Choose who receives the survey.", field="audience")
    schedule = data.get("schedule")
    if schedule not in SurveySchedule.values:
        raise ServiceError("Choose when the survey is sent.", field="schedule")
    interval = data.get("interval_months")
    if schedule == SurveySchedule.ONCE:
        interval = None
    elif not interval or not 1 <= interval <= MAX_INTERVAL_MONTHS:
        raise ServiceError(f"Give the number of months (1 to {MAX_INTERVAL_MONTHS}).", field="interval_months")
    open_days = data.get("open_days")
    if not open_days or not 1 <= open_days <= MAX_OPEN_DAYS:
        raise ServiceError(f"A survey stays open for 1 to {MAX_OPEN_DAYS} days.", field="open_days")
    today = timezone.localdate()
    opens_on = data.get("opens_on") or today
    earliest, latest = add_months(today, -12), add_months(today, 12 * MAX_YEARS_AHEAD)
    if not earliest <= opens_on <= latest:
        raise ServiceError(
            f"Choose a first date between {earliest:%-d %B %Y} and {latest:%-d %B %Y}.", field="opens_on"
        )
    return {
        "title": title,
        "intro": intro,
        "program": program,
        "audience": data["audience"],
        "anonymous": bool(data.get("anonymous")),
        "schedule": schedule,
        "interval_months": interval,
        "opens_on": opens_on,
        "open_days": open_days,
    }


def survey_create(*, actor: Membership, **data) -> Survey:
    organization = actor.organization
    values = _check_settings(organization, data)
    with transaction.atomic():
        require_coordinator(actor, organization)
        survey = Survey.objects.create(organization=organization, created_by=actor, **values)
        audit(
            organization=organization,
            actor=actor.user,
            action="survey.create",
            summary=f"Survey “{survey.title}” created",
            survey=survey.pk,
        )
    return survey


def _locked_survey(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().get(pk=survey.pk)


def survey_update(*, actor: Membership, survey: Survey, **data) -> Survey:
    """Change a draft's settings (who, when, anonymous...)."""
    values = _check_settings(survey.organization, data)
    with transaction.atomic():
        require_coordinator(actor, survey.organization)
        locked = _locked_survey(survey)
        if locked.builtin:
            raise ServiceError("The settings of a built-in survey are fixed; only its questions may change.")
        if locked.status != SurveyStatus.DRAFT:
            raise ServiceError("Only a draft's settings can change. This survey has been activated.")
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def _clean_question(kind: str, text: str, choices) -> tuple[str, str, list[str]]:
    if kind not in QuestionKind.values:
        raise ServiceError("Choose a kind of question.", field="kind")
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write the question.", field="text")
    if len(text) > 500:
        raise ServiceError("Keep the question under 500 characters.", field="text")
    if isinstance(choices, str):
        choices = choices.splitlines()
    options = []
    for option in choices or []:
        option = str(option).strip()
        if option and option not in options:
            options.append(option)
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            raise ServiceError("Give at least two options, one per line.", field="choices")
        if len(options) > MAX_CHOICES:
            raise ServiceError(f"Give at most {MAX_CHOICES} options.", field="choices")
        if any(len(option) > MAX_CHOICE_LENGTH for option in options):
            raise ServiceError(f"Keep each option under {MAX_CHOICE_LENGTH} characters.", field="choices")
    else:
        options = []
    return kind, text, options


def _editable_questions(actor: Membership, survey: Survey) -> Survey:
    require_coordinator(actor, survey.organization)
    locked = _locked_survey(survey)
    reason = questions_locked_reason(locked)
    if reason:
        raise ServiceError(reason)
    return locked


def question_add(
    *, actor: Membership, survey: Survey, kind: str, text: str, choices=(), required: bool = True
) -> Question:
    kind, text, options = _clean_question(kind, text, choices)
    with transaction.atomic():
        locked = _editable_questions(actor, survey)
        if Question.objects.filter(survey=locked).count() >= 100:
            raise ServiceError("A survey has at most 100 questions.")
        last = Question.objects.filter(survey=locked).order_by("-position").values_list("position", flat=True).first()
        return Question.objects.create(
            organization=locked.organization,
            survey=locked,
            position=(last or 0) + 1,
            kind=kind,
            text=text,
            choices=options,
            required=required,
        )


def question_update(
    *, actor: Membership, question: Question, kind: str, text: str, choices=(), required: bool = True
) -> Question:
    kind, text, options = _clean_question(kind, text, choices)
    with transaction.atomic():
        _editable_questions(actor, question.survey)
        question.kind, question.text, question.choices, question.required = kind, text, options, required
        question.save(update_fields=["kind", "text", "choices", "required"])
    return question


def question_remove(*, actor: Membership, question: Question) -> None:
    with transaction.atomic():
        _editable_questions(actor, question.survey)
        question.delete()


def question_move(*, actor: Membership, question: Question, direction: str) -> None:
    """Move a question one place up or down."""
    if direction not in ("up", "down"):
        raise ServiceError("Move a question up or down.")
    with transaction.atomic():
        survey = _editable_questions(actor, question.survey)
        ordered = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
        index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
        if index is None:
            raise ServiceError("That question is no longer in the survey.")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position
        Question.objects.bulk_update(ordered, ["position"])


def survey_duplicate(*, actor: Membership, survey: Survey) -> Survey:
    """A new draft with the survey's settings and questions (coordinators only): what a
    coordinator does to change the questions of a survey whose questions are fixed. A copy
    of a built-in survey is an ordinary one; a first date in the past becomes today."""
    with transaction.atomic():
        require_coordinator(actor, survey.organization)
        source = Survey.objects.get(pk=survey.pk, organization=survey.organization)
        suffix = " (copy)"
        copy = Survey.objects.create(
            organization=source.organization,
            program=source.program,
            title=source.title[: 200 - len(suffix)] + suffix,
            intro=source.intro,
            audience=source.audience,
            anonymous=source.anonymous,
            schedule=source.schedule,
            interval_months=source.interval_months,
            opens_on=max(source.opens_on, timezone.localdate()),
            open_days=source.open_days,
            status=SurveyStatus.DRAFT,
            created_by=actor,
        )
        Question.objects.bulk_create(
            Question(
                organization=source.organization,
                survey=copy,
                position=position,
                kind=q.kind,
                text=q.text,
                choices=list(q.choices or []),
                required=q.required,
            )
            for position, q in enumerate(Question.objects.filter(survey=source).order_by("position", "pk"), start=1)
        )
        audit(
            organization=source.organization,
            actor=actor.user,
            action="survey.duplicate",
            summary=f"Survey “{copy.title}” copied from “{source.title}”",
            survey=copy.pk,
            source=source.pk,
        )
    return copy


def survey_activate(*, actor: Membership, survey: Survey) -> Survey:
    with transaction.atomic():
        require_coordinator(actor, survey.organization)
        locked = _locked_survey(survey)
        if locked.status != SurveyStatus.DRAFT:
            raise ServiceError("Only a draft can be activated.")
        if not Question.objects.filter(survey=locked).exists():
            raise ServiceError("Add at least one question before activating the survey.")
        today = timezone.localdate()
        if not locked.builtin and locked.opens_on > add_months(today, 12 * MAX_YEARS_AHEAD):
            raise ServiceError(
                f"The survey's first date is more than {MAX_YEARS_AHEAD} years away. Choose an earlier date.",
                field="opens_on",
            )
        if locked.schedule == SurveySchedule.ONCE and locked.opens_on + timedelta(days=locked.open_days) < today:
            raise ServiceError("The survey's dates have passed. Choose a new date to send it on.", field="opens_on")
        locked.status = SurveyStatus.ACTIVE
        locked.save(update_fields=["status", "updated_at"])
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="survey.activate",
            summary=f"Survey “{locked.title}” activated",
            survey=locked.pk,
        )
    return locked


def survey_close(*, actor: Membership, survey: Survey) -> Survey:
    with transaction.atomic():
        require_coordinator(actor, survey.organization)
        locked = _locked_survey(survey)
        if locked.status == SurveyStatus.CLOSED:
            raise ServiceError("This survey is already closed.")
        locked.status = SurveyStatus.CLOSED
        locked.save(update_fields=["status", "updated_at"])
        # Waves still open close today: nobody can answer a closed survey.
        today = timezone.localdate()
        SurveyWave.objects.filter(survey=locked, closes_on__gt=today).update(closes_on=today)
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="survey.close",
            summary=f"Survey “{locked.title}” closed",
            survey=locked.pk,
        )
    return locked
