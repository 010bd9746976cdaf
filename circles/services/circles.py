"""Circles by hand and by themselves: a coordinator creates, edits and ends a circle, adds
the program's accepted applicants (mentors facilitate, mentees are members), removes them
and replaces a facilitator; members join open circles (a waitlist when full, promoted in
order) and leave without fault. A circle ends on its date (``circle_end_due``, the beat's
``circles.end_due``).

Every change locks the circle's row first, so concurrent joins never fill a circle past
its capacity, and the waitlist is promoted by one transaction at a time.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from circles.models import (
    LIVE_MEMBER_STATUSES,
    MAX_CAPACITY,
    MAX_FACILITATORS,
    MIN_CAPACITY,
    Circle,
    CircleEndReason,
    CircleMember,
    CircleMemberStatus,
    CircleOrigin,
    CircleRole,
    CircleStatus,
)
from circles.selectors import accepted_role, is_program_member
from circles.services.record import cancel_upcoming
from mentorship.exceptions import ServiceError
from programs.models import GoalArea, Hub, Membership, Program, ProgramModel
from programs.services.access import require_coordinator
from programs.services.audit import audit
from programs.services.notifications import notify

EDITABLE_FIELDS = (
    "name",
    "theme",
    "goal_area",
    "hub",
    "description",
    "capacity",
    "open_to_join",
    "starts_on",
    "ends_on",
)


def circle_path(circle: Circle) -> str:
    return reverse(
        "circle_detail",
        kwargs={"org_slug": circle.organization.slug, "program_slug": circle.program.slug, "pk": circle.pk},
    )


def lock_circle(circle: Circle) -> Circle:
    """The circle's row, locked for the rest of the transaction (read again: it may have
    changed since the caller read it)."""
    return Circle.objects.select_for_update().select_related("organization", "program").get(pk=circle.pk)


def _require_circles_program(program: Program) -> None:
    if program.model != ProgramModel.CIRCLES:
        raise ServiceError("Circles belong to a group-circles program; this program pairs people another way.")


def _require_open(circle: Circle) -> None:
    if circle.status == CircleStatus.ENDED:
        raise ServiceError("This circle has ended; its history stays as it was.")


def _clean(program: Program, values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    name = (values.get("name") or "").strip()
    theme = (values.get("theme") or "").strip()
    if not name:
        raise ServiceError("Give the circle a name.")
    if not theme:
        raise ServiceError("Say what the circle is about: its theme.")
    values["name"], values["theme"] = name[:150], theme[:200]
    capacity = values.get("capacity")
    if capacity is None or not MIN_CAPACITY <= int(capacity) <= MAX_CAPACITY:
        raise ServiceError(f"A circle has {MIN_CAPACITY} to {MAX_CAPACITY} members (facilitators not counted).")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if not starts_on or not ends_on:
        raise ServiceError("Give the circle a start date and an end date.")
    if ends_on < starts_on:
        raise ServiceError("The circle must end on or after the day it starts.")
    goal_area, hub = values.get("goal_area"), values.get("hub")
    if goal_area is not None and not GoalArea.objects.filter(pk=goal_area.pk, program=program).exists():
        raise ServiceError("Choose one of this program's goal areas.")
    if hub is not None and not Hub.objects.filter(pk=hub.pk, program=program).exists():
        raise ServiceError("Choose one of this program's hubs.")
    values["description"] = (values.get("description") or "").strip()
    values["open_to_join"] = bool(values.get("open_to_join"))
    return values


@transaction.atomic
def circle_create(*, actor: Membership, program: Program, **values) -> Circle:
    require_coordinator(actor, program.organization)
    _require_circles_program(program)
    values = _clean(program, values)
    today = timezone.localdate()
    status = CircleStatus.ACTIVE if values["starts_on"] <= today else CircleStatus.FORMING
    circle = Circle.objects.create(organization=program.organization, program=program, status=status, **values)
    audit(
        organization=program.organization,
        actor=actor.user,
        action="circle.created",
        summary=f"Circle {circle.name} created in {program.name}",
        circle=circle.pk,
    )
    return circle


@transaction.atomic
def circle_update(*, actor: Membership, circle: Circle, **values) -> Circle:
    require_coordinator(actor, circle.organization)
    circle = lock_circle(circle)
    _require_open(circle)
    values = _clean(circle.program, values)
    members = CircleMember.objects.filter(
        circle=circle, role=CircleRole.MEMBER, status=CircleMemberStatus.ACTIVE
    ).count()
    if values["capacity"] < members:
        raise ServiceError(f"The circle has {members} members now; its capacity cannot be less. Remove members first.")
    for name, value in values.items():
        setattr(circle, name, value)
    if circle.status == CircleStatus.FORMING and circle.starts_on <= timezone.localdate():
        circle.status = CircleStatus.ACTIVE
    elif circle.status == CircleStatus.ACTIVE and circle.starts_on > timezone.localdate():
        circle.status = CircleStatus.FORMING  # its start moved later: forming until then
    circle.save()
    promote_waitlist(circle)
    audit(
        organization=circle.organization,
        actor=actor.user,
        action="circle.updated",
        summary=f"Circle {circle.name} edited",
        circle=circle.pk,
    )
    return circle


def _active_count(circle: Circle, role: str) -> int:
    return CircleMember.objects.filter(circle=circle, role=role, status=CircleMemberStatus.ACTIVE).count()


def _notify_place(place: CircleMember, title: str) -> None:
    notify(
        recipient=place.membership,
        kind="other",
        category="nudge",
        title=title,
        path=circle_path(place.circle),
        key=f"circle:{place.circle_id}",
    )


def notify_to_sign(place: CircleMember) -> None:
    notify(
        recipient=place.membership,
        kind="agreement",
        category="obligation",
        title=f"Sign the agreement of the circle {place.circle.name}",
        path=reverse(
            "circle_agreement",
            kwargs={
                "org_slug": place.circle.organization.slug,
                "program_slug": place.circle.program.slug,
                "pk": place.circle_id,
            },
        ),
        key=f"circle-agreement:{place.circle_id}",
    )


def _create_place(circle: Circle, membership: Membership, **fields) -> CircleMember:
    try:
        with transaction.atomic():
            return CircleMember.objects.create(
                organization=circle.organization, circle=circle, membership=membership, **fields
            )
    except IntegrityError as error:
        raise ServiceError(f"{membership.user.full_name} is already in this circle or on its waitlist.") from error


def promote_waitlist(circle: Circle) -> list[CircleMember]:
    """Give free places to the waitlist in order (first waitlisted first). The caller holds
    the circle's lock."""
    if circle.status == CircleStatus.ENDED:
        return []
    free = circle.capacity - _active_count(circle, CircleRole.MEMBER)
    if free <= 0:
        return []
    promoted = list(
        CircleMember.objects.select_for_update()
        .filter(circle=circle, status=CircleMemberStatus.WAITLISTED)
        .select_related("membership__user")
        .order_by("waitlisted_at", "pk")[:free]
    )
    now = timezone.now()
    for place in promoted:
        place.status = CircleMemberStatus.ACTIVE
        place.joined_at = now
        place.save(update_fields=["status", "joined_at"])
        place.circle = circle
        _notify_place(place, f"A place opened in the circle {circle.name}: you are in")
        notify_to_sign(place)
    return promoted


