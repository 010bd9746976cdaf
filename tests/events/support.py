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
