"""Reads about circles: who is in a circle, who may join, a program's circles with their
counts, waitlist positions, and the metadata a coordinator sees (never the record's text)."""

from django.db.models import Count, Q

from circles.models import (
    LIVE_MEMBER_STATUSES,
    Circle,
    CircleAgreementSignature,
    CircleChoice,
    CircleMeeting,
    CircleMember,
    CircleMemberStatus,
    CircleRole,
    CircleRsvp,
    CircleStatus,
)
from programs.models import Application, ApplicationStatus, Membership, Program, Role


def accepted_role(program: Program, membership: Membership) -> str | None:
    """The person's accepted role in the program: "mentor" (a facilitator), "mentee" (a
    member), or None. A person accepted as both counts as a mentor."""
    roles = set(
        Application.objects.filter(
            program=program, membership=membership, status=ApplicationStatus.ACCEPTED
        ).values_list("role", flat=True)
    )
    if Role.MENTOR in roles:
        return Role.MENTOR
    if Role.MENTEE in roles:
        return Role.MENTEE
    return None


def is_program_member(program: Program, membership: Membership) -> bool:
    """An accepted mentee applicant: one who may browse, join and rank the circles."""
    return Application.objects.filter(
        program=program, membership=membership, status=ApplicationStatus.ACCEPTED, role=Role.MENTEE
    ).exists()


def live_place(circle: Circle, membership: Membership) -> CircleMember | None:
    return CircleMember.objects.filter(circle=circle, membership=membership, status__in=LIVE_MEMBER_STATUSES).first()


def active_place(circle: Circle, membership: Membership) -> CircleMember | None:
    return CircleMember.objects.filter(circle=circle, membership=membership, status=CircleMemberStatus.ACTIVE).first()


def active_member_count(circle: Circle) -> int:
    return CircleMember.objects.filter(circle=circle, role=CircleRole.MEMBER, status=CircleMemberStatus.ACTIVE).count()


def waitlist_position(place: CircleMember) -> int | None:
    """1 for the next to be promoted; None when the place is not on the waitlist."""
    if place.status != CircleMemberStatus.WAITLISTED:
        return None
    ahead = CircleMember.objects.filter(circle_id=place.circle_id, status=CircleMemberStatus.WAITLISTED).filter(
        Q(waitlisted_at__lt=place.waitlisted_at) | Q(waitlisted_at=place.waitlisted_at, pk__lt=place.pk)
    )
    return ahead.count() + 1


def with_counts(queryset):
    """Circles annotated with their active members, facilitators, waitlist and meetings."""
    active = Q(members__status=CircleMemberStatus.ACTIVE)
    return queryset.annotate(
        member_count=Count("members", filter=active & Q(members__role=CircleRole.MEMBER), distinct=True),
        facilitator_count=Count("members", filter=active & Q(members__role=CircleRole.FACILITATOR), distinct=True),
        waitlist_count=Count("members", filter=Q(members__status=CircleMemberStatus.WAITLISTED), distinct=True),
        meeting_count=Count("meetings", filter=Q(meetings__cancelled_at__isnull=True), distinct=True),
    )


def program_circles(program: Program):
    """Every circle of the program with its counts, for coordinators (bounded queries)."""
    return with_counts(Circle.objects.filter(program=program).select_related("goal_area", "hub")).order_by(
        "status", "starts_on", "name", "pk"
    )


def open_circles(program: Program):
    """The circles a member may join by themselves."""
    return with_counts(
        Circle.objects.filter(program=program, open_to_join=True).exclude(status=CircleStatus.ENDED)
    ).order_by("starts_on", "name", "pk")


def places_of(program: Program, membership: Membership) -> list[CircleMember]:
    """The person's live places in the program's circles, with waitlist positions."""
    places = list(
        CircleMember.objects.filter(
            circle__program=program, membership=membership, status__in=LIVE_MEMBER_STATUSES
        ).select_related("circle")
    )
    for place in places:
        place.position = waitlist_position(place)
    return places


def choices_of(program: Program, membership: Membership) -> list[CircleChoice]:
    return list(CircleChoice.objects.filter(program=program, membership=membership).select_related("circle"))


def circle_people(circle: Circle) -> list[CircleMember]:
    """Facilitators first, then members; the waitlist in its order after them."""
    people = list(
        CircleMember.objects.filter(circle=circle, status__in=LIVE_MEMBER_STATUSES).select_related("membership__user")
    )
    signed = set(CircleAgreementSignature.objects.filter(circle=circle).values_list("member_id", flat=True))
    for person in people:
        person.has_signed = person.pk in signed
    order = {CircleMemberStatus.ACTIVE: 0, CircleMemberStatus.WAITLISTED: 1}
    people.sort(
        key=lambda p: (
            order[p.status],
            p.role != CircleRole.FACILITATOR,
            p.waitlisted_at or p.joined_at,
            p.pk,
        )
    )
    return people


def past_people(circle: Circle) -> list[CircleMember]:
    return list(
        CircleMember.objects.filter(circle=circle)
        .exclude(status__in=LIVE_MEMBER_STATUSES)
        .select_related("membership__user")
        .order_by("-left_at", "-pk")
    )


def coordinator_metadata(circle: Circle) -> dict:
    """What a coordinator sees of the circle's record: counts and dates, never its text."""
    meetings = CircleMeeting.objects.filter(circle=circle)
    rsvps = CircleRsvp.objects.filter(meeting__circle=circle)
    return {
        "meeting_count": meetings.filter(cancelled_at__isnull=True).count(),
        "cancelled_count": meetings.filter(cancelled_at__isnull=False).count(),
        "meeting_dates": list(
            meetings.filter(cancelled_at__isnull=True).order_by("-starts_at").values_list("starts_at", flat=True)[:12]
        ),
        "attended_count": rsvps.filter(attended=True).count(),
        "missed_count": rsvps.filter(attended=False).count(),
        "signed_count": CircleAgreementSignature.objects.filter(
            circle=circle, member__status=CircleMemberStatus.ACTIVE
        ).count(),
    }
