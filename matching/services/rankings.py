"""Rankings: in a stable-mode program a participant ranks a shortlist of the other side,
best first. A stable round puts each person's own list before the program's scores
(``matching.services.rounds.ranking_prefs``); people without one are ranked by the scores."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from matching.models import Ranking
from matching.services.rounds import pool_people
from mentorship import timezones
from mentorship.exceptions import ServiceError
from programs.models import Membership, Program, Role
from programs.services.audit import audit
from relationships.services.pairs import lock_memberships


def ranking_side(program: Program, membership: Membership, people: tuple[set[int], set[int]] | None = None):
    """The side ``membership`` ranks from in ``program`` (``Role.MENTEE`` ranks mentors,
    ``Role.MENTOR`` ranks mentees), or None when they are not in the round's pool."""
    if membership.organization_id != program.organization_id or not membership.is_active:
        return None
    mentees, mentors = people if people is not None else pool_people(program)
    if membership.pk in mentees:
        return Role.MENTEE
    if membership.pk in mentors:
        return Role.MENTOR
    return None


def closed_message(program: Program) -> str:
    if program.rankings_deadline:
        when = timezones.with_zone(program.rankings_deadline, "j M Y, H:i")
        return f"Rankings closed on {when}; your list can no longer change."
    return "This program is not asking for rankings now; your list can no longer change."


@transaction.atomic
def ranking_save(*, actor: Membership, program: Program, ordered_ids) -> Ranking:
    """Save the actor's shortlist of the other side of ``program``, best first.

    Only a person in the program's pool for a round may save (a mentee with an accepted
    application and no mentor or open proposal, a mentor taking part); only people of the
    other side of the same program may be listed, each once, at most the program's
    shortlist length; nothing changes after the deadline."""
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if not program.rankings_are_open():
        raise ServiceError(closed_message(program))
    # The person's row is the lock: two quick clicks of theirs are saved one after the other.
    lock_memberships(actor)
    mentees, mentors = pool_people(program)
    side = ranking_side(program, actor, (mentees, mentors))
    if side is None:
        raise PermissionDenied("Only the program's mentees and mentors waiting for a pairing rank a shortlist.")
    try:
        ids = [int(pk) for pk in ordered_ids]
    except (TypeError, ValueError):
        raise ServiceError("The list could not be read; choose people from the page.") from None
    if len(set(ids)) != len(ids):
        raise ServiceError("Each person can be on your list only once.")
    if len(ids) > program.shortlist_length:
        raise ServiceError(
            f"Your list can hold at most {program.shortlist_length} "
            f"{'person' if program.shortlist_length == 1 else 'people'}; remove someone first."
        )
    others = mentors if side == Role.MENTEE else mentees
    strangers = [pk for pk in ids if pk not in others or pk == actor.pk]
    if strangers:
        other_side = "mentors" if side == Role.MENTEE else "mentees"
        raise ServiceError(f"Only this program's {other_side} who are waiting for a pairing can be on your list.")
    ranking = Ranking.objects.filter(program=program, membership=actor).first()
    if ranking is None:
        ranking = Ranking(organization=program.organization, program=program, membership=actor)
    before = list(ranking.chosen or [])
    ranking.role = side
    ranking.chosen = ids
    ranking.updated_at = timezone.now()
    ranking.save()
    if before != ids:
        audit(
            organization=program.organization,
            actor=actor.user,
            action="ranking.saved",
            summary=f"Saved a shortlist of {len(ids)} for {program.name}",
            program=program.pk,
            count=len(ids),
        )
    return ranking


def ranking_of(program: Program, membership: Membership) -> list[int]:
    """The membership ids on the person's saved list, best first (empty without one)."""
    row = Ranking.objects.filter(program=program, membership=membership).values_list("chosen", flat=True).first()
    return list(row or [])


@transaction.atomic
def ranking_change(*, actor: Membership, program: Program, action: str, person_id) -> Ranking:
    """One button on the ranking page: ``add`` a person at the end, move them ``up`` or
    ``down`` one place, or ``remove`` them; saved at once through :func:`ranking_save`."""
    try:
        person = int(person_id)
    except (TypeError, ValueError):
        raise ServiceError("Choose a person from the page.") from None
    lock_memberships(actor)  # read and change the list under the same lock
    chosen = ranking_of(program, actor)
    if action == "add":
        if person in chosen:
            raise ServiceError("That person is already on your list.")
        chosen.append(person)
    elif action in ("up", "down", "remove"):
        if person not in chosen:
            raise ServiceError("That person is not on your list.")
        at = chosen.index(person)
        if action == "remove":
            chosen.pop(at)
        else:
            to = at - 1 if action == "up" else at + 1
            if 0 <= to < len(chosen):
                chosen[at], chosen[to] = chosen[to], chosen[at]
    else:
        raise ServiceError("Unknown action.")
    return ranking_save(actor=actor, program=program, ordered_ids=chosen)
