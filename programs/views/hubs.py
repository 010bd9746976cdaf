"""Hub catalogue (every member) and its management (coordinators) for hub-model programs.

Thin views: the tenancy middleware has checked membership and scoped every query to the
organization; these views also check that each object belongs to the program in the URL,
and leave every write to ``programs.services.hubs``.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.forms.hubs import (
    AffinityGroupForm,
    HubFilterForm,
    HubForm,
    HubMentorCapacityForm,
    HubMentorForm,
    HubStartForm,
    MemberSearchForm,
    active_members,
)
from programs.models import AffinityGroup, Hub, HubMentor, HubTheme, Program, ProgramModel
from programs.selectors.organizations import MEMBER_SEARCH_LIMIT, search_members
from programs.services import hubs as hub_services


def _post_only(request: HttpRequest) -> HttpResponse | None:
    """405 for anything but POST, answered *after* the objects were found (foreign ids stay 404)."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _program(request: HttpRequest, program_slug: str) -> Program:
    """The hub-model program in the URL; 404 for any other model (and, for members, if unpublished)."""
    programs = Program.objects.filter(model=ProgramModel.HUBS)
    if not request.membership.is_coordinator:
        programs = programs.filter(is_published=True)
    program = get_object_or_404(programs, slug=program_slug)
    program.organization = request.organization  # already loaded by the middleware
    return program


def _catalogue_url(program: Program, anchor: str = "") -> str:
    url = reverse("hub_list", kwargs={"org_slug": program.organization.slug, "program_slug": program.slug})
    return f"{url}#{anchor}" if anchor else url


def _hub_edit_url(program: Program, hub_pk: int) -> str:
    return reverse(
        "hub_edit", kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "pk": hub_pk}
    )


def _person(membership) -> str:
    return membership.user.full_name or membership.user.email


# --- Catalogue ------------------------------------------------------------------------


