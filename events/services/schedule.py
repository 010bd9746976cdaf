"""Building an event's schedule: its participants become engine ``Participants`` (scored
with the program's matching weights, as match rounds are), the engine places mentees at
tables round by round, and the slots are saved. Pairs already live in the program,
declined or ended before, are never seated together."""

import re

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedRole, SpeedSlot
from matching.engine.inputs import MatchConfig, Participants, bitset
from matching.engine.speed import speed_schedule
from matching.services.pool_values import MODE_BITS
from matching.services.rounds import default_weights
from mentorship.db import retry_on_deadlock
from mentorship.exceptions import ServiceError
from programs.models import (
    Application,
    ApplicationStatus,
    Membership,
    NotificationCategory,
    NotificationKind,
    PracticeSetting,
)
from programs.services import notifications
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship, PairExclusion

WORD = re.compile(r"[a-z][a-z\-]{3,}")
CHANGEABLE = (EventStatus.PLANNED, EventStatus.SCHEDULED)


class Codes:
    """Stable small integers for strings."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def __call__(self, value: str | None) -> int:
        key = (value or "").strip().lower()
        if not key:
            return -1
        return self.codes.setdefault(key, len(self.codes))


def lock_event(event: SpeedEvent, actor: Membership | None = None) -> SpeedEvent:
    if actor is not None and event.organization_id != actor.organization_id:
        raise PermissionDenied("That event belongs to another organization.")
    return SpeedEvent.objects.select_for_update(of=("self",)).select_related("program").get(pk=event.pk)


def require_changeable(event: SpeedEvent) -> None:
    if event.status not in CHANGEABLE:
        raise ServiceError("The event has been held; its participants and schedule no longer change.")
    if timezone.now() >= event.starts_at:
        raise ServiceError("The event has started; its participants and schedule no longer change.")


def participants_arrays(program, people: list[SpeedParticipant], codes: dict) -> Participants:
    """One side of the event as engine arrays, from each person's profile and their
    accepted application in the program (areas of need or expertise, meeting modes)."""
    apps = {
        a.membership_id: a
        for a in Application.objects.filter(
            program=program,
            membership_id__in=[p.membership_id for p in people],
            status=ApplicationStatus.ACCEPTED,
        ).prefetch_related("goal_areas")
    }
    settings_codes = {value: i for i, value in enumerate(PracticeSetting.values)}
    rows = []
    for person in people:
        membership = person.membership
        profile = getattr(membership, "profile", None)  # None: no profile yet
        app = apps.get(person.membership_id)
        text = f"{profile.clinical_interests} {profile.research_interests}".lower() if profile else ""
        years = profile.years_in_practice if profile else None
        rows.append(
            {
                "specialty": codes["specialty"](profile.specialty if profile else ""),
                "setting": settings_codes.get(profile.practice_setting, -1) if profile else -1,
                "years": float(years) if years is not None else np.nan,
                "institution": codes["institution"](profile.institution if profile else ""),
                "region": codes["region"](f"{profile.country}/{profile.region}" if profile and profile.country else ""),
                "words": {codes["words"](w) for w in set(WORD.findall(text))},
                "areas": [codes["areas"](str(g.pk)) for g in app.goal_areas.all()] if app else [],
                "modes": sum(MODE_BITS.get(v, 0) for v in (app.meeting_modes if app else []) or []) or 7,
            }
        )
    return rows


def to_participants(people, rows, n_words: int, n_areas: int) -> Participants:
    return Participants(
        person_id=[p.membership_id for p in people],
        specialty=[r["specialty"] for r in rows],
        practice_setting=[r["setting"] for r in rows],
        years=[r["years"] for r in rows],
        areas=bitset([r["areas"] for r in rows], n_areas),
        interests=bitset([r["words"] for r in rows], n_words),
        region=[r["region"] for r in rows],
        modes=[r["modes"] for r in rows],
        institution=[r["institution"] for r in rows],
        capacity=[1] * len(people),
    )


def excluded_pairs(program, mentees: list[SpeedParticipant], mentors: list[SpeedParticipant]) -> dict:
    """(mentee index, mentor index) -> why they are never seated together."""
    mentee_index = {p.membership_id: i for i, p in enumerate(mentees)}
    mentor_index = {p.membership_id: j for j, p in enumerate(mentors)}
    excluded = {}
    live = Mentorship.objects.filter(
        program=program, status__in=LIVE_STATUSES, mentor_id__in=mentor_index, mentee_id__in=mentee_index
    ).values_list("mentor_id", "mentee_id")
    for mentor_id, mentee_id in live:
        excluded[(mentee_index[mentee_id], mentor_index[mentor_id])] = "already paired"
    for mentor_id, mentee_id in PairExclusion.objects.filter(
        program=program, mentor_id__in=mentor_index, mentee_id__in=mentee_index
    ).values_list("mentor_id", "mentee_id"):
        excluded[(mentee_index[mentee_id], mentor_index[mentor_id])] = "declined or ended before"
    return excluded


def rebuild(event: SpeedEvent, actor: Membership) -> int:
    """Build the schedule again (the caller holds the event's lock); returns the slots saved."""
    people = list(
        SpeedParticipant.objects.filter(event=event)
        .select_related("membership__user", "membership__profile")
        .order_by("table_number", "pk")
    )
    mentors = [p for p in people if p.role == SpeedRole.MENTOR]
    mentees = [p for p in people if p.role == SpeedRole.MENTEE]
    SpeedSlot.objects.filter(event=event).delete()
    if not mentors or not mentees:
        event.status = EventStatus.PLANNED
        event.stats = {}
        event.save(update_fields=["status", "stats"])
        return 0
    codes = {name: Codes() for name in ("specialty", "institution", "region", "words", "areas")}
    mentee_rows = participants_arrays(event.program, mentees, codes)
    mentor_rows = participants_arrays(event.program, mentors, codes)
    n_words, n_areas = max(1, len(codes["words"].codes)), max(1, len(codes["areas"].codes))
    config = MatchConfig(
        weights=default_weights(event.program), excluded_pairs=excluded_pairs(event.program, mentees, mentors)
    )
    result = speed_schedule(
        to_participants(mentees, mentee_rows, n_words, n_areas),
        to_participants(mentors, mentor_rows, n_words, n_areas),
        config,
        rounds=event.rounds,
    )
    SpeedSlot.objects.bulk_create(
        SpeedSlot(
            organization_id=event.organization_id,
            event=event,
            round_number=int(r),
            mentor=mentors[int(j)],
            mentee=mentees[int(i)],
        )
        for r, i, j in result.slots
    )
    meetings = [int(x) for x in np.asarray(result.meetings).ravel()]
    event.status = EventStatus.SCHEDULED
    event.scheduled_at = timezone.now()
    event.stats = {
        "mentors": len(mentors),
        "mentees": len(mentees),
        "slots": len(result.slots),
        "min_meetings": min(meetings) if meetings else 0,
        "max_meetings": max(meetings) if meetings else 0,
        "total_score": round(float(result.total_score), 4),
        "objective": str(result.objective),
        "unmet": [{"mentee": mentees[int(i)].membership_id, "reason": str(why)} for i, why in result.unmet],
    }
    event.save(update_fields=["status", "scheduled_at", "stats"])
    path = reverse("speed_event_mine", kwargs={"org_slug": event.organization.slug, "pk": event.pk})
    for person in people:
        notifications.notify(
            recipient=person.membership,
            kind=NotificationKind.OTHER,
            category=NotificationCategory.NUDGE,
            title=f"Your schedule for {event.name} is ready",
            title_many=f"Your schedule for {event.name} changed",
            path=path,
            key=f"speed-schedule:{event.pk}",
        )
    return len(result.slots)


@retry_on_deadlock
@transaction.atomic
def schedule_build(*, actor: Membership, event: SpeedEvent) -> int:
    """A coordinator builds (or builds again) the event's schedule and publishes it to the
    participants. Two coordinators at once: the event's lock makes one wait for the other."""
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    require_changeable(event)
    if not SpeedParticipant.objects.filter(event=event, role=SpeedRole.MENTOR).exists():
        raise ServiceError("Add at least one mentor (a table) before building the schedule.")
    if not SpeedParticipant.objects.filter(event=event, role=SpeedRole.MENTEE).exists():
        raise ServiceError("Add at least one mentee before building the schedule.")
    count = rebuild(event, actor)
    audit(
        organization=event.organization,
        actor=actor.user,
        action="speed_event.scheduled",
        summary=f"Built the schedule of {event.name}: {count} conversations",
        speed_event=event.pk,
    )
    return count
