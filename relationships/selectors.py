"""Reads of the relationship for pages in other apps."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from programs.models import HubMentor, Membership, Program
from relationships.models import LIVE_STATUSES, Goal, GoalStatus, Meeting, MeetingStatus, Mentorship


def mentorships_of(*, membership) -> list:
    """The person's latest pairings in the organization, as mentor or mentee."""
    return list(
        Mentorship.objects.filter(Q(mentor=membership) | Q(mentee=membership))
        .select_related("program", "mentor__user", "mentee__user")
        # Only what the home page shows: names, program, start, status (no password hashes).
        .only(
            "organization_id",
            "mentor_id",
            "mentee_id",
            "status",
            "started_on",
            "program__name",
            "mentor__user__full_name",
            "mentee__user__full_name",
        )
        .order_by("-started_on", "-pk")[:20]
    )


def dashboard_context(membership) -> dict:
    """What the organization's home page shows of the person's relationships."""
    return {"my_mentorships": mentorships_of(membership=membership)}


def _count(model, **filters) -> Coalesce:
    """How many ``model`` rows belong to each mentorship (a subquery: no join multiplies rows)."""
    return Coalesce(
        Subquery(
            model.objects.filter(mentorship=OuterRef("pk"), **filters)
            .order_by()
            .values("mentorship")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def program_mentorships(*, program, live_only: bool = True) -> QuerySet[Mentorship]:
    """A program's pairings for its coordinators, with metadata only: the people, status,
    stage, dates, the mentor's hub and counts of meetings held and goals. No field of the
    pair's record (notes, agendas, goals' text) is loaded."""
    mentorships = Mentorship.objects.filter(program=program).select_related("mentor__user", "mentee__user")
    if live_only:
        mentorships = mentorships.filter(status__in=LIVE_STATUSES)
    hub = HubMentor.objects.filter(hub__program=OuterRef("program"), membership=OuterRef("mentor")).order_by(
        "hub__name"
    )
    return mentorships.annotate(
        hub_name=Subquery(hub.values("hub__name")[:1]),
        meetings_held=_count(Meeting, status=MeetingStatus.HELD),
        goals_total=_count(Goal),
        goals_achieved=_count(Goal, status=GoalStatus.ACHIEVED),
    )


SEARCH_LIMIT = 20  # rows per group on the search page


def _cut(rows: list) -> tuple[list, bool]:
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


def organization_search(*, organization, query: str) -> dict:
    """People (name or email), programs (name) and relationships (either person's name) of
    one organization matching ``query``: each group at most ``SEARCH_LIMIT`` rows (one
    query each) and whether more matched."""
    people, more_people = _cut(
        list(
            Membership.objects.filter(organization=organization)
            .filter(Q(user__full_name__icontains=query) | Q(user__email__icontains=query))
            .select_related("user")
            .order_by("-is_active", "user__full_name", "user__email", "pk")[: SEARCH_LIMIT + 1]
        )
    )
    programs, more_programs = _cut(
        list(
            Program.objects.filter(organization=organization, name__icontains=query).order_by("name", "pk")[
                : SEARCH_LIMIT + 1
            ]
        )
    )
    relationships, more_relationships = _cut(
        list(
            Mentorship.objects.filter(organization=organization)
            .filter(Q(mentor__user__full_name__icontains=query) | Q(mentee__user__full_name__icontains=query))
            .select_related("program", "mentor__user", "mentee__user")
            .order_by("-started_on", "-pk")[: SEARCH_LIMIT + 1]
        )
    )
    return {
        "people": people,
        "more_people": more_people,
        "programs": programs,
        "more_programs": more_programs,
        "relationships": relationships,
        "more_relationships": more_relationships,
        "count": len(people) + len(programs) + len(relationships),
    }