@transaction.atomic
def member_add(*, actor: Membership, circle: Circle, membership: Membership, role: str | None = None) -> CircleMember:
    """A coordinator adds an accepted applicant: a mentor facilitates, a mentee is a member
    (``role`` may say which when the person was accepted as both)."""
    require_coordinator(actor, circle.organization)
    circle = lock_circle(circle)
    _require_open(circle)
    if membership.organization_id != circle.organization_id or not membership.is_active:
        raise ServiceError("Choose an active member of this organization.")
    accepted = accepted_role(circle.program, membership)
    if accepted is None:
        raise ServiceError(
            f"{membership.user.full_name} has no accepted application to {circle.program.name}; accept it first."
        )
    if role is None:
        role = CircleRole.FACILITATOR if accepted == "mentor" else CircleRole.MEMBER
    if role == CircleRole.FACILITATOR and accepted != "mentor":
        raise ServiceError("Facilitators are the program's accepted mentors.")
    if role == CircleRole.FACILITATOR and _active_count(circle, CircleRole.FACILITATOR) >= MAX_FACILITATORS:
        raise ServiceError(f"A circle has at most {MAX_FACILITATORS} facilitators. Replace one instead.")
    if role == CircleRole.MEMBER and _active_count(circle, CircleRole.MEMBER) >= circle.capacity:
        raise ServiceError(f"The circle is full ({circle.capacity} members). Raise its capacity or remove someone.")
    place = _create_place(circle, membership, role=role, origin=CircleOrigin.COORDINATOR)
    place.circle = circle
    _notify_place(place, f"You were added to the circle {circle.name}")
    notify_to_sign(place)
    audit(
        organization=circle.organization,
        actor=actor.user,
        action="circle.member_added",
        summary=f"{membership.user.full_name} added to the circle {circle.name} as {place.get_role_display().lower()}",
        circle=circle.pk,
        membership=membership.pk,
    )
    return place


