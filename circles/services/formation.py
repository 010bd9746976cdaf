"""Forming circles from members' choices. Each member ranks up to three circles; a
coordinator runs a round: the engine places members in circles they ranked (most members
placed first, then the most first choices, then second choices, then the best fit between
the member and the circle: its facilitators' profiles and its theme's goal area). The
placements are kept with their reasons in plain words. With a committee, the round goes to
review and its members vote; a coordinator then applies it (directly when there is no
committee), which gives each placed member their place and tells them.

The engine (``matching.engine.circles.form_circles``) is called in one place, ``formation_run``."""

import re

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from circles.models import (
    MAX_CHOICES,
    Circle,
    CircleChoice,
    CircleMember,
    CircleMemberStatus,
    CircleOrigin,
    CircleRole,
    CircleStatus,
    FormationPlacement,
    FormationRound,
    FormationStatus,
    FormationVote,
)
from circles.selectors import is_program_member
from circles.services.circles import lock_circle, notify_to_sign
from matching.engine.circles import form_circles
from matching.engine.inputs import FACTORS, MatchConfig, Participants, bitset
from matching.selectors.reasons import RANKS, join_words
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Membership, Program, ProgramModel, Role
from programs.services.access import require_coordinator
from programs.services.audit import audit
from programs.services.notifications import notify

WORD = re.compile(r"[a-z][a-z\-]{3,}")
WEIGHTS = {**dict.fromkeys(FACTORS, 0.0), "specialty": 1.0, "area_coverage": 2.0, "interests": 1.0, "hub_rank": 3.0}
OBJECTIVE = "Most members placed, then the most first choices, then second choices, then the best fit"


# --- Choices ---------------------------------------------------------------------------------


@transaction.atomic
def choices_save(*, actor: Membership, program: Program, circles: list[Circle]) -> list[CircleChoice]:
    """A member's ranked circles (first = most wanted), up to three; an empty list clears."""
    if program.model != ProgramModel.CIRCLES:
        raise ServiceError("Only a group-circles program has circles to rank.")
    Membership.objects.select_for_update().filter(pk=actor.pk).first()
    if not is_program_member(program, actor):
        raise ServiceError(f"Ranking circles is for the accepted members of {program.name}.")
    if len(circles) > MAX_CHOICES:
        raise ServiceError(f"Rank at most {MAX_CHOICES} circles.")
    if len({c.pk for c in circles}) != len(circles):
        raise ServiceError("Choose each circle once.")
    for circle in circles:
        if circle.program_id != program.pk or circle.status == CircleStatus.ENDED:
            raise ServiceError("Choose among this program's circles that have not ended.")
    CircleChoice.objects.filter(program=program, membership=actor).delete()
    return [
        CircleChoice.objects.create(
            organization=program.organization, program=program, membership=actor, circle=circle, rank=rank
        )
        for rank, circle in enumerate(circles, start=1)
    ]


# --- Building the pool -----------------------------------------------------------------------


