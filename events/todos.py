"""What waits for a member in speed-mentoring events: the schedule of an event still to come,
and, after an event, saying whom they would like to continue with while picks are open."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus, SpeedParticipant, SpeedPick
from programs.dashboard import Todo

SHOWN = 10


def todos(membership) -> list[Todo]:
    slug, now = membership.organization.slug, timezone.now()
    rows = (
        SpeedParticipant.objects.filter(organization_id=membership.organization_id, membership=membership)
        .filter(
            # A published schedule until the day after the event; picks while they are open.
            Q(event__status=EventStatus.SCHEDULED, event__starts_at__gte=now - timedelta(days=1))
            | Q(event__status=EventStatus.HELD)
            & (Q(event__picks_close_at__isnull=True) | Q(event__picks_close_at__gt=now))
        )
        .annotate(picked=Exists(SpeedPick.objects.filter(chooser=OuterRef("pk"))))
        .order_by("event__starts_at", "pk")
        .values("event_id", "event__name", "event__status", "event__starts_at", "event__picks_close_at", "picked")[
            :SHOWN
        ]
    )
    todos = []
    for row in rows:
        kwargs = {"org_slug": slug, "pk": row["event_id"]}
        if row["event__status"] == EventStatus.SCHEDULED:
            todos.append(
                Todo(
                    kind="speed_schedules",
                    label=f"Your schedule for “{row['event__name']}”",
                    detail="Your rounds, tables and whom you meet",
                    url=reverse("speed_event_mine", kwargs=kwargs),
                )
            )
        elif not row["picked"]:
            todos.append(
                Todo(
                    kind="speed_picks",
                    label=f"Say whom you would like to continue with after “{row['event__name']}”",
                    detail="Only mutual picks are offered as pairs",
                    url=reverse("speed_event_picks", kwargs=kwargs),
                )
            )
    return todos