def _end_place(place: CircleMember, status: str) -> None:
    place.status = status
    place.left_at = timezone.now()
    place.save(update_fields=["status", "left_at"])


@transaction.atomic
def member_remove(*, actor: Membership, place: CircleMember) -> CircleMember:
    require_coordinator(actor, place.circle.organization)
    circle = lock_circle(place.circle)
    # An ended circle's people keep its record, as its agreement says.
    _require_open(circle)
    place = CircleMember.objects.select_for_update().select_related("membership__user").get(pk=place.pk)
    if place.status not in LIVE_MEMBER_STATUSES:
        raise ServiceError("This person is no longer in the circle.")
    _end_place(place, CircleMemberStatus.REMOVED)
    promote_waitlist(circle)
    audit(
        organization=circle.organization,
        actor=actor.user,
        action="circle.member_removed",
        summary=f"{place.membership.user.full_name} removed from the circle {circle.name}",
        circle=circle.pk,
        membership=place.membership_id,
    )
    return place


@transaction.atomic
def facilitator_replace(*, actor: Membership, place: CircleMember, membership: Membership) -> CircleMember:
    """The facilitator ``place`` steps down (status replaced, kept in the history) and
    ``membership``, an accepted mentor of the program, facilitates instead."""
    require_coordinator(actor, place.circle.organization)
    circle = lock_circle(place.circle)
    _require_open(circle)
    place = CircleMember.objects.select_for_update().select_related("membership__user").get(pk=place.pk)
    if place.role != CircleRole.FACILITATOR or place.status != CircleMemberStatus.ACTIVE:
        raise ServiceError("Only a current facilitator can be replaced.")
    if membership.pk == place.membership_id:
        raise ServiceError("Choose someone else to facilitate.")
    if membership.organization_id != circle.organization_id or accepted_role(circle.program, membership) != "mentor":
        raise ServiceError("The new facilitator must be one of the program's accepted mentors.")
    _end_place(place, CircleMemberStatus.REPLACED)
    new = _create_place(circle, membership, role=CircleRole.FACILITATOR, origin=CircleOrigin.COORDINATOR)
    new.circle = circle
    _notify_place(new, f"You now facilitate the circle {circle.name}")
    notify_to_sign(new)
    audit(
        organization=circle.organization,
        actor=actor.user,
        action="circle.facilitator_replaced",
        summary=f"{membership.user.full_name} replaces {place.membership.user.full_name} as facilitator of "
        f"the circle {circle.name}",
        circle=circle.pk,
        old=place.membership_id,
        new=membership.pk,
    )
    return new


