"""Surveys (seed 000: periodic feedback surveys; seed 004: the 6-month assessment) and
feedback sent to the program office at any time.

* The builder: coordinators write a survey while it is a draft, then activate it. Its
  questions may change until its first wave opens; from then on people may be answering
  them, so they are fixed (a coordinator copies the survey into a new draft to ask
  something else). An answer is also refused if the questions it was given to differ from
  the survey's (``questions_version``): no answer is ever stored against another question.
* Waves: the daily scan calls ``ensure_builtin_surveys`` and ``open_due_waves``. Both run
  outside any tenant scope, are idempotent (a second run the same day, or a run after
  missed days, creates nothing twice and only the current period's wave) and set-based.
* Answers: one response per invitation, written in one transaction. For an anonymous
  survey the response is not linked to its author: the invitation records only *that* the
  person answered (a flag, no date), and the response keeps just its wave, role and month
  for the aggregates, under a random id (see ``SurveyResponse``).
* Results of an anonymous survey (the rule, README "Surveys"): the reader is assumed to
  know who answered, when, in which wave and role; what they answered stays hidden.
  Answers are released in batches (``release_plan``): months that are over, once at least
  ``MIN_GROUP`` answers came in since the last batch. The finest group ever shown is a
  *cell*: one batch's answers from one wave and role (``PARTITION``). A batch is broken
  down only if each of its cells holds none or at least ``MIN_GROUP`` answers; every
  filtered figure sums such cells, and every other figure sums whole batches. So any two
  views, any filters, any two dates, intersected or subtracted, give whole cells or
  batches: never fewer than ``MIN_GROUP`` people. Written answers are listed for the whole
  survey only, never for a filter.
* A pairing's survey (the 6-month assessment) invites each pairing in its own wave, but
  an anonymous answer is filed under one shared wave without a pairing, so no response
  row points at a pair.
"""

import hashlib
import json
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from matching.models import LIVE_STATUSES, Mentorship, Origin
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs.models import Membership, Organization, Program, SentEmail, SentEmailKind
from programs.services import audit, require_coordinator
from surveys.models import (
    LIKERT_LABELS,
    Audience,
    Feedback,
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveySchedule,
    SurveyStatus,
    SurveyWave,
)
from surveys.periods import add_months

MIN_GROUP = 5  # anonymous results are shown only for groups of at least this many people
HIDDEN_MESSAGE = "Fewer than 5 people answered; results are hidden to protect anonymity."
BREAKDOWN_MESSAGE = (
    "Results by wave or role are hidden for this choice: its answers came in batches in which a wave or a role had "
    "answers from fewer than 5 people, which the results for the whole survey would give away. They count in the "
    "results for the whole survey."
)
POOLED_TEXT_MESSAGE = (
    "Written answers to an anonymous survey are listed only for the whole survey (all waves and roles), never for "
    "a wave or a role."
)
QUESTIONS_CHANGED_MESSAGE = (
    "The questions of this survey changed while you were answering, so your answers were not sent. They are still "
    "here: check them against the questions as they are now, and send them again."
)
UNRELEASED_MESSAGE = (
    "No results are released yet. Anonymous results are released in batches of at least 5 answers, once the "
    "month they were given in is over."
)
MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 200
MAX_ANSWER_LENGTH = 5000
MAX_INTERVAL_MONTHS = 60
MAX_OPEN_DAYS = 90
MAX_YEARS_AHEAD = 5  # a survey's first date lies within a year back and five years ahead
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
NUMBER_KINDS = (QuestionKind.LIKERT, QuestionKind.RATING)
ROLES = ("mentor", "mentee")
SATISFACTION_SCALE = 10  # satisfaction_by_month reports means on a 0–10 scale

