"""Forming circles: a member's ranked circles, and the coordinator's formation rounds
(run, read the placements with their reasons, send to the committee, vote, apply, discard)."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from circles.forms.circles import ChoicesForm, VoteForm
from circles.models import Circle, CircleStatus, FormationRound, FormationStatus, FormationVote
from circles.selectors import choices_of, is_program_member
from circles.services import formation as services
from circles.views.circles import circles_program
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_or_committee_required, coordinator_required, member_required
from programs.models import Membership


@member_required
def circle_choices(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = circles_program(program_slug)
    member = is_program_member(program, request.membership)
    circles = Circle.objects.filter(program=program).exclude(status=CircleStatus.ENDED).order_by("name", "pk")
    initial = {f"choice_{c.rank}": c.circle_id for c in choices_of(program, request.membership)}
    form = ChoicesForm(request.POST or None, circles=circles, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.choices_save(actor=request.membership, program=program, circles=form.cleaned_data["ranked"])
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, "Your choices were saved. The program office places members from them.")
            return redirect("circle_list", org_slug=org_slug, program_slug=program.slug)
    return render(
        request,
        "circles/choices.html",
        {"program": program, "form": form, "is_member": member, "has_circles": circles.exists()},
    )


@coordinator_required
def circle_rounds(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = circles_program(program_slug)
    error = None
    if request.method == "POST":
        try:
            formation = services.formation_run(actor=request.membership, program=program)
        except ServiceError as refusal:
            error = refusal.message
        else:
            return redirect("circle_round_detail", org_slug=org_slug, program_slug=program.slug, pk=formation.pk)
    applications, circles, _facilitators, _members, circle_side = services.formation_pool(program)
    return render(
        request,
        "circles/rounds.html",
        {
            "program": program,
            "error": error,
            "rounds": rounds_for(program, request.membership).select_related("created_by__user")[:20],
            "pool_members": len(applications),
            "pool_circles": len(circles),
            "pool_places": int(circle_side.capacity.sum()) if len(circles) else 0,
        },
    )


# What a committee member who is not a coordinator sees: the rounds sent to the committee,
# never a draft the coordinator is still working on (nor one they discarded).
COMMITTEE_SEES = (FormationStatus.IN_REVIEW, FormationStatus.APPROVED, FormationStatus.APPLIED)


def rounds_for(program, membership):
    rounds = FormationRound.objects.filter(program=program)
    return rounds if membership.is_coordinator else rounds.filter(status__in=COMMITTEE_SEES)


def _round(program, pk: int, membership) -> FormationRound:
    return get_object_or_404(
        rounds_for(program, membership).select_related("program__organization", "created_by__user"), pk=pk
    )


@require_safe
@coordinator_or_committee_required
def circle_round_detail(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    formation = _round(program, pk, request.membership)
    placements = list(formation.placements.select_related("membership__user", "circle").order_by("circle__name", "pk"))
    groups: dict[int, dict] = {}
    for placement in placements:
        groups.setdefault(placement.circle_id, {"circle": placement.circle, "placements": []})["placements"].append(
            placement
        )
    unplaced_ids = [row["membership"] for row in formation.stats.get("unplaced", [])]
    people = {m.pk: m for m in Membership.objects.filter(pk__in=unplaced_ids).select_related("user")}
    unplaced = [
        {"person": people.get(row["membership"]), "reason": row["reason"]}
        for row in formation.stats.get("unplaced", [])
    ]
    my_vote = FormationVote.objects.filter(round=formation, voter=request.membership).first()
    return render(
        request,
        "circles/round_detail.html",
        {
            "program": program,
            "formation": formation,
            "groups": list(groups.values()),
            "unplaced": unplaced,
            "votes": list(formation.votes.select_related("voter__user")) if request.membership.is_coordinator else [],
            "tally": services.tally(formation),
            "committee_size": services.committee_size(program),
            "vote_form": VoteForm(initial={"approve": "yes" if my_vote is None or my_vote.approve else "no"})
            if request.membership.is_committee
            and formation.status in (FormationStatus.IN_REVIEW, FormationStatus.APPROVED)
            else None,
            "my_vote": my_vote,
        },
    )


ACTIONS = {
    "send": (services.formation_send_to_review, "The round was sent to the committee."),
    "apply": (services.formation_apply, "The round was applied: the placed members have their places."),
    "discard": (services.formation_discard, "The round was discarded."),
}


@require_POST
@coordinator_required
def circle_round_action(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    formation = _round(program, pk, request.membership)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        flash.error(request, "Choose what to do with the round.")
        return redirect("circle_round_detail", org_slug=org_slug, program_slug=program.slug, pk=formation.pk)
    service, done = action
    try:
        service(actor=request.membership, formation=formation)
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, done)
    return redirect("circle_round_detail", org_slug=org_slug, program_slug=program.slug, pk=formation.pk)


@require_POST
@coordinator_or_committee_required
def circle_round_vote(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    formation = _round(program, pk, request.membership)
    if not request.membership.is_committee:
        raise PermissionDenied("Only committee members vote on a round.")
    form = VoteForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Choose approve or reject: " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("circle_round_detail", org_slug=org_slug, program_slug=program.slug, pk=formation.pk)
    try:
        services.formation_vote(
            actor=request.membership,
            formation=formation,
            approve=form.cleaned_data["approve"],
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, "Your vote was recorded.")
    return redirect("circle_round_detail", org_slug=org_slug, program_slug=program.slug, pk=formation.pk)