def _end(circle: Circle, *, actor: Membership | None, reason: str) -> None:
    # Meetings still to come are cancelled first, while everyone is still in the circle to get
    # the calendar's cancellation.
    cancel_upcoming(circle=circle, actor=actor)
    circle.status = CircleStatus.ENDED
    circle.ended_at = timezone.now()
    circle.ended_by = actor
    circle.end_reason = reason
    circle.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    # The waitlist has nothing left to wait for.
    for place in CircleMember.objects.filter(circle=circle, status=CircleMemberStatus.WAITLISTED):
        _end_place(place, CircleMemberStatus.LEFT)


@transaction.atomic
def circle_end(*, actor: Membership, circle: Circle) -> Circle:
    require_coordinator(actor, circle.organization)
    circle = lock_circle(circle)
    _require_open(circle)
    _end(circle, actor=actor, reason=CircleEndReason.ENDED_BY_COORDINATOR)
    audit(
        organization=circle.organization,
        actor=actor.user,
        action="circle.ended",
        summary=f"Circle {circle.name} ended by a coordinator",
        circle=circle.pk,
    )
    return circle


def circle_end_due(today: date) -> dict:
    """The beat's scan over every organization: circles past their end date end, forming
    circles whose start date has come become active. Each circle in its own transaction
    (locked and checked again), so a second run changes nothing."""
    ended = started = 0
    with scopes_disabled():
        due = list(
            Circle.objects.filter(ends_on__lt=today).exclude(status=CircleStatus.ENDED).values_list("pk", flat=True)
        )
        for pk in due:
            with transaction.atomic():
                circle = Circle.objects.select_for_update().get(pk=pk)
                if circle.status == CircleStatus.ENDED or circle.ends_on >= today:
                    continue
                _end(circle, actor=None, reason=CircleEndReason.ENDED_ON_DATE)
                audit(
                    organization=circle.organization,
                    actor=None,
                    action="circle.ended",
                    summary=f"Circle {circle.name} reached its end date",
                    circle=circle.pk,
                )
                ended += 1
        started = Circle.objects.filter(status=CircleStatus.FORMING, starts_on__lte=today, ends_on__gte=today).update(
            status=CircleStatus.ACTIVE
        )
    return {"ended": ended, "started": started}


@transaction.atomic
def circle_join(*, actor: Membership, circle: Circle) -> CircleMember:
    """A member joins an open circle: a place when there is one, else the end of the
    waitlist. The circle's row lock makes concurrent joins take turns, so the count read
    here is the count written."""
    circle = lock_circle(circle)
    if actor.organization_id != circle.organization_id:
        raise PermissionDenied("Not a member of this organization.")
    _require_open(circle)
    if not circle.open_to_join:
        raise ServiceError("This circle is formed by the program office; members cannot join it themselves.")
    if not is_program_member(circle.program, actor):
        raise ServiceError(
            f"Circles are open to the accepted members of {circle.program.name}. Apply to the program first."
        )
    if CircleMember.objects.filter(circle=circle, membership=actor, status__in=LIVE_MEMBER_STATUSES).exists():
        raise ServiceError("You are already in this circle or on its waitlist.")
    now = timezone.now()
    full = _active_count(circle, CircleRole.MEMBER) >= circle.capacity
    if full:
        place = _create_place(
            circle,
            actor,
            role=CircleRole.MEMBER,
            origin=CircleOrigin.JOINED,
            status=CircleMemberStatus.WAITLISTED,
            waitlisted_at=now,
            joined_at=now,
        )
    else:
        place = _create_place(circle, actor, role=CircleRole.MEMBER, origin=CircleOrigin.JOINED, joined_at=now)
    place.circle = circle
    return place


@transaction.atomic
def circle_leave(*, actor: Membership, circle: Circle) -> CircleMember:
    """Leave a circle (or its waitlist), without fault: the place is kept as "left"."""
    circle = lock_circle(circle)
    place = (
        CircleMember.objects.select_for_update()
        .filter(circle=circle, membership=actor, status__in=LIVE_MEMBER_STATUSES)
        .first()
    )
    if place is None:
        raise ServiceError("You are not in this circle.")
    _end_place(place, CircleMemberStatus.LEFT)
    promote_waitlist(circle)
    return place
