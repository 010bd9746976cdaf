"""Pages for the pair's goals, the stage of the relationship and the program's resources.

Goals and progress notes are the pair's alone: anyone else (coordinators included) gets a
404. The resources page is read by the organization's members when the program is
published (coordinators always) and edited by coordinators."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from programs.views.programs import visible_program
from relationships.forms.record import (
    GoalAchieveForm,
    GoalAddForm,
    GoalEditForm,
    GoalNoteForm,
    ResourcesForm,
    StageForm,
)
from relationships.models import Goal, Mentorship, ProgramResources
from relationships.services import record as record_services


def _pair_mentorship(request: HttpRequest, pk: int) -> tuple[Mentorship, str]:
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("organization", "program", "mentor__user", "mentee__user"), pk=pk
    )
    party = mentorship.party(request.membership)
    if party is None:
        raise Http404("No such mentorship.")
    return mentorship, party


@member_required
def goal_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _pair_mentorship(request, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    form = GoalAddForm(request.POST if action == "add" else None)
    if action == "import":
        try:
            created = record_services.goals_import_from_agreement(actor=request.membership, mentorship=mentorship)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{len(created)} goal{'s' if len(created) != 1 else ''} imported.")
        return redirect("goal_list", org_slug=org_slug, pk=pk)
    if action == "add" and form.is_valid():
        try:
            record_services.goal_add(
                actor=request.membership,
                mentorship=mentorship,
                title=form.cleaned_data["title"],
                target_on=form.cleaned_data["target_on"],
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Goal added.")
            return redirect("goal_list", org_slug=org_slug, pk=pk)
    elif action not in (None, "add"):
        raise Http404
    goals = list(Goal.objects.filter(mentorship=mentorship).prefetch_related("notes"))
    context = {
        "mentorship": mentorship,
        "party": party,
        "goals": goals,
        "form": form,
        "can_import": mentorship.is_live and record_services.agreed_goals(mentorship) is not None,
    }
    return render(request, "relationships/goal_list.html", context)


@member_required
def goal_detail(request: HttpRequest, org_slug: str, pk: int, goal_pk: int) -> HttpResponse:
    mentorship, party = _pair_mentorship(request, pk)
    goal = get_object_or_404(Goal.objects.filter(mentorship=mentorship), pk=goal_pk)
    goal.mentorship = mentorship
    action = request.POST.get("action") if request.method == "POST" else None
    edit_form = GoalEditForm(
        request.POST if action == "update" else None,
        initial={
            "title": goal.title,
            "target_on": goal.target_on,
            "status": goal.status,
            "achieved_on": goal.achieved_on,
        },
    )
    note_form = GoalNoteForm(request.POST if action == "note" else None)
    # Its own ids: the edit form on the same page has an "achieved_on" field too.
    achieve_form = GoalAchieveForm(request.POST if action == "achieve" else None, auto_id="achieve_%s")
    if action is not None:
        form = {"update": edit_form, "note": note_form, "achieve": achieve_form}.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "update":
                    record_services.goal_update(actor=request.membership, goal=goal, **data)
                    messages.success(request, "Goal saved.")
                elif action == "note":
                    record_services.goal_note_add(actor=request.membership, goal=goal, text=data["text"])
                    messages.success(request, "Progress note added.")
                else:
                    record_services.goal_achieve(actor=request.membership, goal=goal, achieved_on=data["achieved_on"])
                    messages.success(request, "Congratulations — goal achieved.")
            except ServiceError as error:
                form_error(form, error)
            else:
                return redirect("goal_detail", org_slug=org_slug, pk=pk, goal_pk=goal.pk)
    else:
        record_services.record_notes_read(actor=request.membership, goal=goal)
    context = {
        "mentorship": mentorship,
        "party": party,
        "goal": goal,
        "notes": goal.notes.select_related("author__user"),
        "edit_form": edit_form,
        "note_form": note_form,
        "achieve_form": achieve_form,
    }
    return render(request, "relationships/goal_detail.html", context)


@require_POST
@member_required
def stage_set(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, _party = _pair_mentorship(request, pk)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the stages.")
    else:
        try:
            record_services.stage_set(actor=request.membership, mentorship=mentorship, stage=form.cleaned_data["stage"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Stage set to {mentorship.get_stage_display()}.")
    return redirect("mentorship_detail", org_slug=org_slug, pk=pk)


@member_required
def program_resources(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = visible_program(request, program_slug)
    body = record_services.resources_body(program)
    context = {
        "program": program,
        "blocks": record_services.resources_blocks(body),
        "resources": ProgramResources.objects.filter(program=program).first(),
    }
    return render(request, "relationships/resources.html", context)


@coordinator_required
def program_resources_edit(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    form = ResourcesForm(request.POST or None, initial={"body": record_services.resources_body(program)})
    if request.method == "POST" and form.is_valid():
        try:
            record_services.resources_save(actor=request.membership, program=program, body=form.cleaned_data["body"])
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Resources page saved.")
            return redirect("program_resources", org_slug=org_slug, program_slug=program.slug)
    return render(request, "relationships/resources_edit.html", {"program": program, "form": form})
