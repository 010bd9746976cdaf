"""Committee review: members vote on proposed pairings (all of them, or only those that
need their vote), see how the decided ones ended, and a coordinator finalizes them, one by
one or every approved one at once."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from matching.forms.committee import FinalizeApprovedForm, VoteForm
from matching.models import Proposal
from matching.selectors import committee as committee_selectors
from matching.services import proposals as proposal_services
from matching.views.common import PER_PAGE
from mentorship.exceptions import ServiceError
from mentorship.tenancy import coordinator_required, member_required
from programs.models import COMMITTEE_REVIEWED_MODELS, CommitteeRule, Program


def _committee_program(request: HttpRequest, program_slug: str) -> Program:
    me = request.membership
    if not (me.is_committee or me.is_coordinator):
        raise PermissionDenied("Committee review is for committee members and coordinators.")
    return get_object_or_404(Program, slug=program_slug, model__in=COMMITTEE_REVIEWED_MODELS)


def _review_url(org_slug: str, program: Program, needs: str = "") -> str:
    url = reverse("committee_review", kwargs={"org_slug": org_slug, "program_slug": program.slug})
    return f"{url}?needs=me" if needs == "me" else url


@member_required
def committee_review(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _committee_program(request, program_slug)
    me = request.membership
    needs_me = request.GET.get("needs") == "me"
    can_finalize_all = me.is_coordinator and program.committee_rule == CommitteeRule.COORDINATOR
    return render(
        request,
        "matching/committee_review.html",
        {
            "program": program,
            "is_peer": program.is_peer,
            "needs_me": needs_me,
            "proposals": committee_selectors.review_queue(program, me, needs_me=needs_me, limit=PER_PAGE),
            "waiting_count": committee_selectors.awaiting_the_committee(program).count(),
            "needs_me_count": committee_selectors.awaiting_my_vote(program, me).count(),
            "approved_count": len(committee_selectors.approved_to_finalize(program, me)) if can_finalize_all else 0,
            "can_finalize_all": can_finalize_all,
            "history": committee_selectors.decided_history(program, me),
        },
    )


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
    return redirect(_review_url(org_slug, program, request.POST.get("needs", "")))


@require_POST
@coordinator_required
def proposal_finalize(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug, model__in=COMMITTEE_REVIEWED_MODELS)
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
    return redirect(_review_url(org_slug, program, request.POST.get("needs", "")))


@coordinator_required
def finalize_approved(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """GET: the pairings the committee approved, to confirm. POST: approve and offer the
    ones confirmed, and say which were finalized and which were skipped, and why."""
    program = get_object_or_404(Program, slug=program_slug, model__in=COMMITTEE_REVIEWED_MODELS)
    form = FinalizeApprovedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = proposal_services.proposals_finalize_approved(
                actor=request.membership, program=program, proposal_ids=form.cleaned_data["proposal"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            done = len(report.finalized)
            messages.success(
                request,
                f"{done} approved pairing{'s' if done != 1 else ''} finalized and offered to both people."
                if done
                else "No pairing was finalized.",
            )
            for proposal, reason in report.skipped:
                messages.warning(request, f"Skipped {proposal.mentor.user} and {proposal.mentee.user}: {reason}.")
            return redirect("committee_review", org_slug=org_slug, program_slug=program.slug)
    elif request.method == "POST":
        for error in form.errors.get("proposal", []):
            messages.error(request, error)
        return redirect("committee_review", org_slug=org_slug, program_slug=program.slug)
    return render(
        request,
        "matching/committee_finalize_approved.html",
        {
            "program": program,
            "approved": committee_selectors.approved_to_finalize(program, request.membership),
            "majority_rule": program.committee_rule != CommitteeRule.COORDINATOR,
        },
    )
