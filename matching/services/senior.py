"""Senior mentors (hub model): each hub mentor is mentored by their affinity group's
senior mentor."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from matching.services.pairs import refuse_own_pairing
from mentorship.exceptions import ServiceError
from programs.models import Membership, Program, ProgramModel
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship, Origin, PairExclusion
from relationships.services.lifecycle import mentorship_start
from relationships.services.pairs import lock_memberships

# --- Senior mentors -----------------------------------------------------------------------


def _senior_pairs(program: Program) -> set[tuple[int, int]]:
    """(senior mentor, hub mentor) for every active hub mentor of the program whose
    affinity group has a senior mentor."""
    from programs.models import HubMentor

    return {
        (hm.hub.affinity_group.senior_mentor_id, hm.membership_id)
        for hm in HubMentor.objects.filter(hub__program=program, hub__affinity_group__senior_mentor__isnull=False)
        .select_related("hub__affinity_group")
        .filter(membership__is_active=True)
        if hm.hub.affinity_group.senior_mentor_id != hm.membership_id
    }


def senior_pairs_left_to_others(*, actor: Membership, program: Program) -> int:
    """How many senior-mentor pairings that include ``actor`` are still missing: the
    actor cannot create them (``refuse_own_pairing``); another coordinator can."""
    pairs = [pair for pair in _senior_pairs(program) if actor.pk in pair]
    if not pairs:
        return 0
    coached = set(
        Mentorship.objects.filter(
            program=program, mentee_id__in=[m for _s, m in pairs], origin=Origin.SENIOR, status__in=LIVE_STATUSES
        ).values_list("mentee_id", flat=True)
    )
    return sum(
        1
        for senior_id, mentor_id in pairs
        if mentor_id not in coached
        and not PairExclusion.objects.filter(program=program, mentor_id=senior_id, mentee_id=mentor_id).exists()
    )


@transaction.atomic
def senior_mentors_pair(*, actor: Membership, program: Program) -> int:
    """Hub model (seed 002): each hub mentor is mentored by their affinity group's senior
    mentor. Creates the missing pairings; returns how many. Pairings that include the
    coordinator who asks are left for another coordinator (``refuse_own_pairing``)."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model != ProgramModel.HUBS:
        raise ServiceError("Only hub-model programs have senior mentors.")
    created = 0
    pairs = _senior_pairs(program)
    people = {m.pk: m for m in Membership.objects.filter(pk__in={pk for pair in pairs for pk in pair})}
    lock_memberships(*people.values())
    for senior_id, mentor_id in sorted(pairs):
        try:
            refuse_own_pairing(actor, senior_id, mentor_id, doing="create")
        except ServiceError:
            continue
        # One senior mentor per hub mentor: a hub mentor already coached keeps their coach.
        coached = Mentorship.objects.filter(
            program=program, mentee_id=mentor_id, origin=Origin.SENIOR, status__in=LIVE_STATUSES
        ).exists()
        if coached or PairExclusion.objects.filter(program=program, mentor_id=senior_id, mentee_id=mentor_id).exists():
            continue
        try:
            with transaction.atomic():
                mentorship_start(program=program, mentor=senior_id, mentee=mentor_id, origin=Origin.SENIOR)
        except IntegrityError:  # paired a moment ago by a concurrent click
            continue
        created += 1
    if created:
        audit(
            organization=program.organization,
            actor=actor.user,
            action="program.senior_mentors_paired",
            summary=f"Paired {created} hub mentors with their senior mentors in {program.name}",
        )
    return created
