"""A circle whose facilitator and members signed its agreement, for the record's tests
(made with the ORM, so these tests do not depend on how circles are formed)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from circles.models import (
    Circle,
    CircleAgreementSignature,
    CircleMeeting,
    CircleMember,
    CircleMemberStatus,
    CircleNote,
    CircleRole,
    CircleStatus,
)
from programs.models import ProgramModel
from tests.factories import MembershipFactory, ProgramFactory


@dataclass
class RecordWorld:
    circle: Circle
    facilitator: object  # Membership
    members: list = field(default_factory=list)  # Memberships
    places: dict = field(default_factory=dict)  # membership pk -> CircleMember

    @property
    def member(self):
        return self.members[0]

    def url(self, suffix: str = "") -> str:
        circle = self.circle
        return f"/o/{circle.organization.slug}/programs/{circle.program.slug}/circles/{circle.pk}/{suffix}"


def add_place(circle: Circle, *, role=CircleRole.MEMBER, signed=True, name="", status=CircleMemberStatus.ACTIVE):
    with scopes_disabled():
        membership = MembershipFactory(organization=circle.organization, **({"user__full_name": name} if name else {}))
        place = CircleMember.objects.create(
            organization=circle.organization, circle=circle, membership=membership, role=role, status=status
        )
        if signed:
            CircleAgreementSignature.objects.create(
                organization=circle.organization,
                circle=circle,
                member=place,
                typed_name=membership.user.full_name,
                text_sha256="0" * 64,
            )
    return membership, place


def record_world(organization, *, members: int = 3, slug: str = "circles", name: str = "Grant writing circle"):
    with scopes_disabled():
        program = ProgramFactory(organization=organization, model=ProgramModel.CIRCLES, slug=slug)
        circle = Circle.objects.create(
            organization=organization,
            program=program,
            name=name,
            theme="Your first grant",
            capacity=8,
            starts_on=timezone.localdate() - timedelta(days=1),
            ends_on=timezone.localdate() + timedelta(days=210),
            status=CircleStatus.ACTIVE,
        )
    facilitator, place = add_place(circle, role=CircleRole.FACILITATOR, name="Fran Facilitator")
    world = RecordWorld(circle=circle, facilitator=facilitator, places={facilitator.pk: place})
    for n in range(members):
        membership, place = add_place(circle, name=f"Member {n + 1}")
        world.members.append(membership)
        world.places[membership.pk] = place
    return world


def add_meeting(circle: Circle, starts_at: datetime, **fields) -> CircleMeeting:
    with scopes_disabled():
        return CircleMeeting.objects.create(
            organization=circle.organization,
            circle=circle,
            starts_at=starts_at,
            duration_minutes=fields.pop("duration_minutes", 60),
            **fields,
        )


def next_week(hour: int = 17) -> datetime:
    return (timezone.now() + timedelta(days=7)).replace(hour=hour, minute=0, second=0, microsecond=0)


def circle_record_ids(circle_pk: int, *, author) -> dict:
    """The record's objects of the matrix's circle (tests/circles/world.py makes them): its
    meeting and ``author``'s private note. Unscoped (call inside ``scopes_disabled()``)."""
    return {
        "circle_meeting": CircleMeeting.objects.filter(circle_id=circle_pk)
        .order_by("pk")
        .values_list("pk", flat=True)[0],
        "circle_note": CircleNote.objects.filter(circle_id=circle_pk, author=author).values_list("pk", flat=True)[0],
    }
