"""The pairing's pages: its detail page for the pair and coordinators, the no-fault
ending, and a program's list of mentorships for coordinators."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm, FlagField
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from relationships.models import LIVE_STATUSES, Mentorship
from relationships.services import endings as relationship_endings
from relationships.services.meetings import overview
from relationships.services.record import record_summary

PER_PAGE = 50


class MentorshipFilterForm(FilterForm):
    all = FlagField(label="Include ended ones")


@member_required
def mentorship_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("program", "mentor__user", "mentee__user", "ended_by__user"), pk=pk
    )
    party = mentorship.party(request.membership)
    if party is None and not request.membership.is_coordinator:
        raise Http404("No such mentorship.")
    return render(
        request,
        "relationships/mentorship_detail.html",
        {
            "mentorship": mentorship,
            "party": party,
            "record_summary": record_summary(mentorship),
            # Metadata only (no agenda or summary is loaded, let alone decrypted).
            "meetings_overview": overview(mentorship),
        },
    )


@require_POST
@member_required
def mentorship_end(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(
        Mentorship.objects.filter(Q(mentor=request.membership) | Q(mentee=request.membership)), pk=pk
    )
    try:
        relationship_endings.mentorship_end_no_fault(actor=request.membership, mentorship=mentorship)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "The mentorship has ended under the no-fault clause. Your shared history stays here for you both."
        )
    return redirect("mentorship_detail", org_slug=org_slug, pk=pk)


@coordinator_required
def program_mentorships(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    filters = MentorshipFilterForm(request.GET)
    live_only = not filters.values.get("all")
    mentorships = Mentorship.objects.filter(program=program).select_related("mentor__user", "mentee__user")
    if live_only:
        mentorships = mentorships.filter(status__in=LIVE_STATUSES)
    page = Paginator(mentorships, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "relationships/program_mentorships.html",
        {
            "program": program,
            "page": page,
            "live_only": live_only,
            "querystring": "" if live_only else "all=1",
            "filter_errors": filters.error_list(),
        },
    )
