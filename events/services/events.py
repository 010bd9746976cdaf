"""Speed-mentoring events: a coordinator creates one in a program with speed events on,
adds approved mentors and mentees, checks people in at the desk and marks it held."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedRole
from events.services.schedule import lock_event, rebuild, require_changeable
from mentorship.db import retry_on_deadlock
from mentorship.exceptions import ServiceError
from programs.models import (
    DYAD_MODELS,
    Application,
    ApplicationStatus,
    Membership,
    NotificationCategory,
    NotificationKind,
    Program,
)
from programs.services import notifications
from programs.services.access import require_coordinator
from programs.services.audit import audit

EVENT_FIELDS = ("name", "starts_at", "location", "rounds", "round_minutes", "changeover_minutes", "picks_close_at")
PICKS_OPEN_DAYS = 7


def check_values(values: dict) -> None:
    errors: dict[str | None, list[str]] = {}
    if not str(values.get("name") or "").strip():
        errors.setdefault("name", []).append("Give the event a name.")
    if values.get("starts_at") is None:
        errors.setdefault("starts_at", []).append("Say when the first round begins.")
    for field, low, high in (("rounds", 1, 20), ("round_minutes", 3, 60), ("changeover_minutes", 0, 15)):
        value = values.get(field)
        if value is None or not low <= int(value) <= high:
            errors.setdefault(field, []).append(f"Choose a number from {low} to {high}.")
    close = values.get("picks_close_at")
    if close is not None and values.get("starts_at") is not None and close <= values["starts_at"]:
        errors.setdefault("picks_close_at", []).append("Picks close after the event has started.")
    if errors:
        raise ServiceError.from_errors(errors)


def require_speed_program(program: Program, actor: Membership) -> None:
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model not in DYAD_MODELS:
        raise ServiceError("Speed-mentoring events are for programs that pair one mentor with one mentee.")
    if not program.speed_events:
        raise ServiceError("Turn on speed-mentoring events in the program's settings first.")


@transaction.atomic
def event_create(*, actor: Membership, program: Program, **values) -> SpeedEvent:
    require_coordinator(actor, actor.organization)
    require_speed_program(program, actor)
    values = {k: values.get(k) for k in EVENT_FIELDS}
    values["location"] = values["location"] or ""
    check_values(values)
    event = SpeedEvent.objects.create(organization=program.organization, program=program, created_by=actor, **values)
    audit(
        organization=program.organization,
        actor=actor.user,
        action="speed_event.created",
        summary=f"Created the speed-mentoring event {event.name} in {program.name}",
        speed_event=event.pk,
    )
    return event


@transaction.atomic
def event_update(*, actor: Membership, event: SpeedEvent, **values) -> SpeedEvent:
    """Edit the event. Changing its rounds before it starts builds the schedule again."""
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    values = {k: values.get(k, getattr(event, k)) for k in EVENT_FIELDS}
    values["location"] = values["location"] or ""
    check_values(values)
    if event.status not in (EventStatus.PLANNED, EventStatus.SCHEDULED):
        changed = [
            k for k in ("starts_at", "rounds", "round_minutes", "changeover_minutes") if values[k] != getattr(event, k)
        ]
        if changed:
            raise ServiceError("The event has been held; its time and rounds no longer change.")
    # Once picks have closed, people may have seen which picks were mutual: they never reopen.
    if values["picks_close_at"] != event.picks_close_at and event.picks_closed:
        raise ServiceError("Picks for this event have closed; they cannot open again.", field="picks_close_at")
    rounds_changed = values["rounds"] != event.rounds
    for key, value in values.items():
        setattr(event, key, value)
    event.save(update_fields=list(EVENT_FIELDS))
    if rounds_changed and event.status == EventStatus.SCHEDULED:
        require_changeable(event)
        rebuild(event, actor)
    audit(
        organization=event.organization,
        actor=actor.user,
        action="speed_event.updated",
        summary=f"Edited the speed-mentoring event {event.name}",
        speed_event=event.pk,
    )
    return event


def approved(program: Program, role: str):
    return Application.objects.filter(
        program=program, role=role, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    )


def add_people(event: SpeedEvent, people: list[tuple[int, str]]) -> int:
    """Add (membership id, role) rows not yet in the event; mentors get the next tables."""
    present = set(SpeedParticipant.objects.filter(event=event).values_list("membership_id", flat=True))
    table = SpeedParticipant.objects.filter(event=event).aggregate(n=Max("table_number"))["n"] or 0
    rows = []
    for membership_id, role in people:
        if membership_id in present:
            continue
        present.add(membership_id)
        if role == SpeedRole.MENTOR:
            table += 1
        rows.append(
            SpeedParticipant(
                organization_id=event.organization_id,
                event=event,
                membership_id=membership_id,
                role=role,
                table_number=table if role == SpeedRole.MENTOR else None,
            )
        )
    SpeedParticipant.objects.bulk_create(rows)
    return len(rows)


def after_change(event: SpeedEvent, actor: Membership) -> None:
    if event.status == EventStatus.SCHEDULED:
        rebuild(event, actor)  # "schedule rebuilt": people hear of their new schedule


@retry_on_deadlock
@transaction.atomic
def participant_add(*, actor: Membership, event: SpeedEvent, membership: Membership, role: str) -> SpeedParticipant:
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    require_changeable(event)
    if membership.organization_id != event.organization_id:
        raise PermissionDenied("That person belongs to another organization.")
    if role not in SpeedRole.values:
        raise ServiceError("Choose mentor or mentee.", field="role")
    if not approved(event.program, role).filter(membership=membership).exists():
        raise ServiceError(
            f"{membership.user} is not an approved {SpeedRole(role).label.lower()} of {event.program.name}.",
            field="membership",
        )
    if SpeedParticipant.objects.filter(event=event, membership=membership).exists():
        raise ServiceError(f"{membership.user} already takes part in this event.", field="membership")
    try:
        with transaction.atomic():
            add_people(event, [(membership.pk, role)])
    except IntegrityError:
        raise ServiceError(f"{membership.user} already takes part in this event.", field="membership") from None
    after_change(event, actor)
    return SpeedParticipant.objects.get(event=event, membership=membership)


@retry_on_deadlock
@transaction.atomic
def participants_add_approved(*, actor: Membership, event: SpeedEvent) -> int:
    """Add every approved mentor and mentee of the program not yet in the event."""
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    require_changeable(event)
    people = [
        (membership_id, role)
        for role in (SpeedRole.MENTOR, SpeedRole.MENTEE)
        for membership_id in approved(event.program, role).order_by("pk").values_list("membership_id", flat=True)
    ]
    added = add_people(event, people)
    if added:
        after_change(event, actor)
        audit(
            organization=event.organization,
            actor=actor.user,
            action="speed_event.participants_added",
            summary=f"Added {added} people to {event.name}",
            speed_event=event.pk,
        )
    return added


@retry_on_deadlock
@transaction.atomic
def participant_remove(*, actor: Membership, participant: SpeedParticipant) -> None:
    require_coordinator(actor, actor.organization)
    event = lock_event(participant.event, actor)
    require_changeable(event)
    SpeedParticipant.objects.filter(pk=participant.pk, event=event).delete()
    # Tables stay numbered 1..N.
    for number, person in enumerate(
        SpeedParticipant.objects.filter(event=event, role=SpeedRole.MENTOR).order_by("table_number", "pk"), start=1
    ):
        if person.table_number != number:
            SpeedParticipant.objects.filter(pk=person.pk).update(table_number=number)
    after_change(event, actor)


@retry_on_deadlock
@transaction.atomic
def check_in(*, actor: Membership, participant: SpeedParticipant, undo: bool = False) -> SpeedParticipant:
    """The desk checks a person in (or undoes a mistaken tap). Two taps at once: the row's
    lock keeps the first time."""
    require_coordinator(actor, actor.organization)
    if participant.organization_id != actor.organization_id:
        raise PermissionDenied("That person belongs to another organization.")
    person = (
        SpeedParticipant.objects.select_for_update(of=("self",))
        .select_related("event", "membership__user")
        .get(pk=participant.pk)
    )
    if person.event.status == EventStatus.CLOSED:
        raise ServiceError("The event is closed.")
    if undo:
        person.checked_in_at = None
    elif person.checked_in_at is None:
        person.checked_in_at = timezone.now()
    person.save(update_fields=["checked_in_at"])
    return person


@transaction.atomic
def event_mark_held(*, actor: Membership, event: SpeedEvent) -> SpeedEvent:
    """The event took place: picks open until ``picks_close_at`` (a week by default) and
    everyone who took part is asked whom they would like to continue with."""
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    if event.status != EventStatus.SCHEDULED:
        raise ServiceError("Only a scheduled event can be marked held.")
    now = timezone.now()
    if now < event.starts_at:
        raise ServiceError("The event has not started yet; mark it held once it has taken place.")
    event.status = EventStatus.HELD
    if event.picks_close_at is None or event.picks_close_at <= now:
        event.picks_close_at = now + timedelta(days=PICKS_OPEN_DAYS)
    event.save(update_fields=["status", "picks_close_at"])
    path = reverse("speed_event_picks", kwargs={"org_slug": event.organization.slug, "pk": event.pk})
    for person in SpeedParticipant.objects.filter(event=event).select_related("membership"):
        notifications.notify(
            recipient=person.membership,
            kind=NotificationKind.OTHER,
            category=NotificationCategory.NUDGE,
            title=f"Whom would you like to continue with after {event.name}?",
            path=path,
            key=f"speed-picks:{event.pk}",
        )
    audit(
        organization=event.organization,
        actor=actor.user,
        action="speed_event.held",
        summary=f"Marked {event.name} as held; picks are open",
        speed_event=event.pk,
    )
    return event
