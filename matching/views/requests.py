"""Requests in a self-selection program: a mentee asks a mentor, who accepts or declines;
the coordinator's list of the program's requests, with guidance for a pair."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from matching.forms.requests import REQUEST_SORT_LABELS, DeclineForm, GuidanceForm, RequestFilterForm, RequestForm
from matching.models import MentorshipRequest, RequestStatus
from matching.selectors.cards import pairing_cards
from matching.services import pairs as pair_services
from matching.services import requests as request_services
from matching.views.common import PER_PAGE, post_id
from mentorship import listing
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Membership, Profile, Program, ProgramModel
from programs.views.programs import biosketch_refusal, visible_program

# A program's requests (cards, sorted from a "Sort by" select): public key -> ORM order.
REQUEST_SORTS = {
    "sent": "created_at",
    "mentee": Lower("mentee__user__full_name"),
    "mentor": Lower("mentor__user__full_name"),
    "status": "status",
}


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
    received, sent = list(base.filter(mentor=me)[:100]), list(base.filter(mentee=me)[:100])
    # Each request shows the other person's card and what the two have in common.
    pairing_cards(received + sent, viewer=me)
    return render(
        request,
        "matching/request_list.html",
        {"received": received, "sent": sent, "decline_form": DeclineForm()},
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


@coordinator_required
def program_requests(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug, model=ProgramModel.SELF_SELECT)
    if request.method == "POST":
        target = get_object_or_404(MentorshipRequest, pk=post_id(request.POST.get("request_id")), program=program)
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
    requests, sorting = listing.sort(
        request, requests, REQUEST_SORTS, default="-sent", base_query=filters.querystring()
    )
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/program_requests.html",
        {
            "program": program,
            "page": page,
            "status": status,
            "statuses": RequestStatus.choices,
            "sorting": sorting,
            "sort_options": sorting.options(REQUEST_SORT_LABELS),
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
        },
    )
