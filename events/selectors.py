"""Reads behind the events pages: the grid (rounds x tables), a person's schedule, the
check-in list and a participant's picks. Each runs a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Q

from events.models import SpeedEvent, SpeedParticipant, SpeedPick, SpeedRole, SpeedSlot


@dataclass
class Row:
    round_number: int
    starts_at: object
    cells: list  # per table, the mentee participant or None


def tables(event: SpeedEvent) -> list[SpeedParticipant]:
    return list(
        SpeedParticipant.objects.filter(event=event, role=SpeedRole.MENTOR)
        .select_related("membership__user")
        .order_by("table_number", "pk")
    )


def grid(event: SpeedEvent) -> tuple[list[SpeedParticipant], list[Row]]:
    """(tables, rows): one row per round, one cell per table. Two queries."""
    mentors = tables(event)
    column = {m.pk: k for k, m in enumerate(mentors)}
    rows = [Row(r, event.round_starts(r), [None] * len(mentors)) for r in range(event.rounds)]
    for slot in SpeedSlot.objects.filter(event=event).select_related("mentee__membership__user"):
        if slot.round_number < len(rows) and slot.mentor_id in column:
            rows[slot.round_number].cells[column[slot.mentor_id]] = slot.mentee
    return mentors, rows


@dataclass
class Line:
    round_number: int
    starts_at: object
    table: int | None
    whom: SpeedParticipant | None


def schedules(event: SpeedEvent, only: SpeedParticipant | None = None) -> list[tuple[SpeedParticipant, list[Line]]]:
    """Each person's schedule (round, time, table, whom), every round listed (a free round
    has no table). Two queries whatever the size."""
    people = SpeedParticipant.objects.filter(event=event).select_related("membership__user")
    if only is not None:
        people = people.filter(pk=only.pk)
    people = list(people.order_by("role", "table_number", "membership__user__full_name", "pk"))
    slots = SpeedSlot.objects.filter(event=event).select_related("mentor__membership__user", "mentee__membership__user")
    if only is not None:
        slots = slots.filter(Q(mentor=only) | Q(mentee=only))
    by_person: dict[int, dict[int, SpeedSlot]] = {}
    for slot in slots:
        by_person.setdefault(slot.mentor_id, {})[slot.round_number] = slot
        by_person.setdefault(slot.mentee_id, {})[slot.round_number] = slot
    result = []
    for person in people:
        mine = by_person.get(person.pk, {})
        lines = []
        for r in range(event.rounds):
            slot = mine.get(r)
            if slot is None:
                lines.append(Line(r, event.round_starts(r), None, None))
                continue
            other = slot.mentee if person.role == SpeedRole.MENTOR else slot.mentor
            lines.append(Line(r, event.round_starts(r), slot.mentor.table_number, other))
        result.append((person, lines))
    return result


def checkin_list(event: SpeedEvent, query: str = "") -> list[SpeedParticipant]:
    people = SpeedParticipant.objects.filter(event=event).select_related("membership__user")
    query = (query or "").strip()
    if query:
        people = people.filter(
            Q(membership__user__full_name__icontains=query) | Q(membership__user__email__icontains=query)
        )
    return list(people.order_by("membership__user__full_name", "pk"))


def counts(event: SpeedEvent) -> dict:
    return SpeedParticipant.objects.filter(event=event).aggregate(
        mentors=Count("pk", filter=Q(role=SpeedRole.MENTOR)),
        mentees=Count("pk", filter=Q(role=SpeedRole.MENTEE)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        total=Count("pk"),
    )


def met_ids(participant: SpeedParticipant) -> set[int]:
    """The participants this one sat with (ids). Once the desk checked anyone in, only people
    who came: a no-show met nobody, and nobody met them."""
    event_checked_in = SpeedParticipant.objects.filter(event_id=participant.event_id, checked_in_at__isnull=False)
    if event_checked_in.exists():
        if participant.checked_in_at is None:
            return set()
        came = event_checked_in
    else:
        came = SpeedParticipant.objects.filter(event_id=participant.event_id)
    if participant.role == SpeedRole.MENTOR:
        slots = SpeedSlot.objects.filter(mentor=participant, mentee__in=came)
        return set(slots.values_list("mentee_id", flat=True))
    return set(SpeedSlot.objects.filter(mentee=participant, mentor__in=came).values_list("mentor_id", flat=True))


def met(participant: SpeedParticipant) -> list[SpeedParticipant]:
    """The people this participant sat with and may pick (``met_ids``), in round order."""
    ids = met_ids(participant)
    if participant.role == SpeedRole.MENTOR:
        slots = SpeedSlot.objects.filter(mentor=participant, mentee_id__in=ids).select_related(
            "mentee__membership__user"
        )
        return [s.mentee for s in slots.order_by("round_number")]
    slots = SpeedSlot.objects.filter(mentee=participant, mentor_id__in=ids).select_related("mentor__membership__user")
    return [s.mentor for s in slots.order_by("round_number")]


def picks_of(participant: SpeedParticipant) -> set[int]:
    return set(SpeedPick.objects.filter(chooser=participant).values_list("chosen_id", flat=True))


def mutual_of(participant: SpeedParticipant) -> set[int]:
    """Whom this participant picked who picked them too. Shown only once picks close: until
    then nobody learns anything about who picked them."""
    mine = SpeedPick.objects.filter(chooser=participant).values("chosen_id")
    return set(SpeedPick.objects.filter(chosen=participant, chooser_id__in=mine).values_list("chooser_id", flat=True))


def pick_counts(event: SpeedEvent) -> dict:
    """What the coordinator sees of the picks: counts only (and the mutual pairs elsewhere)."""
    return {
        "picks": SpeedPick.objects.filter(event=event).count(),
        "choosers": SpeedPick.objects.filter(event=event).values("chooser_id").distinct().count(),
    }


def participation(event: SpeedEvent, membership) -> SpeedParticipant | None:
    return SpeedParticipant.objects.filter(event=event, membership=membership).select_related("event").first()