BUILTIN_SIX_MONTH = "six_month_assessment"
SIX_MONTH_TITLE = "6-month assessment"
SIX_MONTH_INTRO = (
    "Six months into your mentorship, both of you are asked to assess the partnership seriously. "
    "Your answers are anonymous: the program office sees only totals over at least 5 people, never "
    "who answered what. Talk about what you find with your partner — that conversation is yours."
)
SIX_MONTH_QUESTIONS = [
    (QuestionKind.LIKERT, "We meet as often as we agreed."),
    (QuestionKind.LIKERT, "Our goals are clear and we measure our progress."),
    (QuestionKind.LIKERT, "We give each other honest and timely feedback."),
    (QuestionKind.LIKERT, "Openness and trust are part of our relationship."),
    (QuestionKind.LIKERT, "This relationship is right for both of us."),
    (QuestionKind.RATING, "How valuable is this mentorship to you?"),
]
BATCH = 2000


def _token() -> str:
    return secrets.token_urlsafe(24)


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


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


# --- Built-in surveys and waves (the daily scan) -------------------------------------------


def ensure_builtin_surveys(today: date | None = None) -> int:
    """Every program with the 6-month assessment gets its built-in survey. Returns how many
    surveys were created."""
    today = today or timezone.localdate()
    created = 0
    with scopes_disabled():
        programs = list(
            Program.objects.filter(six_month_assessment=True)
            .exclude(Exists(Survey.objects.filter(program=OuterRef("pk"), builtin=BUILTIN_SIX_MONTH)))
            .order_by("pk")
        )
        for program in programs:
            try:
                with transaction.atomic():
                    survey = Survey.objects.create(
                        organization_id=program.organization_id,
                        program=program,
                        title=SIX_MONTH_TITLE,
                        intro=SIX_MONTH_INTRO,
                        audience=Audience.BOTH,
                        anonymous=True,
                        schedule=SurveySchedule.AFTER_PAIRING,
                        interval_months=6,
                        opens_on=today,
                        open_days=21,
                        status=SurveyStatus.ACTIVE,
                        builtin=BUILTIN_SIX_MONTH,
                    )
                    Question.objects.bulk_create(
                        Question(
                            organization_id=program.organization_id,
                            survey=survey,
                            position=position,
                            kind=kind,
                            text=text,
                            required=True,
                        )
                        for position, (kind, text) in enumerate(SIX_MONTH_QUESTIONS, start=1)
                    )
            except IntegrityError:  # another scan created it a moment ago
                continue
            created += 1
    return created


def _audience_roles(audience: str) -> tuple[str, ...]:
    return {Audience.MENTORS: ("mentor",), Audience.MENTEES: ("mentee",)}.get(audience, ROLES)


def _live_pairings(survey: Survey):
    """The live pairings a survey goes to. A senior pairing (a senior mentor and a hub mentor)
    is not a mentorship the surveys ask about: its hub mentor is no mentee."""
    pairings = Mentorship.objects.filter(organization_id=survey.organization_id, status__in=LIVE_STATUSES).exclude(
        origin=Origin.SENIOR
    )
    if survey.program_id:
        pairings = pairings.filter(program_id=survey.program_id)
    return pairings.order_by()


