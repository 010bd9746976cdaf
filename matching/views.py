from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from matching.models import MentorshipRequest, RequestStatus
from matching.services import endings as ending_services
from matching.services import pairs as pair_services
from matching.services import proposals as proposal_services
from matching.services import requests as request_services
from matching.services import senior as senior_services
from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm
from mentorship.forms import Form, form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Membership, Profile, Program, ProgramModel
from programs.views.programs import biosketch_refusal, visible_program
from relationships.models import LIVE_STATUSES, Mentorship

PER_PAGE = 50


def _id(value) -> int:
    """An id from POST data: anything but ASCII digits is a 404, never a 500 ("²" and
    "١" are digits to ``str.isdigit``, and int() refuses the first)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Http404("No such item.")
    return int(text)


class RequestForm(Form):
    message = forms.CharField(
        label="Your message to the mentor",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text="Who you are, what you hope to work on, and how you would like to meet. "
        "Your agenda for a first meeting helps the mentor say yes.",
    )


class DeclineForm(Form):
    reason = forms.CharField(
        label="Private reason (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you see this. The mentee is told kindly, without a reason.",
    )


class RequestFilterForm(FilterForm):
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *RequestStatus.choices], required=False)


class GuidanceForm(Form):
    guidance = forms.CharField(
        label="Guidance for this pair", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Mentees and mentors ------------------------------------------------------------------


@member_required
def request_create(request: HttpRequest, org_slug: str, program_slug: str, mentor_pk: int) -> HttpResponse:
    program = visible_program(request, program_slug)
    if program.model != ProgramModel.SELF_SELECT:
        raise Http404("Only self-selection programs take requests.")
    # The page shows the mentor's biosketch: the directory's rule, before anyone is loaded.
    if refusal := biosketch_refusal(request, program):
        return refusal
    mentor = get_object_or_404(Membership.objects.select_related("user"), pk=mentor_pk, is_active=True)
    if pair_services.mentor_application(program, mentor) is None:
        raise Http404("This person is not a mentor in this program.")
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_services.request_send(
                actor=request.membership, program=program, mentor=mentor, message=form.cleaned_data["message"]
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"Your request is on its way to {mentor.user.full_name}. They have "
                f"{program.request_response_days} days to answer.",
            )
            return redirect("request_list", org_slug=org_slug)
    try:
        profile = mentor.profile
    except Profile.DoesNotExist:
        profile = None
    return render(
        request, "matching/request_form.html", {"program": program, "mentor": mentor, "profile": profile, "form": form}
    )


@member_required
def request_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    me = request.membership
    base = MentorshipRequest.objects.select_related("program", "mentee__user", "mentor__user", "mentorship")
    return render(
        request,
        "matching/request_list.html",
        {
            "received": list(base.filter(mentor=me)[:100]),
            "sent": list(base.filter(mentee=me)[:100]),
            "decline_form": DeclineForm(),
        },
    )


def _own_request(request: HttpRequest, pk: int, *, as_role: str) -> MentorshipRequest:
    # A request that is not yours (in this role) is a 404, like one that does not exist.
    return get_object_or_404(MentorshipRequest, pk=pk, **{as_role: request.membership})


@require_POST
@member_required
def request_accept(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship_request = _own_request(request, pk, as_role="mentor")
    try:
        mentorship = request_services.request_accept(actor=request.membership, request=mentorship_request)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("request_list", org_slug=org_slug)
    messages.success(request, f"You are now mentoring {mentorship.mentee.user.full_name}. Plan your first meeting.")
    return redirect("mentorship_detail", org_slug=org_slug, pk=mentorship.pk)


@require_POST
@member_required
def request_decline(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship_request = _own_request(request, pk, as_role="mentor")
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        request_services.request_decline(actor=request.membership, request=mentorship_request, reason=reason)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You declined the request. The mentee has been told kindly, without a reason.")
    return redirect("request_list", org_slug=org_slug)


@require_POST
@member_required
def request_withdraw(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship_request = _own_request(request, pk, as_role="mentee")
    try:
        request_services.request_withdraw(actor=request.membership, request=mentorship_request)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You withdrew your request.")
    return redirect("request_list", org_slug=org_slug)


# --- Coordinators -------------------------------------------------------------------------


@coordinator_required
def program_requests(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug, model=ProgramModel.SELF_SELECT)
    if request.method == "POST":
        target = get_object_or_404(MentorshipRequest, pk=_id(request.POST.get("request_id")), program=program)
        form = GuidanceForm(request.POST)
        if form.is_valid():
            try:
                request_services.request_add_guidance(
                    actor=request.membership, request=target, guidance=form.cleaned_data["guidance"]
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "Guidance added; the mentee and the mentor both see it.")
        else:
            messages.error(request, "Write the guidance before saving it.")
        return redirect("program_requests", org_slug=org_slug, program_slug=program.slug)
    filters = RequestFilterForm(request.GET)
    status = filters.values.get("status", "")
    requests = MentorshipRequest.objects.filter(program=program).select_related(
        "mentee__user", "mentor__user", "guidance_by__user"
    )
    if status:
        requests = requests.filter(status=status)
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/program_requests.html",
        {
            "program": program,
            "page": page,
            "status": status,
            "statuses": RequestStatus.choices,
            "querystring": filters.querystring(),
            "filter_errors": filters.error_list(),
        },
    )


# --- Proposed pairings and consent -----------------------------------------------------------


class OfferForm(Form):
    mentor = forms.ChoiceField(label="Mentor")
    mentee = forms.ChoiceField(label="Mentee")
    note = forms.CharField(
        label="Why this pairing (shown to both)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, mentors, mentees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [("", "Choose a mentor")] + [
            (str(a.membership_id), f"{a.membership.user.full_name} ({a.open_places} open)") for a in mentors
        ]
        self.fields["mentee"].choices = [("", "Choose a mentee")] + [
            (str(a.membership_id), a.membership.user.full_name) for a in mentees
        ]


def _pairing_candidates(program):
    """Accepted mentors with an open place and accepted mentees without a mentor."""
    from django.db.models import Count

    from programs.models import Application, ApplicationStatus, Role

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
    from matching.models import Proposal

    program = get_object_or_404(Program, slug=program_slug)
    mentors, mentees = _pairing_candidates(program)
    form = OfferForm(request.POST or None, mentors=mentors, mentees=mentees)
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
    page = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/program_pairings.html",
        {"program": program, "form": form, "page": page, "querystring": "", "has_candidates": mentors and mentees},
    )


@require_POST
@coordinator_required
def proposal_withdraw(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    from matching.models import Proposal

    program = get_object_or_404(Program, slug=program_slug)
    proposal = get_object_or_404(Proposal, pk=pk, program=program)
    try:
        proposal_services.proposal_withdraw(actor=request.membership, proposal=proposal)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The proposed pairing was withdrawn.")
    return redirect("program_pairings", org_slug=org_slug, program_slug=program.slug)


class RespondForm(Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    reason = forms.CharField(required=False, max_length=1000)


@member_required
def offer_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    from matching.models import Proposal

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
    return render(request, "matching/offer_list.html", {"offers": offers})


@require_POST
@member_required
def offer_respond(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    from matching.models import Proposal, ProposalStatus

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


# --- Committee review ------------------------------------------------------------------------


class VoteForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=2000)


def _committee_program(request: HttpRequest, program_slug: str) -> Program:
    me = request.membership
    if not (me.is_committee or me.is_coordinator):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Committee review is for committee members and coordinators.")
    return get_object_or_404(Program, slug=program_slug, model=ProgramModel.COMMITTEE)


@member_required
def committee_review(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    from matching.models import Proposal, ProposalStatus
    from programs.models import Application

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
    from matching.rounds import FACTOR_LABELS

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
    from matching.models import Proposal

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
    from matching.models import Proposal

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


@require_POST
@coordinator_required
def participant_remove(request: HttpRequest, org_slug: str, program_slug: str, membership_pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_pk)
    reason = request.POST.get("reason", "")[:2000]
    try:
        ending_services.participant_remove(
            actor=request.membership, program=program, membership=membership, reason=reason
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{membership.user.full_name} was removed from {program.name}; the reason is recorded."
        )
    back = request.POST.get("back", "")
    if back.startswith(f"/o/{org_slug}/"):
        return redirect(back)
    return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)


@require_POST
@coordinator_required
def senior_mentors_pair(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    try:
        created = senior_services.senior_mentors_pair(actor=request.membership, program=program)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        left = senior_services.senior_pairs_left_to_others(actor=request.membership, program=program)
        if created or not left:
            messages.success(
                request,
                f"Paired {created} hub mentor{'s' if created != 1 else ''} with their senior mentor."
                if created
                else "Every hub mentor already has their senior mentor.",
            )
        if left:
            messages.warning(
                request,
                f"{left} senior-mentor pairing{'s' if left != 1 else ''} include{'' if left != 1 else 's'} you, "
                "so another coordinator has to create "
                f"{'them' if left != 1 else 'it'}.",
            )
    return redirect("program_mentorships", org_slug=org_slug, program_slug=program.slug)


# --- Match rounds ------------------------------------------------------------------------------


class WeightsForm(Form):
    def __init__(self, *args, initial_weights: dict, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        from matching.rounds import FACTOR_LABELS, ROUND_MODES

        if program.model != ProgramModel.HUBS:
            self.fields["mode"] = forms.ChoiceField(
                label="How to pair",
                choices=list(ROUND_MODES.items()),
                initial="optimal",
                help_text="Stable modes rank each side by these weights' scores.",
            )
        self.fields["avoid_same_institution"] = forms.BooleanField(
            label="Never pair people from the same institution", required=False
        )
        for factor, label in FACTOR_LABELS.items():
            self.fields[factor] = forms.FloatField(
                label=label, min_value=0, max_value=10, initial=initial_weights.get(factor, 1.0)
            )

    def weights(self) -> dict:
        from matching.rounds import FACTOR_LABELS

        return {f: self.cleaned_data[f] for f in FACTOR_LABELS}


def _round_program(program_slug: str) -> Program:
    return get_object_or_404(Program.objects.exclude(model=ProgramModel.SELF_SELECT), slug=program_slug)


@coordinator_required
def match_rounds(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    from matching.models import MatchRound
    from matching.rounds import build_pool, default_weights, round_create

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
    pool = build_pool(program)
    return render(
        request,
        "matching/match_rounds.html",
        {
            "program": program,
            "form": form,
            "rounds": MatchRound.objects.filter(program=program).select_related("created_by__user")[:20],
            "pool_mentees": len(pool.mentee_apps),
            "pool_mentors": len({m.pk for m in pool.mentor_members}),
            "pool_places": int(pool.mentors.capacity.sum()) if len(pool.mentor_members) else 0,
        },
    )


@coordinator_required
def match_round_detail(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    from matching.models import MatchRound, Proposal, ProposalStatus
    from matching.rounds import FACTOR_LABELS

    program = _round_program(program_slug)
    match_round = get_object_or_404(MatchRound, pk=pk, program=program)
    drafts = list(
        Proposal.objects.filter(match_round=match_round)
        .select_related("mentor__user", "mentee__user")
        .order_by("-locked", "-score")
    )
    people_ids = {pk for p in drafts for pk, _score in p.alternatives} | {u["mentee"] for u in match_round.unmatched}
    names = {m.pk: m.user.full_name for m in Membership.objects.filter(pk__in=people_ids).select_related("user")}
    for p in drafts:
        p.factor_rows = [(FACTOR_LABELS.get(k, k), v) for k, v in p.contributions.items() if v]
        p.alternative_rows = [(pk, names.get(pk, "—"), score) for pk, score in p.alternatives]
    unmatched = [(names.get(u["mentee"], "—"), u["reason"]) for u in match_round.unmatched]
    return render(
        request,
        "matching/match_round_detail.html",
        {
            "program": program,
            "match_round": match_round,
            "drafts": drafts,
            "unmatched": unmatched,
            "is_draft": any(p.status == ProposalStatus.DRAFT for p in drafts),
            "weights": [(FACTOR_LABELS[k], v) for k, v in match_round.weights.items() if k in FACTOR_LABELS],
        },
    )


@require_POST
@coordinator_required
def match_round_action(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    from matching.models import MatchRound, Proposal
    from matching.rounds import proposal_lock, proposal_override, round_send

    program = _round_program(program_slug)
    match_round = get_object_or_404(MatchRound, pk=pk, program=program)
    action = request.POST.get("action")
    try:
        if action == "send":
            sent = round_send(actor=request.membership, match_round=match_round)
            messages.success(
                request,
                f"{sent} pairing{'s' if sent != 1 else ''} sent "
                f"{'to the committee' if program.model == ProgramModel.COMMITTEE else 'to the people concerned'}.",
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
            proposal = get_object_or_404(Proposal, pk=_id(request.POST.get("proposal")), match_round=match_round)
            if action == "override":
                mentor = get_object_or_404(Membership, pk=_id(request.POST.get("mentor")))
                proposal_override(actor=request.membership, proposal=proposal, mentor=mentor)
                messages.success(request, "Pair changed by hand and locked; the engine's score for it is shown.")
            else:
                proposal_lock(actor=request.membership, proposal=proposal, locked=action == "lock")
        else:
            messages.error(request, "Unknown action.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("match_round_detail", org_slug=org_slug, program_slug=program.slug, pk=match_round.pk)
