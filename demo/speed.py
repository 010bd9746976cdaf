"""The society's past speed-mentoring event (issue 19): held at the annual meeting ten days
ago in the committee program, with its tables, schedule, check-ins and picks; one
mutual pick went on as a proposal to the committee (the program's usual consent flow).
Left as it is when the program already has an event."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedPick, SpeedSlot
from matching.models import Proposal
from matching.services.pairs import live_mentorship_count, mentor_capacity
from matching.services.proposals import proposal_offer
from matching.services.rounds import pool_people
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Membership, Program, Role

TABLES = 4
EXTRA_MENTEES = 2  # more mentees than tables: each sits out a round or two


def seed_speed_event(program: Program) -> SpeedEvent | None:
    if SpeedEvent.objects.filter(program=program).exists():
        return None
    if not program.speed_events:
        program.speed_events = True
        program.save(update_fields=["speed_events"])
    organization = program.organization
    coordinator = Membership.objects.filter(organization=organization, is_coordinator=True).order_by("pk").first()
    now = timezone.now()
    starts = (now - timedelta(days=10)).replace(hour=16, minute=0, second=0, microsecond=0)
    pool_mentees, _pool_mentors = pool_people(program)
    if not pool_mentees:
        # Everyone accepted is paired: the office had accepted one more mentee before the event.
        application = (
            Application.objects.filter(
                program=program,
                role=Role.MENTEE,
                status=ApplicationStatus.ELIGIBLE,
                submitted_at__lt=starts - timedelta(days=2),
            )
            .order_by("submitted_at", "pk")
            .first()
        )
        if application is not None:
            application.status = ApplicationStatus.ACCEPTED
            application.decided_by = coordinator
            application.decided_at = starts - timedelta(days=1)
            application.decision_message = "Welcome! Come and meet the mentors at the annual meeting's speed mentoring."
            application.save(update_fields=["status", "decided_by", "decided_at", "decision_message"])
        pool_mentees, _pool_mentors = pool_people(program)
    accepted = Application.objects.filter(
        program=program, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    ).exclude(membership=coordinator)
    mentors = [
        m
        for m in Membership.objects.filter(pk__in=accepted.filter(role=Role.MENTOR).values("membership_id")).order_by(
            "pk"
        )
        if (mentor_capacity(program, m) or 0) > live_mentorship_count(program, m)
    ]
    mentors += list(
        Membership.objects.filter(pk__in=accepted.filter(role=Role.MENTOR).values("membership_id"))
        .exclude(pk__in=[m.pk for m in mentors])
        .order_by("pk")
    )
    mentors = mentors[:TABLES]
    # The mentee of the mutual pick waits for a mentor (in the pool); the others are anyone accepted.
    waiting = list(
        Membership.objects.filter(pk__in=pool_mentees).exclude(pk__in=[m.pk for m in mentors]).order_by("pk")
    )
    others = list(
        Membership.objects.filter(pk__in=accepted.filter(role=Role.MENTEE).values("membership_id"))
        .exclude(pk__in=[m.pk for m in (*mentors, *waiting[:1])])
        .order_by("pk")
    )
    mentees = (waiting[:1] + others)[: len(mentors) + EXTRA_MENTEES]
    if len(mentors) < 2 or len(mentees) < 2:
        return None

    rounds = len(mentors)
    event = SpeedEvent.objects.create(
        organization=organization,
        program=program,
        name="Speed mentoring at the annual meeting",
        starts_at=starts,
        location="Ballroom C, annual meeting",
        rounds=rounds,
        round_minutes=8,
        changeover_minutes=2,
        status=EventStatus.HELD,
        picks_close_at=starts + timedelta(days=7),
        created_by=coordinator,
        created_at=starts - timedelta(days=20),
        scheduled_at=starts - timedelta(hours=6),
    )
    tables = [
        SpeedParticipant.objects.create(
            organization=organization,
            event=event,
            membership=m,
            role="mentor",
            table_number=k + 1,
            checked_in_at=starts - timedelta(minutes=20 - k),
            added_at=starts - timedelta(hours=12),
        )
        for k, m in enumerate(mentors)
    ]
    seats = [
        SpeedParticipant.objects.create(
            organization=organization,
            event=event,
            membership=m,
            role="mentee",
            # One mentee did not come: no check-in.
            checked_in_at=None if k == len(mentees) - 1 else starts - timedelta(minutes=15 - k),
            added_at=starts - timedelta(hours=12),
        )
        for k, m in enumerate(mentees)
    ]
    present = seats[:-1]
    # A rotation: in round r, table t seats mentee (t + r) mod M; every pair meets at most once.
    met = set()
    for r in range(rounds):
        for t, table in enumerate(tables):
            mentee = present[(t + r) % len(present)]
            if (table.pk, mentee.pk) in met:
                continue
            met.add((table.pk, mentee.pk))
            SpeedSlot.objects.create(
                organization=organization, event=event, round_number=r, mentor=table, mentee=mentee
            )
    meetings = [sum(1 for _t, e in met if e == s.pk) for s in present]
    event.stats = {
        "mentors": len(tables),
        "mentees": len(seats),
        "slots": len(met),
        "min_meetings": min(meetings),
        "max_meetings": max(meetings),
        "objective": "the demo's rotation",
        "unmet": [],
    }
    event.save(update_fields=["stats"])

    # Picks: table 1 and the first mentee choose each other (they met in round 1); a few
    # one-sided picks stay private.
    picked_at = starts + timedelta(days=1)
    picks = [(tables[0], present[0]), (present[0], tables[0])]
    picks += [(present[1], tables[0]), (tables[1], present[2 % len(present)])]
    for chooser, chosen in picks:
        pair = (chooser.pk, chosen.pk) if chooser.role == "mentor" else (chosen.pk, chooser.pk)
        if pair in met:
            SpeedPick.objects.get_or_create(
                organization=organization,
                event=event,
                chooser=chooser,
                chosen=chosen,
                defaults={"created_at": picked_at},
            )
    # Picks closed three days ago: the mutual pick went to the committee.
    results = []
    queued = len(connection.run_on_commit)  # nobody is emailed about the demo's history
    try:
        row = {"mentor": tables[0].membership_id, "mentee": present[0].membership_id, "proposal": None, "reason": ""}
        try:
            proposal = proposal_offer(
                actor=coordinator,
                program=program,
                mentor=tables[0].membership,
                mentee=present[0].membership,
                note=f"You chose each other at {event.name}.",
            )
            row["proposal"] = proposal.pk
            Proposal.objects.filter(pk=proposal.pk).update(created_at=event.picks_close_at + timedelta(hours=2))
        except (ServiceError, PermissionDenied) as error:  # recorded, as the coordinator's click would
            row["reason"] = getattr(error, "message", str(error))
        results.append(row)
    finally:
        del connection.run_on_commit[queued:]
    event.status = EventStatus.CLOSED
    event.offer_results = results
    event.save(update_fields=["status", "offer_results"])
    return event