class Codes:
    """Stable small integers for strings."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        value = (value or "").strip().casefold()
        if not value:
            return -1
        return self.codes.setdefault(value, len(self.codes))


def _profile(membership):
    try:
        return membership.profile
    except Exception:  # noqa: BLE001 — no profile yet
        return None


def formation_pool(program: Program):
    """(member rows, circle rows, members, circles): members are the program's accepted
    mentees who ranked a circle and have no place in any of the program's live circles (a
    place on a waitlist does not count: a round may place them elsewhere);
    circles are its circles that have not ended, with their free places."""
    circles = list(
        Circle.objects.filter(program=program)
        .exclude(status=CircleStatus.ENDED)
        .select_related("goal_area")
        .annotate(
            taken=Count(
                "members",
                filter=Q(members__status=CircleMemberStatus.ACTIVE, members__role=CircleRole.MEMBER),
            )
        )
        .order_by("pk")
    )
    circle_index = {c.pk: j for j, c in enumerate(circles)}
    placed = set(
        CircleMember.objects.filter(
            circle__program=program, status=CircleMemberStatus.ACTIVE, circle__status__in=["forming", "active"]
        ).values_list("membership_id", flat=True)
    )
    choices: dict[int, dict[int, int]] = {}
    for membership_id, circle_id, rank in CircleChoice.objects.filter(program=program).values_list(
        "membership_id", "circle_id", "rank"
    ):
        if circle_id in circle_index:
            choices.setdefault(membership_id, {})[rank] = circle_index[circle_id]
    applications = list(
        Application.objects.filter(
            program=program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED, membership__is_active=True
        )
        .exclude(membership_id__in=placed)
        .filter(membership_id__in=list(choices))
        .select_related("membership__user", "membership__profile")
        .prefetch_related("goal_areas")
        .order_by("membership_id")
    )
    facilitators: dict[int, list[Membership]] = {}
    for place in CircleMember.objects.filter(
        circle__in=circles, role=CircleRole.FACILITATOR, status=CircleMemberStatus.ACTIVE
    ).select_related("membership__user", "membership__profile"):
        facilitators.setdefault(place.circle_id, []).append(place.membership)
    facilitator_areas: dict[int, set[int]] = {}
    for membership_id, area_id in Application.objects.filter(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED
    ).values_list("membership_id", "goal_areas"):
        if area_id:
            facilitator_areas.setdefault(membership_id, set()).add(area_id)

    specialty, region, words, areas = Codes(), Codes(), Codes(), Codes()

    def person(profiles):
        spec, reg, text = -1, -1, set()
        for profile in profiles:
            if profile is None:
                continue
            if spec < 0:
                spec = specialty(profile.specialty)
            if reg < 0 and profile.country:
                reg = region(f"{profile.country}/{profile.region}")
            text |= set(WORD.findall(f"{profile.clinical_interests} {profile.research_interests}".lower()))
        return spec, reg, {words(w) for w in text}

    member_values = [person([_profile(a.membership)]) for a in applications]
    member_areas = [{areas(str(g.pk)) for g in a.goal_areas.all()} for a in applications]
    circle_values, circle_areas = [], []
    for circle in circles:
        people = facilitators.get(circle.pk, [])
        circle_values.append(person([_profile(m) for m in people]))
        ids = {pk for m in people for pk in facilitator_areas.get(m.pk, set())}
        if circle.goal_area_id:
            ids.add(circle.goal_area_id)
        circle_areas.append({areas(str(pk)) for pk in ids})
    n_words, n_areas = max(1, len(words.codes)), max(1, len(areas.codes))
    members = Participants(
        person_id=[a.membership_id for a in applications],
        specialty=[v[0] for v in member_values],
        region=[v[1] for v in member_values],
        interests=bitset([v[2] for v in member_values], n_words),
        areas=bitset(member_areas, n_areas),
        hub_choices=[[choices[a.membership_id].get(r, -1) for r in range(1, MAX_CHOICES + 1)] for a in applications]
        if applications
        else None,
    )
    circle_side = Participants(
        # Negative ids: a circle is never "the same person" as a member (the engine excludes equal ids).
        person_id=[-c.pk for c in circles],
        specialty=[v[0] for v in circle_values],
        region=[v[1] for v in circle_values],
        interests=bitset([v[2] for v in circle_values], n_words),
        areas=bitset(circle_areas, n_areas),
        capacity=[max(0, c.capacity - c.taken) for c in circles],
        hub=np.arange(len(circles)),
    )
    return applications, circles, facilitators, members, circle_side


def reasons_for(application, circle: Circle, facilitators: list[Membership], rank: int | None) -> list[str]:
    """Why the member was placed in the circle, in plain words addressed to the member."""
    sentences = []
    if rank in RANKS:
        sentences.append(f"The circle {circle.name} was your {RANKS[rank]} choice.")
    wanted = {g.pk: g.name for g in application.goal_areas.all()}
    if circle.goal_area_id and circle.goal_area_id in wanted:
        sentences.append(f"Its theme is in what you asked for help with: {wanted[circle.goal_area_id]}.")
    mine = _profile(application.membership)
    same = [
        m.user.full_name
        for m in facilitators
        if mine is not None
        and mine.specialty
        and _profile(m) is not None
        and (_profile(m).specialty or "").casefold() == mine.specialty.casefold()
    ]
    if same:
        sentences.append(f"{join_words(same)} facilitate{'s' if len(same) == 1 else ''} and work in your specialty.")
    return sentences or ["You ranked this circle."]


# --- Rounds ----------------------------------------------------------------------------------


def committee_size(program: Program) -> int:
    return Membership.objects.filter(organization=program.organization, is_active=True, is_committee=True).count()


@transaction.atomic
def formation_run(*, actor: Membership, program: Program) -> FormationRound:
    require_coordinator(actor, program.organization)
    if program.model != ProgramModel.CIRCLES:
        raise ServiceError("Only a group-circles program forms circles.")
    Program.objects.select_for_update().filter(pk=program.pk).first()
    applications, circles, facilitators, members, circle_side = formation_pool(program)
    if not circles:
        raise ServiceError("Create the program's circles first; members then rank them.")
    if not applications:
        raise ServiceError("No member waiting for a circle has ranked one yet. Ask members to choose their circles.")
    result = form_circles(members, circle_side, MatchConfig(weights=WEIGHTS))
    formation = FormationRound.objects.create(
        organization=program.organization,
        program=program,
        created_by=actor,
        objective=OBJECTIVE,
        stats={
            "members": len(applications),
            "circles": len(circles),
            "places": int(circle_side.capacity.sum()),
            "placed": len(result.assignments),
            "unplaced": [
                {"membership": int(members.person_id[i]), "reason": str(reason)} for i, reason in result.unmatched
            ],
            "by_rank": {
                str(r): sum(1 for a in result.assignments if a.hub_rank == r) for r in range(1, MAX_CHOICES + 1)
            },
        },
    )
    rows = []
    for assignment in result.assignments:
        application = applications[assignment.mentee]
        circle = circles[assignment.mentor]
        rank = assignment.hub_rank if assignment.hub_rank is not None else 0
        rows.append(
            FormationPlacement(
                organization=program.organization,
                round=formation,
                membership_id=application.membership_id,
                circle=circle,
                rank=rank,
                score=float(assignment.score),
                contributions={
                    "factors": {k: float(v) for k, v in (assignment.contributions or {}).items()},
                    "reasons": reasons_for(application, circle, facilitators.get(circle.pk, []), rank),
                },
            )
        )
    FormationPlacement.objects.bulk_create(rows)
    audit(
        organization=program.organization,
        actor=actor.user,
        action="circles.round_run",
        summary=f"Formation round run in {program.name}: {len(rows)} of {len(applications)} members placed",
        round=formation.pk,
    )
    return formation


def _lock_round(formation: FormationRound) -> FormationRound:
    return FormationRound.objects.select_for_update().select_related("program__organization").get(pk=formation.pk)


@transaction.atomic
def formation_send_to_review(*, actor: Membership, formation: FormationRound) -> FormationRound:
    require_coordinator(actor, formation.program.organization)
    formation = _lock_round(formation)
    if formation.status != FormationStatus.DRAFT:
        raise ServiceError("Only a draft round can be sent to the committee.")
    if committee_size(formation.program) == 0:
        raise ServiceError("The organization has no committee members; apply the round directly.")
    formation.status = FormationStatus.IN_REVIEW
    formation.save(update_fields=["status"])
    for voter in Membership.objects.filter(
        organization=formation.organization, is_active=True, is_committee=True
    ).select_related("organization"):
        notify(
            recipient=voter,
            kind="other",
            category="obligation",
            title=f"Review the circle placements of {formation.program.name}",
            path=_round_path(formation),
            key=f"circle-round:{formation.pk}",
        )
    return formation


def _round_path(formation: FormationRound) -> str:
    from django.urls import reverse

    return reverse(
        "circle_round_detail",
        kwargs={
            "org_slug": formation.program.organization.slug,
            "program_slug": formation.program.slug,
            "pk": formation.pk,
        },
    )


def tally(formation: FormationRound) -> dict:
    votes = list(formation.votes.all())
    size = committee_size(formation.program)
    approve = sum(1 for v in votes if v.approve)
    return {"approve": approve, "reject": len(votes) - approve, "committee": size, "majority": size // 2 + 1}


@transaction.atomic
def formation_vote(*, actor: Membership, formation: FormationRound, approve: bool, comment: str = "") -> FormationVote:
    """A committee member approves or rejects the round, with an optional comment; a
    majority of the committee approving approves it."""
    formation = _lock_round(formation)
    voter = Membership.objects.select_for_update().filter(pk=actor.pk, is_active=True, is_committee=True).first()
    if voter is None or actor.organization_id != formation.organization_id:
        raise PermissionDenied("Only committee members vote on a round.")
    if formation.status not in (FormationStatus.IN_REVIEW, FormationStatus.APPROVED):
        raise ServiceError("This round is not in review.")
    comment = (comment or "").strip()[:2000]
    vote, _ = FormationVote.objects.update_or_create(
        round=formation,
        voter=actor,
        defaults={
            "organization": formation.organization,
            "approve": bool(approve),
            "comment": comment,
            "voted_at": timezone.now(),
        },
    )
    counts = tally(formation)
    formation.status = (
        FormationStatus.APPROVED if counts["approve"] >= counts["majority"] else FormationStatus.IN_REVIEW
    )
    formation.save(update_fields=["status"])
    return vote


@transaction.atomic
def formation_apply(*, actor: Membership, formation: FormationRound) -> dict:
    """Give each placed member their place (origin "round") and tell them. A placement whose
    circle filled up or ended meanwhile, or whose member found a place, is skipped."""
    require_coordinator(actor, formation.program.organization)
    formation = _lock_round(formation)
    program = formation.program
    if formation.status == FormationStatus.DRAFT and committee_size(program) > 0:
        raise ServiceError("The committee reviews this round first: send it to the committee.")
    if formation.status not in (FormationStatus.DRAFT, FormationStatus.APPROVED):
        raise ServiceError("Only an approved round (or a draft, without a committee) can be applied.")
    placements = list(formation.placements.select_related("membership__user").order_by("circle_id", "rank", "pk"))
    locked = {}
    for circle_id in sorted({p.circle_id for p in placements}):
        locked[circle_id] = lock_circle(Circle(pk=circle_id))
    applied = skipped = 0
    now = timezone.now()
    for placement in placements:
        circle = locked[placement.circle_id]
        taken = CircleMember.objects.filter(
            circle=circle, role=CircleRole.MEMBER, status=CircleMemberStatus.ACTIVE
        ).count()
        already = CircleMember.objects.filter(
            circle__program=program,
            circle__status__in=[CircleStatus.FORMING, CircleStatus.ACTIVE],
            membership_id=placement.membership_id,
            status=CircleMemberStatus.ACTIVE,
        ).exists()
        # Checked again: the round may have run days ago, and people withdraw or leave since.
        still_in = placement.membership.is_active and is_program_member(program, placement.membership)
        if circle.status == CircleStatus.ENDED or taken >= circle.capacity or already or not still_in:
            skipped += 1
            continue
        waiting = (
            CircleMember.objects.select_for_update()
            .filter(circle=circle, membership_id=placement.membership_id, status=CircleMemberStatus.WAITLISTED)
            .first()
        )
        if waiting is not None:  # on this circle's waitlist already: the round gives the place
            waiting.status, waiting.joined_at, waiting.origin = CircleMemberStatus.ACTIVE, now, CircleOrigin.ROUND
            waiting.save(update_fields=["status", "joined_at", "origin"])
        else:
            CircleMember.objects.create(
                organization=formation.organization,
                circle=circle,
                membership=placement.membership,
                role=CircleRole.MEMBER,
                origin=CircleOrigin.ROUND,
                joined_at=now,
            )
        applied += 1
        # The same notification as any other way in, marked read when they sign.
        notify_to_sign(CircleMember(circle=circle, membership=placement.membership))
    formation.status = FormationStatus.APPLIED
    formation.applied_at = now
    formation.applied_by = actor
    formation.stats = {**formation.stats, "applied": applied, "skipped": skipped}
    formation.save(update_fields=["status", "applied_at", "applied_by", "stats"])
    audit(
        organization=program.organization,
        actor=actor.user,
        action="circles.round_applied",
        summary=f"Formation round applied in {program.name}: {applied} members placed",
        round=formation.pk,
    )
    return {"applied": applied, "skipped": skipped}


@transaction.atomic
def formation_discard(*, actor: Membership, formation: FormationRound) -> FormationRound:
    require_coordinator(actor, formation.program.organization)
    formation = _lock_round(formation)
    if formation.status == FormationStatus.APPLIED:
        raise ServiceError("An applied round cannot be discarded; change the circles' members instead.")
    formation.status = FormationStatus.DISCARDED
    formation.save(update_fields=["status"])
    return formation
