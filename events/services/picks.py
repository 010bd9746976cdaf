"""After the event: each participant says whom they would like to continue with, among the
people they met. Picks are private; only mutual ones are offered, as proposals in the
program's usual consent flow (committee review when the program uses it, then both answer)."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from events.models import EventStatus, SpeedEvent, SpeedParticipant, SpeedPick, SpeedRole
from events.selectors import met_ids
from events.services.schedule import lock_event
from matching.models import Proposal, ProposalStatus
from matching.services.proposals import proposal_offer
from mentorship.db import retry_on_deadlock
from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship, PairExclusion

logger = logging.getLogger(__name__)


@retry_on_deadlock
@transaction.atomic
def picks_save(*, actor: Membership, event: SpeedEvent, chosen_ids) -> int:
    """The participant's whole list of picks, replacing the one they saved before."""
    # The event first, in the order closing the picks takes it: a save and a close never overlap,
    # so no pick lands after the mutual pairs were worked out.
    event = lock_event(event, actor)
    me = (
        SpeedParticipant.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(event=event, membership=actor)
        .first()
    )
    if me is None:
        raise PermissionDenied("Only the event's participants say whom they would like to continue with.")
    me.event = event
    if not event.picks_open:
        raise ServiceError("Picks for this event are not open.")
    chosen = {int(pk) for pk in chosen_ids}
    met = met_ids(me)
    if chosen - met:
        raise ServiceError("You can only choose people you met at the event.", field="chosen")
    SpeedPick.objects.filter(chooser=me).exclude(chosen_id__in=chosen).delete()
    have = set(SpeedPick.objects.filter(chooser=me).values_list("chosen_id", flat=True))
    SpeedPick.objects.bulk_create(
        SpeedPick(organization_id=event.organization_id, event=event, chooser=me, chosen_id=pk)
        for pk in sorted(chosen - have)
    )
    return len(chosen)


def mutual_pairs(event: SpeedEvent) -> list[tuple[SpeedParticipant, SpeedParticipant]]:
    """(mentor, mentee) participants who chose each other."""
    picks = set(SpeedPick.objects.filter(event=event).values_list("chooser_id", "chosen_id"))
    both = {(a, b) for a, b in picks if (b, a) in picks}
    people = {
        p.pk: p
        for p in SpeedParticipant.objects.filter(event=event, pk__in={a for a, _ in both}).select_related(
            "membership__user"
        )
    }
    pairs = []
    for a, b in sorted(both):
        mentor, mentee = people.get(a), people.get(b)
        if mentor and mentee and mentor.role == SpeedRole.MENTOR and mentee.role == SpeedRole.MENTEE:
            pairs.append((mentor, mentee))
    return pairs


def skip_reason(program, mentor: Membership, mentee: Membership) -> str:
    if Mentorship.objects.filter(program=program, mentor=mentor, mentee=mentee, status__in=LIVE_STATUSES).exists():
        return "Already paired in this program."
    if PairExclusion.objects.filter(program=program, mentor=mentor, mentee=mentee).exists():
        return "Declined or ended a pairing before; never proposed again."
    if Proposal.objects.filter(
        program=program, mentor=mentor, mentee=mentee, status__in=[ProposalStatus.PROPOSED, ProposalStatus.OFFERED]
    ).exists():
        return "Already waiting for answers."
    return ""


@retry_on_deadlock
@transaction.atomic
def picks_close_and_offer(*, actor: Membership, event: SpeedEvent) -> list[dict]:
    """Close the picks and send each mutual pick into the program's consent flow. Pairs
    already live, excluded or waiting are skipped with the reason shown to the coordinator."""
    require_coordinator(actor, actor.organization)
    event = lock_event(event, actor)
    if event.status != EventStatus.HELD:
        raise ServiceError("Mutual picks are offered once, after the event has been held.")
    results = []
    for mentor, mentee in mutual_pairs(event):
        row = {"mentor": mentor.membership_id, "mentee": mentee.membership_id, "proposal": None, "reason": ""}
        row["reason"] = skip_reason(event.program, mentor.membership, mentee.membership)
        if not row["reason"]:
            try:
                with transaction.atomic():
                    proposal = proposal_offer(
                        actor=actor,
                        program=event.program,
                        mentor=mentor.membership,
                        mentee=mentee.membership,
                        note=f"You chose each other at {event.name}.",
                    )
                row["proposal"] = proposal.pk
            except (ServiceError, PermissionDenied) as error:
                row["reason"] = getattr(error, "message", None) or str(error)
        results.append(row)
    event.status = EventStatus.CLOSED
    event.offer_results = results
    event.save(update_fields=["status", "offer_results"])
    audit(
        organization=event.organization,
        actor=actor.user,
        action="speed_event.closed",
        summary=f"Closed the picks of {event.name}: {sum(1 for r in results if r['proposal'])} mutual picks offered",
        speed_event=event.pk,
    )
    return results


def picks_close_due() -> int:
    """Close the picks of every held event whose picks_close_at has passed, offering the
    mutual picks as the coordinator's click would (``events.close_due_picks``, hourly). The
    event's creator acts, or another active coordinator; returns the events closed."""
    closed = 0
    for event in SpeedEvent.objects.filter(status=EventStatus.HELD, picks_close_at__lte=timezone.now()).select_related(
        "created_by"
    ):
        coordinators = Membership.objects.filter(
            organization=event.organization_id, is_coordinator=True, is_active=True
        ).order_by("pk")
        actor = coordinators.filter(pk=event.created_by_id).first() or coordinators.first()
        if actor is None:
            continue
        try:
            picks_close_and_offer(actor=actor, event=event)
        except (ServiceError, PermissionDenied):
            continue
        except Exception:  # one event's failure never stops the others' close
            logger.exception("closing the picks of speed event %s failed", event.pk)
            continue
        closed += 1
    return closed
