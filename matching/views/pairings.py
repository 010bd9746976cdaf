"""Pairings the coordinator proposes by hand, and the offers the two people accept or
decline."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from matching.forms.pairings import OfferForm, RespondForm
from matching.models import Proposal, ProposalStatus
from matching.selectors.cards import pairing_cards
from matching.services import proposals as proposal_services
from matching.services.peer_rounds import pool_peer_applications
from matching.views.common import PER_PAGE
from mentorship import listing
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Application, ApplicationStatus, Membership, Program, Role
from relationships.models import LIVE_STATUSES, Mentorship

# The program's proposed pairings: sortable columns (public key -> ORM order).
PAIRING_SORTS = {
    "mentor": Lower("mentor__user__full_name"),
    "mentee": Lower("mentee__user__full_name"),
    "status": "status",
    "proposed": "created_at",
}


def _pairing_candidates(program):
    """Accepted mentors with an open place and accepted mentees without a mentor; in a peer
    program, the round's pool (accepted peers without a peer) on both sides."""
    if program.is_peer:
        peers = list(
            pool_peer_applications(program).select_related("membership__user").order_by("membership__user__full_name")
        )
        for application in peers:
            application.open_places = 1
        return peers, peers
    accepted = Application.objects.filter(
        program=program, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    ).select_related("membership__user")
    mentors = list(
        accepted.filter(role=Role.MENTOR)
        .annotate(
            live=Count(
                "membership__mentorships_as_mentor",
                filter=Q(
                    membership__mentorships_as_mentor__program=program,
                    membership__mentorships_as_mentor__status__in=LIVE_STATUSES,
                ),
                distinct=True,
            )
        )
        .order_by("membership__user__full_name")
    )
    for application in mentors:
        application.open_places = max(
            0, (application.capacity or program.default_mentees_per_mentor) - application.live
        )
    paired = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES).values("mentee_id")
    mentees = list(
        accepted.filter(role=Role.MENTEE).exclude(membership_id__in=paired).order_by("membership__user__full_name")
    )
    return [a for a in mentors if a.open_places], mentees


@coordinator_required
def program_pairings(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    mentors, mentees = _pairing_candidates(program)
    form = OfferForm(request.POST or None, mentors=mentors, mentees=mentees, peer=program.is_peer)
    if request.method == "POST" and form.is_valid():
        people = {
            m.pk: m
            for m in Membership.objects.filter(pk__in=[form.cleaned_data["mentor"], form.cleaned_data["mentee"]])
        }
        try:
            proposal_services.proposal_offer(
                actor=request.membership,
                program=program,
                mentor=people[int(form.cleaned_data["mentor"])],
                mentee=people[int(form.cleaned_data["mentee"])],
                note=form.cleaned_data["note"],
            )
        except (ServiceError, KeyError) as error:
            form_error(
                form, error if isinstance(error, ServiceError) else ServiceError("Choose people from the lists.")
            )
        else:
            messages.success(request, "The pairing was offered to both; it becomes final when both accept.")
            return redirect("program_pairings", org_slug=org_slug, program_slug=program.slug)
    proposals = Proposal.objects.filter(program=program).select_related("mentor__user", "mentee__user", "mentorship")
    proposals, sorting = listing.sort(request, proposals, PAIRING_SORTS, default="-proposed")
    page = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/program_pairings.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "sorting": sorting,
            "querystring": sorting.querystring,
            "has_candidates": mentors and mentees,
        },
    )


@require_POST
@coordinator_required
def proposal_withdraw(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    proposal = get_object_or_404(Proposal, pk=pk, program=program)
    try:
        proposal_services.proposal_withdraw(actor=request.membership, proposal=proposal)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The proposed pairing was withdrawn.")
    return redirect("program_pairings", org_slug=org_slug, program_slug=program.slug)


@member_required
def offer_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    me = request.membership
    # Only what was actually put to the person: not drafts, nor the committee's business.
    offers = list(
        Proposal.objects.filter(Q(mentor=me) | Q(mentee=me))
        .filter(status__in=["offered", "confirmed", "declined"])
        .select_related("program", "mentor__user", "mentee__user", "mentorship")
        .order_by("-created_at")[:50]
    )
    for offer in offers:
        offer.my_side = "mentor" if offer.mentor_id == me.pk else "mentee"
        offer.my_response = offer.response_of(me)
    # The facts beside the decision: the other person's card and the reasons, in plain words.
    pairing_cards(offers, viewer=me)
    return render(request, "matching/offer_list.html", {"offers": offers})


@require_POST
@member_required
def offer_respond(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.membership
    proposal = get_object_or_404(Proposal.objects.filter(Q(mentor=me) | Q(mentee=me)), pk=pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept or decline.")
        return redirect("offer_list", org_slug=org_slug)
    try:
        proposal = proposal_services.proposal_respond(
            actor=me,
            proposal=proposal,
            accept=form.cleaned_data["answer"] == "accept",
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("offer_list", org_slug=org_slug)
    if proposal.status == ProposalStatus.CONFIRMED:
        messages.success(request, "You have both accepted: your mentorship has started.")
        return redirect("mentorship_detail", org_slug=org_slug, pk=proposal.mentorship_id)
    if proposal.status == ProposalStatus.DECLINED:
        messages.success(request, "You declined this pairing. The program office will be in touch.")
    else:
        messages.success(request, "Thank you. The pairing becomes final when the other person accepts too.")
    return redirect("offer_list", org_slug=org_slug)
