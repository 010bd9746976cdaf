"""Reads of the relationship for pages in other apps."""

from django.db.models import Q

from relationships.models import Mentorship


def mentorships_of(*, membership) -> list:
    """The person's latest pairings in the organization, as mentor or mentee."""
    return list(
        Mentorship.objects.filter(Q(mentor=membership) | Q(mentee=membership))
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("-started_on", "-pk")[:20]
    )


def dashboard_context(membership) -> dict:
    """What the organization's home page shows of the person's relationships."""
    return {"my_mentorships": mentorships_of(membership=membership)}
