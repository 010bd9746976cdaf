"""Built-in surveys and waves, opened by the daily reminder scan.

The scan calls ``ensure_builtin_surveys`` and ``open_due_waves``. Both run outside any
tenant scope, are idempotent (a second run the same day, or a run after missed days,
creates nothing twice and only the current period's wave) and set-based. A program's
survey opens one wave per period for all its live pairings; a pairing's survey (the
6-month assessment) invites each pairing in its own wave (its anonymous answers are filed
under one shared wave: see ``surveys.services.answers``).
"""

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.models import Program
from relationships.models import LIVE_STATUSES, Mentorship, Origin
from surveys.models import (
    Audience,
    Question,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveySchedule,
    SurveyStatus,
    SurveyWave,
)
from surveys.periods import add_months
from surveys.services.surveys import ROLES

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


def invite_program_wave(survey: Survey, wave: SurveyWave) -> int:
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


def period_wave(survey: Survey, today: date) -> tuple[int, date] | None:
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
    period = period_wave(survey, today)
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
    return invite_program_wave(survey, wave)


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
