"""The pairing's pages: its detail page for the pair and coordinators, the no-fault
ending, and a program's list of mentorships for coordinators."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorship import listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm, FlagField, bad_filter_response
from mentorship.freshness import cached_fragment
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from relationships import selectors
from relationships.models import Mentorship
from relationships.responsiveness import reply_summary
from relationships.services import endings as relationship_endings
from relationships.services.meetings import overview
from relationships.services.record import record_summary, with_goal_counts

PER_PAGE = 50

# The program's mentorships: sortable columns (public key -> ORM order).
MENTORSHIP_SORTS = {
    "mentor": Lower("mentor__user__full_name"),
    "mentee": Lower("mentee__user__full_name"),
    "started": "started_on",
    "stage": "stage",
    "status": "status",
    "meetings": "meetings_held",
    "messages": "messages_sent",
    "last_message": "last_message_at",
}
# Metadata only: never a note, an agenda, a goal's text or any other free text of the pair.
MENTORSHIP_CSV_HEADER = [
    "Mentor",
    "Mentor email",
    "Mentee",
    "Mentee email",
    "Status",
    "Stage",
    "Started",
    "Planned end",
    "Ended",
    "Hub",
    "Meetings held",
    "Goals",
    "Goals achieved",
    "Messages",
    "Last message",
]


class MentorshipFilterForm(FilterForm):
    all = FlagField(label="Include ended ones")


@member_required
def mentorship_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship.objects.select_related("program"), pk=pk)
    party = mentorship.party(request.membership)
    if party is None and not request.membership.is_coordinator:
        raise Http404("No such mentorship.")

    def context() -> dict:
        pair = with_goal_counts(Mentorship.objects.select_related("program", "mentor__user", "mentee__user")).get(
            pk=mentorship.pk
        )
        # Metadata only (no agenda or summary is loaded, let alone decrypted); the record's
        # summary counts the held meetings and finds the last one in the same list.
        meetings_overview = overview(pair)
        return {
            "mentorship": pair,
            "party": party,
            "record_summary": record_summary(pair, meetings=meetings_overview.meetings),
            "meetings_overview": meetings_overview,
            "conversation_summary": selectors.conversation_summary(mentorship=pair, viewer=request.membership),
            # Each side's median reply time: when messages were sent and by whom, never their text.
            "reply_times": reply_summary(pair),
        }

    # Kept per viewer and time zone until the organization's data changes, the day turns or
    # a minute passes (a meeting's start moving it from upcoming to past).
    viewer = f"{mentorship.pk}:{request.membership.pk}:{timezone.get_current_timezone_name()}"
    main = cached_fragment(
        request, "mentorship-main", viewer, "relationships/includes/mentorship_main.html", context, ttl=60
    )
    return render(request, "relationships/mentorship_detail.html", {"mentorship": mentorship, "main": main})


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


def _program_mentorships(request: HttpRequest, program: Program):
    filters = MentorshipFilterForm(request.GET)
    live_only = not filters.values.get("all")
    mentorships = selectors.program_mentorships(program=program, live_only=live_only)
    mentorships, sorting = listing.sort(
        request, mentorships, MENTORSHIP_SORTS, default="-started", base_query=filters.querystring()
    )
    return mentorships, sorting, filters, live_only


@coordinator_required
def program_mentorships(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    mentorships, sorting, filters, live_only = _program_mentorships(request, program)
    page = Paginator(mentorships, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "relationships/program_mentorships.html",
        {
            "program": program,
            "page": page,
            "live_only": live_only,
            "sorting": sorting,
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
        },
    )


def _day(value) -> str:
    return value.isoformat() if value else ""


@coordinator_required
def program_mentorships_csv(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """The program's mentorships as the list shows them (filter and order, every page), as
    CSV: names, emails, status, stage, dates, hub and counts; nothing the pair wrote."""
    program = get_object_or_404(Program, slug=program_slug)
    mentorships, _sorting, filters, _live_only = _program_mentorships(request, program)
    if refusal := bad_filter_response(filters):
        return refusal
    rows = (
        [
            m.mentor.user.full_name,
            m.mentor.user.email,
            m.mentee.user.full_name,
            m.mentee.user.email,
            m.get_status_display(),
            m.get_stage_display(),
            _day(m.started_on),
            _day(m.planned_end_on),
            _day(timezone.localtime(m.ended_at).date() if m.ended_at else None),
            m.hub_name or "",
            m.meetings_held,
            m.goals_total,
            m.goals_achieved,
            m.messages_sent,
            _day(timezone.localtime(m.last_message_at).date() if m.last_message_at else None),
        ]
        for m in mentorships.iterator(chunk_size=500)
    )
    return csv_response(f"{program.slug}-mentorships.csv", MENTORSHIP_CSV_HEADER, rows)