def _invite_program_wave(survey: Survey, wave: SurveyWave) -> int:
    """Invite every live pairing's parties (by audience) not yet invited to ``wave``."""
    already = SurveyInvitation.objects.filter(wave=wave).values("membership_id")
    invitees: dict[int, tuple[str, int]] = {}
    for role in _audience_roles(survey.audience):
        rows = (
            _live_pairings(survey)
            .filter(**{f"{role}__is_active": True})
            .exclude(**{f"{role}_id__in": already})
            .values_list(f"{role}_id", "program_id")
            .distinct()
        )
        for membership_id, program_id in rows.iterator(chunk_size=BATCH):
            invitees.setdefault(membership_id, (role, program_id))
    SurveyInvitation.objects.bulk_create(
        (
            SurveyInvitation(
                organization_id=survey.organization_id,
                wave=wave,
                membership_id=membership_id,
                role=role,
                program_id=program_id,
                token=_token(),
            )
            for membership_id, (role, program_id) in invitees.items()
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return len(invitees)


def _period_wave(survey: Survey, today: date) -> tuple[int, date] | None:
    """(wave number, the day its period began) of the period containing ``today``, or None."""
    if today < survey.opens_on:
        return None
    if survey.schedule == SurveySchedule.ONCE:
        if today > survey.opens_on + timedelta(days=survey.open_days):
            return None
        return 1, survey.opens_on
    step = survey.interval_months or 1
    k = 0
    # months_between would do; stepping keeps add_months' clamping identical to the start dates.
    while add_months(survey.opens_on, (k + 1) * step) <= today:
        k += 1
    return k + 1, add_months(survey.opens_on, k * step)


def _open_program_waves(survey: Survey, today: date) -> int:
    period = _period_wave(survey, today)
    if period is None:
        return 0
    number, start = period
    if survey.schedule == SurveySchedule.ONCE:
        closes_on = start + timedelta(days=survey.open_days)  # the date announced
    else:
        closes_on = today + timedelta(days=survey.open_days)
    SurveyWave.objects.bulk_create(
        [
            SurveyWave(
                organization_id=survey.organization_id,
                survey=survey,
                number=number,
                opens_on=today,
                closes_on=closes_on,
            )
        ],
        ignore_conflicts=True,
    )
    wave = SurveyWave.objects.get(survey=survey, number=number, mentorship__isnull=True)
    if wave.closes_on < today:
        return 0
    # Pairings formed while the wave is open are invited too (once).
    return _invite_program_wave(survey, wave)


def _latest_start(today: date, months: int) -> date:
    """A little after the last start date whose ``+ months`` falls on or before today (the
    exact test is made in Python, because add_months clamps to the end of a month)."""
    return add_months(today, -months) + timedelta(days=3)


def _open_pairing_waves(survey: Survey, today: date) -> int:
    months = survey.interval_months or 6
    earliest_due = today - timedelta(days=survey.open_days)
    candidates = (
        _live_pairings(survey)
        .filter(
            started_on__lte=_latest_start(today, months),
            started_on__gte=add_months(earliest_due, -months) - timedelta(days=3),
        )
        .exclude(pk__in=SurveyWave.objects.filter(survey=survey, mentorship__isnull=False).values("mentorship_id"))
        .values_list("pk", "started_on")
    )
    due = [pk for pk, started_on in candidates if earliest_due <= add_months(started_on, months) <= today]
    SurveyWave.objects.bulk_create(
        (
            SurveyWave(
                organization_id=survey.organization_id,
                survey=survey,
                number=1,
                mentorship_id=pk,
                opens_on=today,
                closes_on=today + timedelta(days=survey.open_days),
            )
            for pk in due
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    # Waves without invitations yet: the ones just made (and any a crash left behind).
    fresh = (
        SurveyWave.objects.filter(survey=survey, mentorship__isnull=False, closes_on__gte=today)
        .filter(~Exists(SurveyInvitation.objects.filter(wave=OuterRef("pk"))))
        .values_list(
            "pk",
            "mentorship__program_id",
            "mentorship__mentor_id",
            "mentorship__mentee_id",
            "mentorship__mentor__is_active",
            "mentorship__mentee__is_active",
        )
    )
    roles = _audience_roles(survey.audience)
    invitations = []
    for wave_id, program_id, mentor_id, mentee_id, mentor_active, mentee_active in fresh.iterator(chunk_size=BATCH):
        for role, membership_id, active in (("mentor", mentor_id, mentor_active), ("mentee", mentee_id, mentee_active)):
            if role in roles and active:
                invitations.append(
                    SurveyInvitation(
                        organization_id=survey.organization_id,
                        wave_id=wave_id,
                        membership_id=membership_id,
                        role=role,
                        program_id=program_id,
                        token=_token(),
                    )
                )
    SurveyInvitation.objects.bulk_create(invitations, batch_size=BATCH, ignore_conflicts=True)
    return len(invitations)


def open_due_waves(today: date | None = None) -> int:
    """Open every active survey's wave that is due today and invite its people. Returns how
    many invitations were created. Safe to run twice, and after missed days (only the
    current period's wave opens; a pairing's wave only within ``open_days`` of its date)."""
    today = today or timezone.localdate()
    created = 0
    with scopes_disabled():
        surveys = list(
            Survey.objects.filter(status=SurveyStatus.ACTIVE)
            .exclude(builtin=BUILTIN_SIX_MONTH, program__six_month_assessment=False)
            .order_by("pk")
        )
        for survey in surveys:
            with transaction.atomic():
                # The builder takes the same lock: questions never change as a wave opens.
                survey = Survey.objects.select_for_update().filter(pk=survey.pk, status=SurveyStatus.ACTIVE).first()
                if survey is None:
                    continue
                if survey.schedule == SurveySchedule.AFTER_PAIRING:
                    created += _open_pairing_waves(survey, today)
                else:
                    created += _open_program_waves(survey, today)
    return created


# --- Answering ------------------------------------------------------------------------------


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


# --- Results --------------------------------------------------------------------------------

# An anonymous survey's answers are grouped by these (with the release batch), never finer:
# a filter on anything else would cut a group the release rule has not checked. A future
# breakdown (by program, say) adds its field here, and the rule covers it.
PARTITION = ("wave_id", "role")


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list = field(default_factory=list)  # [(label, count, percent)]
    mean: float | None = None
    texts: list = field(default_factory=list)
    text_total: int = 0
    texts_pooled: bool = False  # anonymous and filtered: written answers are listed for the whole survey only


@dataclass
class Results:
    survey: Survey
    invited: int
    responded: int
    respondents: int  # answers received for this filter (the invitations tell as much)
    released: int = 0  # the answers the figures are made of
    left_out: int = 0  # anonymous breakdown: released answers of this filter in batches that are not broken down
    pending: int = 0  # anonymous: answers received since the last batch, waiting for the next one
    batch_until: date | None = None  # anonymous: the last month of the last batch released
    filtered: bool = False
    hidden: str = ""
    questions: list = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return round(100 * self.responded / self.invited) if self.invited else None


def _month(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


@dataclass
class Release:
    """Which of an anonymous survey's answers may be shown (see ``release_plan``)."""

    until: date | None = None  # the first day of the last month released: answers given up to its end
    batches: dict = field(default_factory=dict)  # month answered → month its batch was released at
    broken_down: set = field(default_factory=set)  # months answered whose batch may be broken down
    total: int = 0
    released: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.released


def release_plan(counts: dict, today: date) -> Release:
    """The batches an anonymous survey's answers are released in. ``counts`` maps
    ``(month answered, *cell)`` to a number of answers, a cell being the values of
    ``PARTITION`` (a wave id and a role).

    Months are walked in order, never the current one: answers still arrive in it, while no
    answer can arrive in a month that is over, so a released batch never changes. A batch is
    released at the end of the month where at least ``MIN_GROUP`` answers have come in since
    the previous batch. A batch may be broken down (by wave, by role, or both) only if each
    of its cells holds none or at least ``MIN_GROUP`` answers; a breakdown sums the cells of
    such batches and leaves the others out. Whatever two figures are compared (two filters,
    a filter and the whole survey, two dates), their difference and their overlap are whole
    batches or whole cells of such batches: never fewer than ``MIN_GROUP`` people."""
    current = today.replace(day=1)
    per_month = defaultdict(Counter)
    plan = Release()
    for (month, *cell), n in counts.items():
        per_month[_month(month)][tuple(cell)] += n
        plan.total += n
    cells, running, waiting = Counter(), 0, []
    for month in sorted(m for m in per_month if m < current):
        cells.update(per_month[month])
        running += sum(per_month[month].values())
        waiting.append(month)
        if running < MIN_GROUP:
            continue
        plan.until = month
        plan.released += running
        plan.batches.update((m, month) for m in waiting)
        if all(n == 0 or n >= MIN_GROUP for n in cells.values()):
            plan.broken_down.update(waiting)
        cells, running, waiting = Counter(), 0, []
    return plan


def answer_counts(survey: Survey) -> dict:
    """``{(month answered, *cell): answers}`` for a survey (see ``release_plan``): one query."""
    counts = Counter()
    rows = SurveyResponse.objects.filter(survey=survey).values_list("submitted_on", *PARTITION)
    for day, *cell, n in rows.annotate(n=Count("pk")).order_by():
        counts[(_month(day), *cell)] += n
    return counts


def _in_filter(cell, filters: dict) -> bool:
    values = dict(zip(PARTITION, cell, strict=True))
    return all(values[name] == value for name, value in filters.items())


TEXTS_SHOWN = 100


def survey_results(survey: Survey, *, wave_id: int | None = None, role: str = "", today: date | None = None) -> Results:
    """Per-question aggregates for a filter (a wave, a role, or both). For an anonymous
    survey only released answers count (``release_plan``): the whole survey shows every
    released batch, a filter only the cells of batches that may be broken down, and written
    answers are listed for the whole survey only. A bounded number of queries: a handful,
    plus one per free-text question."""
    today = today or timezone.localdate()
    filters = {name: value for name, value in (("wave_id", wave_id), ("role", role)) if value not in (None, "")}
    if survey.anonymous and set(filters) - set(PARTITION):
        raise ValueError(f"An anonymous survey is broken down by {', '.join(PARTITION)} only.")
    responses = SurveyResponse.objects.filter(survey=survey, **filters)
    invitations = SurveyInvitation.objects.filter(wave__survey=survey)
    if wave_id is not None:
        invitations = invitations.filter(wave_id=wave_id)
    if role:
        invitations = invitations.filter(role=role)
    counts = invitations.aggregate(invited=Count("pk"), responded=Count("pk", filter=Q(answered=True)))
    result = Results(
        survey=survey,
        invited=counts["invited"],
        responded=counts["responded"],
        respondents=0,
        filtered=bool(filters),
    )
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    result.questions = [QuestionResult(question=q) for q in questions]
    if survey.anonymous:
        sizes = answer_counts(survey)
        plan = release_plan(sizes, today)
        mine = Counter()
        for (month, *cell), n in sizes.items():
            if _in_filter(cell, filters):
                mine[month] += n
        result.respondents = sum(mine.values())
        result.pending = plan.pending
        result.batch_until = plan.until
        if plan.until is None:
            if plan.total:
                result.hidden = HIDDEN_MESSAGE if plan.total < MIN_GROUP else UNRELEASED_MESSAGE
        elif filters:
            months = sorted(plan.broken_down)
            result.released = sum(n for month, n in mine.items() if month in plan.broken_down)
            result.left_out = sum(n for month, n in mine.items() if month in plan.batches) - result.released
            if not result.released and result.left_out:
                result.hidden = BREAKDOWN_MESSAGE
            responses = responses.filter(submitted_on__in=months)
        else:
            cutoff = add_months(plan.until, 1)
            result.released = sum(n for month, n in mine.items() if month < cutoff)
            responses = responses.filter(submitted_on__lt=cutoff)
        if not result.hidden and 0 < result.released < MIN_GROUP:  # never, by the release rules; kept as a guard
            result.hidden = HIDDEN_MESSAGE
    else:
        result.respondents = result.released = responses.count()
    if result.hidden or not result.released:
        return result
    answers = SurveyAnswer.objects.filter(response__in=responses)
    numbers = defaultdict(Counter)
    for row in (
        answers.filter(question__kind__in=NUMBER_KINDS, number__isnull=False)
        .values("question_id", "number")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        numbers[row["question_id"]][row["number"]] += row["n"]
    picks = defaultdict(Counter)
    answered = Counter()
    for question_id, chosen in answers.filter(question__kind__in=CHOICE_KINDS).values_list("question_id", "choices"):
        answered[question_id] += 1
        picks[question_id].update(chosen or [])
    text_counts = dict(
        answers.filter(question__kind=QuestionKind.TEXT)
        .values("question_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("question_id", "n")
    )
    for item in result.questions:
        q = item.question
        if q.kind in NUMBER_KINDS:
            counter = numbers[q.pk]
            item.answered = sum(counter.values())
            scale = range(1, 6) if q.kind == QuestionKind.LIKERT else range(0, 11)
            labels = {n: (f"{n} {LIKERT_LABELS[n - 1]}" if q.kind == QuestionKind.LIKERT else str(n)) for n in scale}
            item.rows = [(labels[n], counter[n], _percent(counter[n], item.answered)) for n in scale]
            if item.answered:
                item.mean = round(sum(n * c for n, c in counter.items()) / item.answered, 2)
        elif q.kind in CHOICE_KINDS:
            item.answered = answered[q.pk]
            item.rows = [(c, picks[q.pk][c], _percent(picks[q.pk][c], item.answered)) for c in q.choices]
        else:
            item.answered = item.text_total = text_counts.get(q.pk, 0)
    for item in result.questions:
        if item.question.kind != QuestionKind.TEXT or not item.answered:
            continue
        if survey.anonymous and filters:
            item.texts_pooled = True  # one wave's texts next to one role's would single out their overlap
            continue
        texts = answers.filter(question=item.question)
        if survey.anonymous:
            # In alphabetical order, never by date or id: the order must not tell who wrote what.
            item.texts = sorted(texts.values_list("text", flat=True), key=lambda t: (t.casefold(), t))[:TEXTS_SHOWN]
        else:
            item.texts = list(
                texts.order_by("-response__submitted_on", "-response_id").values_list("text", flat=True)[:TEXTS_SHOWN]
            )
    return result


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _monthly_means(answers, responses, *, months: int, today: date) -> list[tuple[str, float | None]]:
    """Mean of likert and rating answers per calendar month on a 0–10 scale (None: no data).

    A named survey's answers count in the month they were given. An anonymous survey's count
    only once released (``release_plan``), a whole batch in the month it was released at: so
    a month holds none or at least MIN_GROUP answers of each anonymous survey (one survey's
    handful cannot be worked out by subtracting another survey's figures), never the current
    month's, and never changes once the month is over. Two queries."""
    first = add_months(today.replace(day=1), -(months - 1))
    per_survey = defaultdict(Counter)
    for survey_id, day, n in (
        responses.filter(survey__anonymous=True)
        .values_list("survey_id", "submitted_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_survey[survey_id][(_month(day), None, "")] += n
    shown_in = {}
    for survey_id, counts in per_survey.items():
        for month, released_in in release_plan(counts, today).batches.items():
            shown_in[(survey_id, month)] = released_in
    start = min([first, *(month for (_survey, month), released_in in shown_in.items() if released_in >= first)])
    sums = defaultdict(float)
    counts = Counter()
    for row in (
        answers.filter(
            response__submitted_on__gte=start,
            question__kind__in=NUMBER_KINDS,
            number__isnull=False,
        )
        .annotate(month=TruncMonth("response__submitted_on"))
        .values("response__survey_id", "response__survey__anonymous", "month", "question__kind")
        .annotate(total=Sum("number"), n=Count("pk"))
        .order_by()
    ):
        month = _month(row["month"])
        if row["response__survey__anonymous"]:
            month = shown_in.get((row["response__survey_id"], month))
            if month is None:
                continue
        if month < first:
            continue
        if row["question__kind"] == QuestionKind.LIKERT:
            sums[month] += (row["total"] - row["n"]) * 2.5  # 1–5 → 0–10
        else:
            sums[month] += row["total"]
        counts[month] += row["n"]
    points = []
    for index in range(months):
        month = add_months(first, index)
        value = round(sums[month] / counts[month], 1) if counts[month] else None
        points.append((f"{month:%b %Y}", value))
    return points


def satisfaction_by_month(organization: Organization, months: int = 12, today: date | None = None):
    """[(label, mean 0–10 or None)] for the last ``months`` calendar months across the
    organization's surveys (likert answers mapped 1→0 … 5→10, ratings as given). Anonymous
    answers count only in released batches of at least 5 (see ``_monthly_means``). Two
    queries."""
    today = today or timezone.localdate()
    with scopes_disabled():
        return _monthly_means(
            SurveyAnswer.objects.filter(organization=organization),
            SurveyResponse.objects.filter(organization=organization),
            months=months,
            today=today,
        )


def survey_satisfaction_by_month(survey: Survey, months: int = 12, today: date | None = None):
    today = today or timezone.localdate()
    return _monthly_means(
        SurveyAnswer.objects.filter(response__survey=survey),
        SurveyResponse.objects.filter(survey=survey),
        months=months,
        today=today,
    )


def release_note(result: Results) -> str:
    """What an anonymous survey's results are made of, in a sentence or two ('' if named)."""
    if not result.survey.anonymous:
        return ""
    if result.batch_until is None:
        return (
            "Anonymous results are released in batches of at least 5 answers, once the month they were given in "
            "is over; none are released yet."
        )
    note = (
        f"Anonymous results are released in batches of at least 5 answers, up to the end of {result.batch_until:%B %Y}."
    )
    if result.left_out:
        note += (
            f" This breakdown leaves out {result.left_out} released answer{'s' if result.left_out != 1 else ''}: "
            f"{'they' if result.left_out != 1 else 'it'} came in batches in which a wave or a role had fewer than 5 "
            "answers, so they count only in the results for the whole survey."
        )
    if result.pending:
        note += (
            f" {result.pending} answer{'s' if result.pending != 1 else ''} given since will follow in a later batch."
        )
    return note


def aggregate_rows(result: Results) -> list[list]:
    """The results as CSV rows (header first); ``csv_response`` makes every cell safe."""
    rows = [["question", "option", "count", "percent", "mean"]]
    if result.hidden:
        rows.append(["", result.hidden, "", "", ""])
        return rows
    for item in result.questions:
        text = item.question.text
        if item.question.kind == QuestionKind.TEXT:
            rows.append([text, "(free-text answers)", item.answered, "", ""])
            continue
        for label, count, percent in item.rows:
            rows.append([text, label, count, percent, ""])
        rows.append([text, "(all answers)", item.answered, 100 if item.answered else 0, item.mean or ""])
    note = release_note(result)
    if note:
        rows.append(["", note, "", "", ""])
    return rows


def response_rows(survey: Survey, *, wave_id: int | None = None, role: str = "") -> list[list]:
    """One row per response with the respondent's name (header first, question texts
    included; ``csv_response`` makes every cell safe): non-anonymous surveys only."""
    if survey.anonymous:
        raise PermissionDenied("Answers to an anonymous survey are not linked to people.")
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    responses = SurveyResponse.objects.filter(survey=survey).select_related("respondent__user", "program", "wave")
    if wave_id is not None:
        responses = responses.filter(wave_id=wave_id)
    if role:
        responses = responses.filter(role=role)
    answers = defaultdict(dict)
    for answer in SurveyAnswer.objects.filter(response__in=responses).select_related("question"):
        answers[answer.response_id][answer.question_id] = answer
    header = ["response", "name", "email", "role", "program", "wave", "submitted on", *[q.text for q in questions]]
    rows = [header]
    for response in responses.order_by("submitted_on", "pk"):
        person = response.respondent.user if response.respondent else None
        row = [
            response.pk,
            person.full_name if person else "",
            person.email if person else "",
            response.role,
            response.program.name if response.program else "",
            response.wave.number,
            response.submitted_on.isoformat(),
        ]
        for q in questions:
            row.append(answer_display(answers[response.pk].get(q.pk)))
        rows.append(row)
    return rows


def answer_display(answer: SurveyAnswer | None) -> str:
    if answer is None:
        return ""
    if answer.number is not None:
        if answer.question.kind == QuestionKind.LIKERT and 1 <= answer.number <= 5:
            return f"{answer.number} {LIKERT_LABELS[answer.number - 1]}"
        return str(answer.number)
    if answer.choices:
        return "; ".join(answer.choices)
    return answer.text


# --- Feedback at any time (seed 000) ---------------------------------------------------------


def _feedback_count_key(actor: Membership) -> str:
    return f"feedback-sent:{actor.pk}:{timezone.now():%Y-%m-%d}"


def _count_feedback_sent(actor: Membership) -> None:
    """At most ``FEEDBACK_LIMIT_PER_PERSON`` pieces of feedback a day per person. The count
    lives in the cache for the day only, never in the database next to the feedback, so
    it cannot tell who sent an anonymous one."""
    key = _feedback_count_key(actor)
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=2 * 24 * 3600)
        sent = 1
    if sent > settings.FEEDBACK_LIMIT_PER_PERSON:
        raise ServiceError(
            f"You have sent {settings.FEEDBACK_LIMIT_PER_PERSON} pieces of feedback today, the most one person can "
            "send in a day. Please send this one tomorrow, or write to the program office directly.",
            field="text",
        )


def _feedback_email_allowed(organization) -> bool:
    """Coordinators are emailed about at most ``FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR``
    pieces of feedback an hour; the rest wait in the inbox without an email."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()  # one count at a time
    since = timezone.now() - timedelta(hours=1)
    sent = SentEmail.objects.filter(organization=organization, kind=SentEmailKind.FEEDBACK, created_at__gt=since)
    return sent.count() < settings.FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR


def feedback_send(*, actor: Membership, text: str, program: Program | None = None, anonymous: bool = False) -> Feedback:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write your feedback.", field="text")
    if len(text) > MAX_ANSWER_LENGTH:
        raise ServiceError(f"Keep your feedback under {MAX_ANSWER_LENGTH:,} characters.", field="text")
    organization = actor.organization
    if program is not None and program.organization_id != organization.pk:
        raise PermissionDenied("That program belongs to another organization.")
    with transaction.atomic():
        if not Membership.objects.filter(pk=actor.pk, organization=organization, is_active=True).exists():
            raise PermissionDenied("Only the organization's members can send feedback.")
        _count_feedback_sent(actor)
        feedback = Feedback.objects.create(
            organization=organization, program=program, author=None if anonymous else actor, text=text
        )
        recipients = list(
            Membership.objects.filter(organization=organization, is_coordinator=True, is_active=True)
            .order_by("pk")
            .values_list("user__email", flat=True)
        )
        if recipients and _feedback_email_allowed(organization):
            SentEmail.objects.create(organization=organization, kind=SentEmailKind.FEEDBACK)
            queue_email(
                render_email(
                    "email/feedback_received",
                    {
                        "organization": organization,
                        "program": program,
                        "author": None if anonymous else actor.user,
                        "url": _url("feedback_list", org_slug=organization.slug),
                    },
                    to=recipients,
                )
            )
    return feedback


def feedback_handle(*, actor: Membership, feedback: Feedback) -> Feedback:
    with transaction.atomic():
        require_coordinator(actor, feedback.organization)
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.handled_at is not None:
            raise ServiceError("This feedback was already marked as handled.")
        locked.handled_at = timezone.now()
        locked.handled_by = actor
        locked.save(update_fields=["handled_at", "handled_by"])
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="feedback.handle",
            summary=f"Feedback {locked.pk} marked as handled",
            feedback=locked.pk,
        )
    return locked
