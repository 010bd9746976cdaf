from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from mentorship import listing
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.forms.programs import MENTOR_SORT_LABELS, MentorFilterForm, ProgramForm
from programs.models import (
    MENTOR_LIVE,
    Application,
    ApplicationStatus,
    EligibilityRule,
    Profile,
    Program,
    ProgramModel,
    Role,
)
from programs.selectors.applications import is_live_mentee
from programs.selectors.profiles import can_read_biosketches
from programs.services import programs as program_services
from programs.services.programs import RuleSettings

# The mentor directory (cards, sorted from a "Sort by" select): public key -> ORM order.
MENTOR_SORTS = {
    "name": Lower("membership__user__full_name"),
    "specialty": Lower("membership__profile__specialty"),
    "institution": Lower("membership__profile__institution"),
    "graduated": "membership__profile__graduation_year",
    "places": "places_left",
}


def visible_program(request: HttpRequest, program_slug: str) -> Program:
    """The program in the URL if this person may see it: coordinators see drafts too."""
    programs = Program.objects.all()
    if not request.membership.is_coordinator:
        programs = programs.filter(is_published=True)
    return get_object_or_404(programs, slug=program_slug)


@member_required
def program_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    programs = Program.objects.all()
    if not request.membership.is_coordinator:
        programs = programs.filter(is_published=True)
    mine = {
        (a.program_id, a.role): a
        for a in Application.objects.filter(membership=request.membership).exclude(status=ApplicationStatus.WITHDRAWN)
    }
    rows = [(p, [mine.get((p.pk, role)) for role in p.application_roles]) for p in programs]
    return render(request, "programs/program_list.html", {"rows": rows})


def _rules(program: Program | None) -> dict[str, RuleSettings]:
    if program is None:
        return {}
    return {
        rule.role: RuleSettings(rule.allowed_statuses, rule.min_years_experience, rule.attestations)
        for rule in EligibilityRule.objects.filter(program=program)
    }


@coordinator_required
def program_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ProgramForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = program_services.program_create(actor=request.membership, **form.service_kwargs())
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"{program.name} is set up.")
            return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)
    return render(request, "programs/program_form.html", {"form": form, "program": None})