@member_required
def hub_list(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _program(request, program_slug)
    filters = HubFilterForm(request.GET)
    search, theme = filters.values.get("q", ""), filters.values.get("theme", "")
    is_coordinator = request.membership.is_coordinator
    catalogue = hub_services.hub_catalogue(program=program, include_inactive=is_coordinator, theme=theme, search=search)
    return render(
        request,
        "programs/hubs/hub_list.html",
        {
            "program": program,
            "catalogue": catalogue,
            "search": search,
            "theme": theme,
            "themes": HubTheme.choices,
            "can_manage": is_coordinator,
            "filter_errors": filters.error_list(),
        },
    )


# --- Affinity groups ------------------------------------------------------------------


@coordinator_required
def affinity_group_create(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _program(request, program_slug)
    form = AffinityGroupForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            group = hub_services.affinity_group_create(actor=request.membership, program=program, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Created the affinity group {group.name}. Add its hubs next.")
            return redirect(_catalogue_url(program, f"group-{group.pk}"))
    return render(request, "programs/hubs/group_form.html", {"program": program, "form": form, "group": None})


@coordinator_required
def affinity_group_edit(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    group = get_object_or_404(AffinityGroup.objects.select_related("senior_mentor__user"), pk=pk, program=program)
    initial = {"name": group.name, "description": group.description, "senior_mentor": group.senior_mentor_id}
    form = AffinityGroupForm(request.POST or None, initial=initial, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            group = hub_services.affinity_group_update(actor=request.membership, group=group, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Saved the affinity group {group.name}.")
            return redirect(_catalogue_url(program, f"group-{group.pk}"))
    context = {
        "program": program,
        "form": form,
        "group": group,
        "hub_count": Hub.objects.filter(affinity_group=group).count(),
        "former_senior_mentor": group.senior_mentor
        if group.senior_mentor and not group.senior_mentor.is_active
        else None,
    }
    return render(request, "programs/hubs/group_form.html", context)


@coordinator_required
def affinity_group_delete(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    group = get_object_or_404(AffinityGroup, pk=pk, program=program)
    if not_allowed := _post_only(request):
        return not_allowed
    try:
        hub_services.affinity_group_delete(actor=request.membership, group=group)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("affinity_group_edit", org_slug=org_slug, program_slug=program.slug, pk=group.pk)
    messages.success(request, f"Deleted the affinity group {group.name}.")
    return redirect(_catalogue_url(program))


# --- Hubs -----------------------------------------------------------------------------


@coordinator_required
def hub_create(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _program(request, program_slug)
    initial = {"is_active": True}
    start = HubStartForm(request.GET)
    if start.values.get("group"):
        initial["affinity_group"] = start.values["group"]
    form = HubForm(request.POST or None, initial=initial, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            hub = hub_services.hub_create(actor=request.membership, program=program, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Created the hub {hub.name}. Add its mentors below.")
            return redirect(_hub_edit_url(program, hub.pk))
    has_groups = form.fields["affinity_group"].queryset.exists()
    return render(
        request,
        "programs/hubs/hub_form.html",
        {"program": program, "form": form, "hub": None, "has_groups": has_groups},
    )


def _hub(program: Program, pk: int) -> Hub:
    return get_object_or_404(Hub.objects.select_related("affinity_group"), pk=pk, program=program)


def _hub_page(request: HttpRequest, program: Program, hub: Hub, *, form=None, mentor_form=None) -> HttpResponse:
    if form is None:
        initial = {
            "name": hub.name,
            "description": hub.description,
            "theme": hub.theme,
            "affinity_group": hub.affinity_group_id,
            "is_active": hub.is_active,
        }
        form = HubForm(initial=initial, program=program)
    if mentor_form is None:
        mentor_form = HubMentorForm(organization=request.organization)
    mentors = list(
        HubMentor.objects.filter(hub=hub)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "membership__user__email")
    )
    context = {
        "program": program,
        "hub": hub,
        "form": form,
        "mentor_form": mentor_form,
        **_mentor_search(request, hub, mentors, mentor_form),
        "mentors": mentors,
        "total_capacity": sum(m.capacity for m in mentors if m.membership.is_active),
        "delete_refusal": hub_services.hub_delete_refusal(hub),
        "has_groups": True,
    }
    return render(request, "programs/hubs/hub_form.html", context)


def _mentor_search(request: HttpRequest, hub: Hub, mentors: list[HubMentor], mentor_form) -> dict:
    """The mentor picker's search (``?mentor_q=``) and its results; after a refused add, the
    member chosen stays chosen."""
    search = MemberSearchForm(request.GET)
    query = search.values.get("mentor_q", "")
    results = search_members(organization=request.organization, query=query) if query else []
    chosen = None
    if mentor_form.is_bound and str(mentor_form.data.get("membership", "")).isdigit():
        chosen = active_members(request.organization).filter(pk=mentor_form.data["membership"]).first()
    if chosen is not None and chosen not in results:
        results = [chosen, *results]
    return {
        "mentor_query": query,
        "mentor_results": results,
        "mentor_chosen": chosen.pk if chosen is not None else None,
        "mentor_already": {m.membership_id for m in mentors},
        "mentor_search_errors": search.error_list(),
        "mentor_limit": MEMBER_SEARCH_LIMIT,
    }


@require_GET
@coordinator_required
def hub_mentor_search(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    """The picker's results alone, for htmx as the coordinator types (``?mentor_q=``)."""
    program = _program(request, program_slug)
    hub = _hub(program, pk)
    mentors = list(HubMentor.objects.filter(hub=hub).only("membership_id"))
    picker = _mentor_search(request, hub, mentors, HubMentorForm(organization=request.organization))
    context = {"program": program, "hub": hub, **picker}
    return render(request, "programs/hubs/mentor_results.html", context)


@coordinator_required
def hub_edit(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub = _hub(program, pk)
    if request.method != "POST":
        return _hub_page(request, program, hub)
    form = HubForm(request.POST, program=program)
    if form.is_valid():
        try:
            hub = hub_services.hub_update(actor=request.membership, hub=hub, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Saved the hub {hub.name}.")
            return redirect(_hub_edit_url(program, hub.pk))
    return _hub_page(request, program, hub, form=form)


@coordinator_required
def hub_set_active(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub = _hub(program, pk)
    if not_allowed := _post_only(request):
        return not_allowed
    is_active = request.POST.get("is_active") == "1"
    try:
        hub = hub_services.hub_set_active(actor=request.membership, hub=hub, is_active=is_active)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if is_active:
            messages.success(request, f"{hub.name} is active again: members see it and can rank it.")
        else:
            messages.success(request, f"{hub.name} is deactivated: members no longer see it or rank it.")
    return redirect(_hub_edit_url(program, hub.pk))


@coordinator_required
def hub_delete(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub = _hub(program, pk)
    if not_allowed := _post_only(request):
        return not_allowed
    try:
        hub_services.hub_delete(actor=request.membership, hub=hub)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(_hub_edit_url(program, hub.pk))
    messages.success(request, f"Deleted the hub {hub.name}.")
    return redirect(_catalogue_url(program, f"group-{hub.affinity_group_id}"))


# --- Hub mentors ----------------------------------------------------------------------


@coordinator_required
def hub_mentor_add(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub = _hub(program, pk)
    if not_allowed := _post_only(request):
        return not_allowed
    mentor_form = HubMentorForm(request.POST, organization=request.organization)
    if mentor_form.is_valid():
        try:
            hub_mentor = hub_services.hub_mentor_add(actor=request.membership, hub=hub, **mentor_form.cleaned_data)
        except ServiceError as error:
            form_error(mentor_form, error)
        else:
            messages.success(request, f"Added {_person(hub_mentor.membership)} as a mentor in {hub.name}.")
            return redirect(_hub_edit_url(program, hub.pk))
    return _hub_page(request, program, hub, mentor_form=mentor_form)


def _hub_mentor(program: Program, pk: int) -> HubMentor:
    return get_object_or_404(HubMentor.objects.select_related("hub", "membership__user"), pk=pk, hub__program=program)


@coordinator_required
def hub_mentor_capacity(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub_mentor = _hub_mentor(program, pk)
    if not_allowed := _post_only(request):
        return not_allowed
    form = HubMentorCapacityForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("capacity") or ["Enter a whole number of mentees."]
        messages.error(request, f"{_person(hub_mentor.membership)}: {errors[0]}")
    else:
        try:
            hub_mentor = hub_services.hub_mentor_set_capacity(
                actor=request.membership, hub_mentor=hub_mentor, capacity=form.cleaned_data["capacity"]
            )
        except ServiceError as error:
            messages.error(request, f"{_person(hub_mentor.membership)}: {error.message}")
        else:
            messages.success(
                request,
                f"{_person(hub_mentor.membership)} can now take up to {hub_mentor.capacity} "
                f"mentee{'s' if hub_mentor.capacity != 1 else ''} in {hub_mentor.hub.name}.",
            )
    return redirect(_hub_edit_url(program, hub_mentor.hub_id))


@coordinator_required
def hub_mentor_remove(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = _program(request, program_slug)
    hub_mentor = _hub_mentor(program, pk)
    if not_allowed := _post_only(request):
        return not_allowed
    try:
        hub_services.hub_mentor_remove(actor=request.membership, hub_mentor=hub_mentor)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Removed {_person(hub_mentor.membership)} from the mentors of {hub_mentor.hub.name}."
        )
    return redirect(_hub_edit_url(program, hub_mentor.hub_id))
