"""A coordinator's "Send now" for a survey's scheduled wave: open it today and send its
invitations at once, instead of waiting for its date and the daily scan.

It goes the scan's way, with the scan's safeguards, so a wave is sent exactly once: the
survey's row is locked as ``open_due_waves`` locks it, the wave is the period's one
(unique per survey and number), and each invitation's email is a ``Reminder`` recorded under
the key the scan uses (``survey:<invitation>``), so the next scan finds it recorded and
sends nothing again. The recorded reminders go to the same worker task as the scan's.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit
from surveys.models import Reminder, ReminderStatus, Survey, SurveySchedule, SurveyStatus, SurveyWave
from surveys.services.due import due_surveys
from surveys.services.reminders import record
from surveys.services.waves import invite_program_wave, period_wave


@dataclass
class SentWave:
    wave: SurveyWave
    invited: int
    emails: int


def next_wave(survey: Survey, today: date) -> tuple[int, date | None] | None:
    """(number, the day its period began, or None when it is sent ahead of its date) of the
    wave "Send now" would send, or None when there is none."""
    if survey.status != SurveyStatus.ACTIVE or survey.schedule == SurveySchedule.AFTER_PAIRING:
        return None
    period = period_wave(survey, today)
    if period is not None:
        return period
    if today < survey.opens_on:
        return 1, None
    return None


def sendable_wave(survey: Survey, today: date | None = None) -> int | None:
    """The number of the wave "Send now" would send today, or None (for the page)."""
    today = today or timezone.localdate()
    found = next_wave(survey, today)
    if found is None:
        return None
    if SurveyWave.objects.filter(survey=survey, number=found[0], mentorship__isnull=True).exists():
        return None
    return found[0]


def wave_send_now(*, actor: Membership, survey: Survey, today: date | None = None) -> SentWave:
    today = today or timezone.localdate()
    with transaction.atomic():
        require_coordinator(actor, survey.organization)
        # The lock open_due_waves takes: the scan and this cannot open the same wave twice.
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != SurveyStatus.ACTIVE:
            raise ServiceError("Only an active survey can be sent. Activate it first.")
        if locked.schedule == SurveySchedule.AFTER_PAIRING:
            raise ServiceError(
                "This survey goes to each pairing when it reaches its months; there is no wave to send now."
            )
        found = next_wave(locked, today)
        if found is None:
            raise ServiceError("This survey's only wave has closed. Copy it into a new draft to ask again.")
        number, start = found
        existing = SurveyWave.objects.filter(survey=locked, number=number, mentorship__isnull=True).first()
        if existing is not None:
            raise ServiceError(
                f"Wave {number} of “{locked.title}” was already sent on "
                f"{date_format(existing.opens_on, 'j F Y')}: nothing was sent again."
            )
        if locked.schedule == SurveySchedule.ONCE and start is not None:
            closes_on = start + timedelta(days=locked.open_days)  # the date announced
        else:
            closes_on = today + timedelta(days=locked.open_days)
        wave = SurveyWave.objects.create(
            organization_id=locked.organization_id, survey=locked, number=number, opens_on=today, closes_on=closes_on
        )
        invited = invite_program_wave(locked, wave)
        record(due_surveys(today, wave_id=wave.pk))
        ids = list(
            Reminder.objects.filter(
                key__in=[f"survey:{pk}" for pk in wave.invitations.values_list("pk", flat=True)],
                status=ReminderStatus.PENDING,
                handed_out_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        Reminder.objects.filter(pk__in=ids).update(handed_out_at=timezone.now())
        task = registered_task("surveys.send_reminders")
        size = settings.REMINDER_BATCH_SIZE
        for start_at in range(0, len(ids), size):
            task.delay_on_commit(ids[start_at : start_at + size])
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="survey.send_now",
            summary=f"Sent wave {number} of “{locked.title}” now ({invited} invited)",
            survey=locked.pk,
            wave=wave.pk,
        )
    return SentWave(wave=wave, invited=invited, emails=len(ids))
