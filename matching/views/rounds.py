"""Match rounds: the coordinator sets the weights, runs the engine, reviews the drafts
(lock, unlock, override) and sends them on."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from matching.forms.rounds import WeightsForm
from matching.models import MatchRound, Proposal, ProposalStatus
from matching.selectors.rankings import round_rankings
from matching.selectors.round_cards import round_cards
from matching.services.peer_rounds import pool_peer_applications
from matching.services.rounds import (
    build_pool,
    default_weights,
    proposal_lock,
    proposal_override,
    round_create,
    round_send,
)
from matching.views.common import post_id
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from programs.models import COMMITTEE_REVIEWED_MODELS, Membership, Program, ProgramModel


def _round_program(program_slug: str) -> Program:
    return get_object_or_404(Program.objects.exclude(model=ProgramModel.SELF_SELECT), slug=program_slug)


@coordinator_required
def match_rounds(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _round_program(program_slug)
    form = WeightsForm(request.POST or None, initial_weights=default_weights(program), program=program)
    if request.method == "POST" and form.is_valid():
        try:
            match_round = round_create(
                actor=request.membership,
                program=program,
                weights=form.weights(),
                mode=form.cleaned_data.get("mode", "optimal"),
                avoid_same_institution=form.cleaned_data["avoid_same_institution"],
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            return redirect("match_round_detail", org_slug=org_slug, program_slug=program.slug, pk=match_round.pk)
    if program.is_peer:  # one pool, no sides
        counts = {"pool_mentees": pool_peer_applications(program).count(), "pool_mentors": 0, "pool_places": 0}
    else:
        pool = build_pool(program)
        counts = {
            "pool_mentees": len(pool.mentee_apps),
            "pool_mentors": len({m.pk for m in pool.mentor_members}),
            "pool_places": int(pool.mentors.capacity.sum()) if len(pool.mentor_members) else 0,
        }
    return render(
        request,
        "matching/match_rounds.html",
        {
            "program": program,
            "form": form,
            "rounds": MatchRound.objects.filter(program=program).select_related("created_by__user")[:20],
            **counts,
        },
    )


@coordinator_required
def match_round_detail(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _round_program(program_slug)
    match_round = get_object_or_404(MatchRound, pk=pk, program=program)
    match_round.program = program
    cards = round_cards(match_round, org_slug)
    return render(
        request,
        "matching/match_round_detail.html",
        {
            "program": program,
            "match_round": match_round,
            **cards,
            "rankings": round_rankings(match_round),
            "is_draft": any(p.status == ProposalStatus.DRAFT for p in cards["drafts"]),
        },
    )


@require_POST
@coordinator_required
def match_round_action(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _round_program(program_slug)
    match_round = get_object_or_404(MatchRound, pk=pk, program=program)
    action = request.POST.get("action")
    try:
        if action == "send":
            sent = round_send(actor=request.membership, match_round=match_round)
            messages.success(
                request,
                f"{sent} pairing{'s' if sent != 1 else ''} sent "
                f"{'to the committee' if program.model in COMMITTEE_REVIEWED_MODELS else 'to the people concerned'}.",
            )
            match_round.refresh_from_db(fields=["stats"])
            withheld = match_round.stats.get("withheld_own", 0)
            if withheld:
                messages.warning(
                    request,
                    f"{withheld} pairing{'s' if withheld != 1 else ''} of this round included you and "
                    f"{'were' if withheld != 1 else 'was'} not offered: another coordinator can propose "
                    "it under Pairings.",
                )
        elif action in ("lock", "unlock", "override"):
            proposal = get_object_or_404(Proposal, pk=post_id(request.POST.get("proposal")), match_round=match_round)
            if action == "override":
                mentor = get_object_or_404(Membership, pk=post_id(request.POST.get("mentor")))
                proposal_override(actor=request.membership, proposal=proposal, mentor=mentor)
                messages.success(request, "Pair changed by hand and locked; the engine's score for it is shown.")
            else:
                proposal_lock(actor=request.membership, proposal=proposal, locked=action == "lock")
        else:
            messages.error(request, "Unknown action.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("match_round_detail", org_slug=org_slug, program_slug=program.slug, pk=match_round.pk)
