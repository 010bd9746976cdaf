"""Shared builders for the speed-mentoring event tests."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from events.models import SpeedEvent
from programs.models import ApplicationStatus, Role
from tests.factories import ApplicationFactory, MembershipFactory, ProfileFactory, ProgramFactory


def speed_program(org, **kwargs):
    return ProgramFactory(organization=org, speed_events=True, **kwargs)


def approved(program, role, name=None, **profile):
    membership = MembershipFactory(organization=program.organization, **({"user__full_name": name} if name else {}))
    with scopes_disabled():
        ApplicationFactory(
            program=program, membership=membership, role=role, status=ApplicationStatus.ACCEPTED, capacity=2
        )
        if profile:
            ProfileFactory(membership=membership, **profile)
    return membership


def people(program, mentors: int, mentees: int):
    return (
        [approved(program, Role.MENTOR, f"Mentor {k:03d}") for k in range(mentors)],
        [approved(program, Role.MENTEE, f"Mentee {k:03d}") for k in range(mentees)],
    )


def event(program, coordinator, *, days: int = 5, rounds: int = 3, **kwargs) -> SpeedEvent:
    from events.services.events import event_create

    with scope(organization=program.organization):
        return event_create(
            actor=coordinator,
            program=program,
            name=kwargs.pop("name", "Speed mentoring at the annual meeting"),
            starts_at=timezone.now() + timedelta(days=days),
            location="Hall B",
            rounds=rounds,
            round_minutes=kwargs.pop("round_minutes", 8),
            changeover_minutes=kwargs.pop("changeover_minutes", 2),
            picks_close_at=None,
        )


def speed_world(org, program, *, mentor, mentee, marker: str, status: str = "held") -> dict:
    """For the isolation matrix and the bad-input test: an event of ``program`` where the
    pairing's mentor (table 1) and mentee take part and met in round 1, plus a second
    mentee; ``status`` "held" opens the picks, "scheduled" starts tomorrow. Unscoped: call it
    inside ``scopes_disabled()``. Returns the ids the URLs need."""
    from datetime import timedelta

    from events.models import SpeedParticipant, SpeedSlot

    now = timezone.now()
    program.speed_events = True
    program.save(update_fields=["speed_events"])
    the_event = SpeedEvent.objects.create(
        organization=org,
        program=program,
        name=f"{marker}SHARED-SPEED-EVENT",
        starts_at=now - timedelta(days=1) if status == "held" else now + timedelta(days=1),
        location="Hall B",
        rounds=2,
        round_minutes=8,
        changeover_minutes=2,
        status=status,
        picks_close_at=now + timedelta(days=6),
        stats={"slots": 2, "min_meetings": 1, "max_meetings": 1, "unmet": []},
    )
    table = SpeedParticipant.objects.create(
        organization=org, event=the_event, membership=mentor, role="mentor", table_number=1
    )
    seat = SpeedParticipant.objects.create(organization=org, event=the_event, membership=mentee, role="mentee")
    other = SpeedParticipant.objects.create(
        organization=org, event=the_event, membership=MembershipFactory(organization=org), role="mentee"
    )
    SpeedSlot.objects.create(organization=org, event=the_event, round_number=0, mentor=table, mentee=seat)
    SpeedSlot.objects.create(organization=org, event=the_event, round_number=1, mentor=table, mentee=other)
    return {"speed_event": the_event.pk, "speed_participant": seat.pk}


def took_place(the_event: SpeedEvent) -> None:
    """The event's time has come (its rounds ran): it may be marked held."""
    with scopes_disabled():
        SpeedEvent.objects.filter(pk=the_event.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    the_event.refresh_from_db()
