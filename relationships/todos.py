"""What waits for a mentor or a mentee in their relationships: meetings that took place and
are not logged yet, and (for the mentee) agendas to write for the meetings to come."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from programs.dashboard import Todo, plural
from relationships.models import LIVE_STATUSES, Meeting, MeetingStatus

SHOWN = 50  # enough to count and to link the oldest; the pages list them all


def _meeting_url(slug: str, row: dict) -> str:
    return reverse("meeting_detail", kwargs={"org_slug": slug, "pk": row["mentorship_id"], "meeting_pk": row["pk"]})


def todos(membership) -> list[Todo]:
    slug, now = membership.organization.slug, timezone.now()
    live = Meeting.objects.filter(
        organization_id=membership.organization_id,
        status=MeetingStatus.SCHEDULED,
        mentorship__status__in=LIVE_STATUSES,
    )
    to_log = list(
        live.filter(Q(mentorship__mentor=membership) | Q(mentorship__mentee=membership), starts_at__lte=now)
        .order_by("starts_at", "pk")
        .values("pk", "mentorship_id")[:SHOWN]
    )
    agendas = list(
        live.filter(mentorship__mentee=membership, starts_at__gt=now, agenda_updated_at__isnull=True)
        .order_by("starts_at", "pk")
        .values("pk", "mentorship_id")[:SHOWN]
    )
    found = []
    if to_log:
        found.append(
            Todo(
                kind="meetings_to_log",
                label=f"Log {plural(len(to_log), 'meeting that took place', 'meetings that took place')}",
                url=_meeting_url(slug, to_log[0]),
                count=len(to_log),
            )
        )
    if agendas:
        found.append(
            Todo(
                kind="agendas",
                label=f"Write the agenda for {plural(len(agendas), 'meeting to come', 'meetings to come')}",
                url=_meeting_url(slug, agendas[0]),
                count=len(agendas),
            )
        )
    return found
