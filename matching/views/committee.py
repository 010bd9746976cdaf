"""Committee review: members vote on proposed pairings, a coordinator finalizes them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from matching.forms.committee import VoteForm
from matching.models import Proposal, ProposalStatus
from matching.services import proposals as proposal_services
from matching.services.rounds import FACTOR_LABELS
from matching.views.common import PER_PAGE
from mentorship.exceptions import ServiceError
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Application, Membership, Profile, Program, ProgramModel


def _committee_program(request: HttpRequest, program_slug: str) -> Program:
    me = request.membership
    if not (me.is_committee or me.is_coordinator):
        raise PermissionDenied("Committee review is for committee members and coordinators.")
    return get_object_or_404(Program, slug=program_slug, model=ProgramModel.COMMITTEE)


@member_required
def committee_review(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _committee_program(request, program_slug)
    proposals = list(
        Proposal.objects.filter(program=program, status=ProposalStatus.PROPOSED)
        .select_related("mentor__user", "mentee__user", "mentor__profile", "mentee__profile")
        .prefetch_related("votes__voter__user")
        .order_by("created_at")[:PER_PAGE]
    )
    people = {p.mentor_id for p in proposals} | {p.mentee_id for p in proposals}
    applications = {
        (a.membership_id, a.role): a
        for a in Application.objects.filter(program=program, membership_id__in=people).prefetch_related("goal_areas")
    }
    alternative_ids = {pk for p in proposals for pk, _score in p.alternatives}
    names = {m.pk: m.user.full_name for m in Membership.objects.filter(pk__in=alternative_ids).select_related("user")}
    me = request.membership
    for p in proposals:
        p.alternative_rows = [(names.get(pk, "—"), score) for pk, score in p.alternatives]
        p.factor_rows = [(FACTOR_LABELS.get(k, k), v) for k, v in p.contributions.items() if v]
        p.mentor_application = applications.get((p.mentor_id, "mentor"))
        p.mentee_application = applications.get((p.mentee_id, "mentee"))
        p.involves_me = me.pk in (p.mentor_id, p.mentee_id)
        p.my_vote = next((v for v in p.votes.all() if v.voter_id == me.pk), None)
        p.approvals = sum(1 for v in p.votes.all() if v.decision == "approve")
        p.rejections = sum(1 for v in p.votes.all() if v.decision == "reject")
        for side in ("mentor", "mentee"):
            try:
                setattr(p, f"{side}_profile", getattr(p, side).profile)
            except Profile.DoesNotExist:
                setattr(p, f"{side}_profile", None)
    return render(request, "matching/committee_review.html", {"program": program, "proposals": proposals})


@require_POST
@member_required
def proposal_vote(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _committee_program(request, program_slug)
    proposal = get_object_or_404(Proposal, pk=pk, program=program)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
    else:
        try:
            proposal_services.proposal_vote(
                actor=request.membership,
                proposal=proposal,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your vote is recorded.")
    return redirect("committee_review", org_slug=org_slug, program_slug=program.slug)


@require_POST
@coordinator_required
def proposal_finalize(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug, model=ProgramModel.COMMITTEE)
    proposal = get_object_or_404(Proposal, pk=pk, program=program)
    approve = request.POST.get("decision") == "approve"
    try:
        proposal_services.proposal_finalize(actor=request.membership, proposal=proposal, approve=approve)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Approved: the pairing is offered to both." if approve else "The pairing was rejected."
        )
    return redirect("committee_review", org_slug=org_slug, program_slug=program.slug)