@coordinator_required
def program_edit(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    form = ProgramForm(request.POST or None, request.FILES or None, instance=program, rules=_rules(program))
    if request.method == "POST" and form.is_valid():
        try:
            program = program_services.program_update(
                actor=request.membership,
                program=Program.objects.get(pk=program.pk),
                remove_guide=form.cleaned_data.get("remove_guide", False),
                **form.service_kwargs(),
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Program saved.")
            return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@member_required
def program_detail(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = visible_program(request, program_slug)
    mine = list(
        Application.objects.filter(program=program, membership=request.membership).exclude(
            status=ApplicationStatus.WITHDRAWN
        )
    )
    my_roles = {a.role: a for a in mine}
    context = {
        "program": program,
        "goal_areas": list(program.goal_areas.all()),
        "rules": {r.role: r for r in EligibilityRule.objects.filter(program=program)},
        "my_mentee_application": my_roles.get(Role.MENTEE),
        "my_mentor_application": my_roles.get(Role.MENTOR),
        "my_peer_application": my_roles.get(Role.PEER),
        "is_open": program.applications_are_open(),
        "opens_later": bool(program.applications_open and program.applications_open > timezone.now()),
        "can_browse_mentors": can_read_biosketches(membership=request.membership, program=program),
    }
    if request.membership.is_coordinator:
        counts = {row["status"]: row["n"] for row in _status_counts(program)}
        context["application_counts"] = [
            (label, counts[value])
            for value, label in ApplicationStatus.choices
            if counts.get(value) and value != ApplicationStatus.DRAFT
        ]
        context["announcements"] = list(program.announcements.select_related("sent_by")[:3])
    return render(request, "programs/program_detail.html", context)


def _status_counts(program: Program):
    from django.db.models import Count

    return Application.objects.filter(program=program).values("status").annotate(n=Count("pk"))


@member_required
def program_guide(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = visible_program(request, program_slug)
    if not program.guide:
        raise Http404("This program has no guide.")
    filename = program.guide.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    try:
        handle = program.guide.open("rb")
    except FileNotFoundError:
        raise Http404("The guide file is missing; the program office can upload it again.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Self-selection: the mentors' biosketches ----------------------------------------------

MENTORS_PER_PAGE = 24


def biosketch_refusal(request: HttpRequest, program: Program) -> HttpResponse | None:
    """The 403 page for whoever may not read ``program``'s biosketches (the rule is
    ``programs.selectors.profiles.can_read_biosketches``), or None for those who may. Every view
    that shows a mentor's biosketch calls it before loading anyone."""
    if can_read_biosketches(membership=request.membership, program=program):
        return None
    return render(request, "programs/mentor_directory_locked.html", {"program": program}, status=403)


@member_required
def mentor_directory(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = visible_program(request, program_slug)
    if program.model != ProgramModel.SELF_SELECT:
        raise Http404("Only self-selection programs have a mentor directory.")
    if refusal := biosketch_refusal(request, program):
        return refusal
    mentors = (
        Application.objects.filter(
            program=program, role=Role.MENTOR, status__in=MENTOR_LIVE, membership__is_active=True
        )
        .select_related("membership__user", "membership__profile")
        .prefetch_related("goal_areas")
        .order_by("membership__user__full_name")
    )
    specialties = sorted(
        {s for s in mentors.values_list("membership__profile__specialty", flat=True) if s}, key=str.lower
    )
    filters = MentorFilterForm(request.GET, specialties=specialties)
    f = filters.values
    search, specialty, institution = f.get("q", ""), f.get("specialty", ""), f.get("institution", "")
    if search:
        mentors = mentors.filter(
            Q(membership__user__full_name__icontains=search)
            | Q(membership__profile__institution__icontains=search)
            | Q(membership__profile__clinical_interests__icontains=search)
            | Q(membership__profile__research_interests__icontains=search)
            | Q(membership__profile__specialty__icontains=search)
        )
    if specialty:
        mentors = mentors.filter(membership__profile__specialty=specialty)
    if institution:
        mentors = mentors.filter(membership__profile__institution__icontains=institution)
    years = {key: f[key] for key in ("grad_from", "grad_to") if f.get(key) is not None}
    if "grad_from" in years:
        mentors = mentors.filter(membership__profile__graduation_year__gte=years["grad_from"])
    if "grad_to" in years:
        mentors = mentors.filter(membership__profile__graduation_year__lte=years["grad_to"])

    from django.db.models import Count

    mentors = mentors.annotate(
        live_mentees=Count(
            "membership__mentorships_as_mentor",
            filter=Q(
                membership__mentorships_as_mentor__program=program,
                membership__mentorships_as_mentor__status__in=["active", "paused"],
            ),
            distinct=True,
        ),
        requests_received=Count(
            "membership__requests_received",
            filter=Q(membership__requests_received__program=program)
            & ~Q(membership__requests_received__status="withdrawn"),
            distinct=True,
        ),
        requests_answered=Count(
            "membership__requests_received",
            filter=Q(
                membership__requests_received__program=program,
                membership__requests_received__status__in=["accepted", "declined"],
            ),
            distinct=True,
        ),
    )
    mentors = mentors.annotate(
        places_left=Coalesce("capacity", Value(program.default_mentees_per_mentor)) - F("live_mentees")
    )
    mentors, sorting = listing.sort(request, mentors, MENTOR_SORTS, default="name", base_query=filters.querystring())
    page = Paginator(mentors, MENTORS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for application in page.object_list:
        try:
            profile = application.membership.profile
        except Profile.DoesNotExist:
            profile = None
        capacity = application.capacity or program.default_mentees_per_mentor
        application.open_places = max(0, capacity - application.live_mentees)
        application.response_rate = (
            round(100 * application.requests_answered / application.requests_received)
            if application.requests_received
            else None
        )
        rows.append((application, profile))
    # Only a mentee of this program may ask (coordinators and mentors browse).
    can_ask = is_live_mentee(program=program, membership=request.membership)
    return render(
        request,
        "programs/mentor_directory.html",
        {
            "program": program,
            "rows": rows,
            "can_ask": can_ask,
            "search": search,
            "page": page,
            "sorting": sorting,
            "sort_options": sorting.options(MENTOR_SORT_LABELS),
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
            "specialties": specialties,
            "specialty": specialty,
            "institution": institution,
            "grad_from": years.get("grad_from", ""),
            "grad_to": years.get("grad_to", ""),
            "filtered": bool(search or specialty or institution or years),
        },
    )
