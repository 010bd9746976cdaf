"""The coordinator's pages of a speed-mentoring event: the program's events, the event
(participants, schedule, grid, after-event results) and its printable PDFs."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from events.forms.events import AddPersonForm, EventForm
from events.models import EventStatus, SpeedEvent, SpeedParticipant
from events.pdf import schedules_pdf, table_cards_pdf
from events.selectors import counts, grid, pick_counts
from events.services import events as event_services
from events.services import picks as pick_services
from events.services import schedule as schedule_services
from events.views.common import event_or_404
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required
from programs.models import DYAD_MODELS, Application, ApplicationStatus, Membership, Program


def speed_program(program_slug: str) -> Program:
    return get_object_or_404(Program.objects.filter(model__in=DYAD_MODELS), slug=program_slug)


@coordinator_required
def speed_events(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = speed_program(program_slug)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = event_services.event_create(actor=request.membership, program=program, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, "Event created. Add its mentors and mentees next.")
            return redirect("speed_event_detail", org_slug=org_slug, pk=event.pk)
    return render(
        request,
        "events/event_list.html",
        {"program": program, "form": form, "events": SpeedEvent.objects.filter(program=program)},
    )


@coordinator_required
def speed_event_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            event_services.event_update(actor=request.membership, event=event, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(request, "Event saved.")
            return redirect("speed_event_detail", org_slug=org_slug, pk=event.pk)
    return render(request, "events/event_edit.html", {"event": event, "program": event.program, "form": form})


def addable_people(event: SpeedEvent) -> list[tuple[int, str]]:
    present = SpeedParticipant.objects.filter(event=event).values("membership_id")
    rows = (
        Application.objects.filter(program=event.program, status=ApplicationStatus.ACCEPTED, membership__is_active=True)
        .exclude(membership_id__in=present)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "pk")
    )
    seen, people = set(), []
    for app in rows:
        if app.membership_id not in seen:
            seen.add(app.membership_id)
            people.append((app.membership_id, f"{app.membership.user.full_name} ({app.get_role_display().lower()})"))
    return people


@require_safe
@coordinator_required
def speed_event_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    people = list(
        SpeedParticipant.objects.filter(event=event)
        .select_related("membership__user")
        .order_by("role", "table_number", "membership__user__full_name")
    )
    names = {p.membership_id: p.membership.user.full_name for p in people}
    results = [
        {**row, "mentor_name": names.get(row["mentor"], "—"), "mentee_name": names.get(row["mentee"], "—")}
        for row in event.offer_results
    ]
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "program": event.program,
            "people": people,
            "counts": counts(event),
            "add_form": AddPersonForm(people=addable_people(event)),
            "pick_counts": pick_counts(event) if event.status in (EventStatus.HELD, EventStatus.CLOSED) else None,
            "results": results,
            "mutual_count": len(pick_services.mutual_pairs(event)) if event.status == EventStatus.HELD else None,
            "unmet": len(event.stats.get("unmet", [])),
        },
    )


def act(request: HttpRequest, event: SpeedEvent, run, success: str) -> HttpResponse:
    try:
        result = run()
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, success.format(result=result))
    return redirect("speed_event_detail", org_slug=event.organization.slug, pk=event.pk)


@require_POST
@coordinator_required
def speed_participant_add(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    form = AddPersonForm(request.POST, people=addable_people(event))
    if not form.is_valid():
        flash.error(request, "Choose a person and whether they take part as a mentor or a mentee.")
        return redirect("speed_event_detail", org_slug=org_slug, pk=event.pk)
    membership = get_object_or_404(Membership, pk=form.cleaned_data["membership"])
    return act(
        request,
        event,
        lambda: event_services.participant_add(
            actor=request.membership, event=event, membership=membership, role=form.cleaned_data["role"]
        ),
        "Added {result.membership.user}.",
    )


@require_POST
@coordinator_required
def speed_participants_add_approved(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    return act(
        request,
        event,
        lambda: event_services.participants_add_approved(actor=request.membership, event=event),
        "Added {result} approved mentors and mentees.",
    )


@require_POST
@coordinator_required
def speed_participant_remove(request: HttpRequest, org_slug: str, pk: int, participant_pk: int) -> HttpResponse:
    event = event_or_404(pk)
    participant = get_object_or_404(SpeedParticipant.objects.filter(event=event), pk=participant_pk)
    return act(
        request,
        event,
        lambda: event_services.participant_remove(actor=request.membership, participant=participant),
        "Removed from the event.",
    )


@require_POST
@coordinator_required
def speed_schedule_build(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    return act(
        request,
        event,
        lambda: schedule_services.schedule_build(actor=request.membership, event=event),
        "Schedule built: {result} conversations. Participants can see their schedule now.",
    )


@require_POST
@coordinator_required
def speed_event_held(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    return act(
        request,
        event,
        lambda: event_services.event_mark_held(actor=request.membership, event=event),
        "Marked as held. Participants can now say whom they would like to continue with.",
    )


@require_POST
@coordinator_required
def speed_event_offer(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    return act(
        request,
        event,
        lambda: sum(
            1 for row in pick_services.picks_close_and_offer(actor=request.membership, event=event) if row["proposal"]
        ),
        "Picks closed: {result} mutual picks offered through the program's consent flow.",
    )


@require_safe
@coordinator_required
def speed_event_grid(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    mentors, rows = grid(event)
    return render(
        request, "events/event_grid.html", {"event": event, "program": event.program, "mentors": mentors, "rows": rows}
    )


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@coordinator_required
def speed_schedules_pdf(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    if not event.slots.exists():
        raise Http404("Build the schedule first.")
    return pdf_response(schedules_pdf(event), f"event-{event.pk}-schedules.pdf")


@require_safe
@coordinator_required
def speed_table_cards_pdf(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    if not event.slots.exists():
        raise Http404("Build the schedule first.")
    return pdf_response(table_cards_pdf(event), f"event-{event.pk}-table-cards.pdf")
