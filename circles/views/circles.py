"""The circles pages: the program's circles, a circle, and what coordinators and members
do to them. Thin: each reads, calls a service and renders.

Who sees what: a circle's page is for its facilitators, its members (and waitlist) and the
organization's coordinators; coordinators see its metadata only (dates, counts), never
its record's text. Anyone else gets a 404."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views.decorators.http import require_POST, require_safe

from circles.forms.circles import CircleForm, PersonForm
from circles.models import (
    LIVE_MEMBER_STATUSES,
    Circle,
    CircleMember,
    CircleMemberStatus,
    CircleRole,
    CircleStatus,
)
from circles.selectors import (
    choices_of,
    circle_people,
    coordinator_metadata,
    is_program_member,
    live_place,
    open_circles,
    past_people,
    places_of,
    program_circles,
    waitlist_position,
)
from circles.services import circles as services
from circles.services.agreement import has_signed
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Application, ApplicationStatus, Membership, Program, ProgramModel, Role

RECORD_TEMPLATE = "circles/includes/record.html"


def circles_program(program_slug: str) -> Program:
    return get_object_or_404(Program.objects.filter(model=ProgramModel.CIRCLES), slug=program_slug)


def program_circle(program: Program, pk: int) -> Circle:
    return get_object_or_404(
        Circle.objects.filter(program=program).select_related("organization", "program", "goal_area", "hub"), pk=pk
    )


def viewer_place(request: HttpRequest, circle: Circle) -> CircleMember | None:
    """The viewer's live place in the circle; a 404 for anyone without one who is not a
    coordinator."""
    place = live_place(circle, request.membership)
    if place is None and not request.membership.is_coordinator:
        raise Http404("No such circle.")
    return place


def record_template() -> str | None:
    """The record area's template (meetings, RSVPs, notes), once it exists."""
    try:
        get_template(RECORD_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return RECORD_TEMPLATE


@require_safe
@member_required
def circle_list(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = circles_program(program_slug)
    membership = request.membership
    context = {"program": program, "is_coordinator": membership.is_coordinator}
    if membership.is_coordinator:
        context["circles"] = list(program_circles(program))
    member = is_program_member(program, membership)
    mine = places_of(program, membership)
    mine_ids = {p.circle_id for p in mine}
    context.update(
        {
            "is_member": member,
            "my_places": mine,
            "open_circles": [c for c in open_circles(program) if c.pk not in mine_ids] if member else [],
            "my_choices": choices_of(program, membership) if member else [],
        }
    )
    return render(request, "circles/circle_list.html", context)


@require_safe
@member_required
def circle_detail(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    place = viewer_place(request, circle)
    signed = place is not None and place.status == CircleMemberStatus.ACTIVE and has_signed(circle, request.membership)
    in_circle = place is not None and place.status == CircleMemberStatus.ACTIVE
    context = {
        "program": program,
        "circle": circle,
        "place": place,
        "position": waitlist_position(place) if place else None,
        "people": circle_people(circle),
        "in_circle": in_circle,
        "signed": signed,
        # The record is for the circle's people who signed its agreement; never coordinators.
        "show_record": in_circle and signed,
        "record_template": record_template() if in_circle and signed else None,
        "coordinator_view": request.membership.is_coordinator and not in_circle,
    }
    if request.membership.is_coordinator:
        context["metadata"] = coordinator_metadata(circle)
        context["past_people"] = past_people(circle)
    return render(request, "circles/circle_detail.html", context)


def _form_values(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in services.EDITABLE_FIELDS}


@coordinator_required
def circle_create(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = circles_program(program_slug)
    form = CircleForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            circle = services.circle_create(actor=request.membership, program=program, **_form_values(form))
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, f"The circle {circle.name} was created. Add its facilitators and members next.")
            return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    return render(request, "circles/circle_form.html", {"program": program, "form": form, "circle": None})


@coordinator_required
def circle_edit(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    if circle.status == CircleStatus.ENDED:
        flash.error(request, "This circle has ended; its history stays as it was.")
        return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    form = CircleForm(request.POST or None, instance=circle, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.circle_update(actor=request.membership, circle=circle, **_form_values(form))
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, "The circle was saved.")
            return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    return render(request, "circles/circle_form.html", {"program": program, "form": form, "circle": circle})


@require_POST
@coordinator_required
def circle_end(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    try:
        services.circle_end(actor=request.membership, circle=circle)
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, f"The circle {circle.name} has ended. Its record stays readable to its members.")
    return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)


def _candidates(circle: Circle, role: str | None = None):
    """The program's accepted applicants without a live place in the circle."""
    roles = [role] if role else [Role.MENTOR, Role.MENTEE]
    in_circle = CircleMember.objects.filter(circle=circle, status__in=LIVE_MEMBER_STATUSES).values("membership_id")
    ids = Application.objects.filter(program=circle.program, status=ApplicationStatus.ACCEPTED, role__in=roles).values(
        "membership_id"
    )
    return (
        Membership.objects.filter(pk__in=ids, is_active=True)
        .exclude(pk__in=in_circle)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


@coordinator_required
def circle_member_add(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    form = PersonForm(
        request.POST or None,
        people=_candidates(circle),
        label="Accepted applicant",
        help_text="Accepted mentors facilitate; accepted mentees are members.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            place = services.member_add(
                actor=request.membership, circle=circle, membership=form.cleaned_data["membership"]
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(
                request, f"{place.membership.user.full_name} was added as {place.get_role_display().lower()}."
            )
            return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    return render(request, "circles/member_add.html", {"program": program, "circle": circle, "form": form})


def _place(circle: Circle, place_pk: int, **filters) -> CircleMember:
    return get_object_or_404(
        CircleMember.objects.filter(circle=circle, **filters).select_related("membership__user"), pk=place_pk
    )


@require_POST
@coordinator_required
def circle_member_remove(
    request: HttpRequest, org_slug: str, program_slug: str, pk: int, place_pk: int
) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    place = _place(circle, place_pk)
    try:
        services.member_remove(actor=request.membership, place=place)
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, f"{place.membership.user.full_name} was removed from the circle.")
    return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)


@coordinator_required
def circle_facilitator_replace(
    request: HttpRequest, org_slug: str, program_slug: str, pk: int, place_pk: int
) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    place = _place(circle, place_pk, role=CircleRole.FACILITATOR)
    form = PersonForm(
        request.POST or None,
        people=_candidates(circle, Role.MENTOR),
        label="New facilitator",
        help_text="One of the program's accepted mentors. The current facilitator stays in the circle's history.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.facilitator_replace(
                actor=request.membership, place=place, membership=form.cleaned_data["membership"]
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, f"{new.membership.user.full_name} now facilitates the circle.")
            return redirect("circle_detail", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)
    return render(
        request,
        "circles/facilitator_replace.html",
        {"program": program, "circle": circle, "place": place, "form": form},
    )


@require_POST
@member_required
def circle_join(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    if not circle.open_to_join and live_place(circle, request.membership) is None:
        raise Http404("No such circle.")
    try:
        place = services.circle_join(actor=request.membership, circle=circle)
    except ServiceError as error:
        flash.error(request, error.message)
        return redirect("circle_list", org_slug=org_slug, program_slug=program.slug)
    if place.status == CircleMemberStatus.WAITLISTED:
        flash.info(
            request,
            f"The circle is full: you are number {waitlist_position(place)} on its waitlist. You will be told when "
            "a place opens.",
        )
        return redirect("circle_list", org_slug=org_slug, program_slug=program.slug)
    flash.success(request, f"You joined the circle {circle.name}. Read and sign its agreement to see its record.")
    return redirect("circle_agreement", org_slug=org_slug, program_slug=program.slug, pk=circle.pk)


@require_POST
@member_required
def circle_leave(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = circles_program(program_slug)
    circle = program_circle(program, pk)
    if live_place(circle, request.membership) is None:
        raise Http404("No such circle.")
    try:
        services.circle_leave(actor=request.membership, circle=circle)
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, f"You left the circle {circle.name}. No reason needed; thank you for taking part.")
    return redirect("circle_list", org_slug=org_slug, program_slug=program.slug)
