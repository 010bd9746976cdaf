"""The pages of a circle's record: a meeting (its agenda, answers, summary, attendance and
the reader's notes), scheduling one, its calendar invitation, and the reader's own notes.

Only the circle's active places who signed its agreement open them (a 404 for everyone
else: coordinators, other members of the organization, the waitlist); a former member
opens only their own notes. The rules are the services' (``circles.services.record``)."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from circles import ics
from circles.forms.record import AgendaForm, AttendanceForm, MeetingForm, NoteForm, RsvpForm, ScheduleForm, SummaryForm
from circles.models import Circle, CircleMeeting, CircleMember, CircleNote, CircleRole, CircleStatus
from circles.services import record as services
from circles.views.circles import circles_program, program_circle
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required

NOT_FOUND = "No such circle."


def _circle(request: HttpRequest, program_slug: str, pk: int) -> Circle:
    return program_circle(circles_program(program_slug), pk)


def _place(request: HttpRequest, circle: Circle) -> CircleMember:
    place = services.record_place(circle, request.membership)
    if place is None:
        raise Http404(NOT_FOUND)
    return place


def _meeting(circle: Circle, meeting_pk: int) -> CircleMeeting:
    meeting = get_object_or_404(CircleMeeting.objects.filter(circle=circle), pk=meeting_pk)
    meeting.circle = circle
    return meeting


def _detail_url(circle: Circle, meeting_pk: int, org_slug: str):
    return redirect(
        "circle_meeting_detail",
        org_slug=org_slug,
        program_slug=circle.program.slug,
        pk=circle.pk,
        meeting_pk=meeting_pk,
    )


def _meeting_initial(meeting: CircleMeeting) -> dict:
    return {"starts_at": meeting.starts_at, "duration_minutes": meeting.duration_minutes, "location": meeting.location}


# --- Schedule -------------------------------------------------------------------------------


@never_cache
@member_required
def circle_meeting_new(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    circle = _circle(request, program_slug, pk)
    _facilitator_place(request, circle)
    if circle.status == CircleStatus.ENDED:
        flash.error(request, "This circle has ended; no new meetings can be scheduled.")
        return redirect("circle_detail", org_slug=org_slug, program_slug=program_slug, pk=pk)
    form = ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(actor=request.membership, circle=circle, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        except PermissionDenied:
            raise Http404(NOT_FOUND) from None
        else:
            flash.success(request, "Meeting scheduled. Everyone in the circle has been sent a calendar invitation.")
            return _detail_url(circle, meeting.pk, org_slug)
    return render(
        request,
        "circles/meeting_form.html",
        {"program": circle.program, "circle": circle, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- A meeting ------------------------------------------------------------------------------


def _render_detail(request, circle: Circle, place: CircleMember, meeting: CircleMeeting, **forms) -> HttpResponse:
    facilitator = place.role == CircleRole.FACILITATOR
    open_ = circle.status != CircleStatus.ENDED
    live = meeting.cancelled_at is None
    started = services.has_started(meeting)
    can_change = open_ and live
    counts = services.meeting_row(meeting, place)
    answers = services.meeting_answers(meeting) if facilitator else []
    notes = services.my_notes(circle, request.membership, meeting)
    context = {
        "program": circle.program,
        "circle": circle,
        "meeting": meeting,
        "place": place,
        "facilitator": facilitator,
        "started": started,
        "can_change": can_change,
        "answers": answers,
        "counts": counts,
        "notes": notes,
        "rsvp_form": forms.get("rsvp_form")
        or (RsvpForm(initial={"response": counts.my_answer or None}) if can_change and not started else None),
        "agenda_form": forms.get("agenda_form")
        or (AgendaForm(initial={"agenda": meeting.agenda}) if facilitator and can_change else None),
        "move_form": forms.get("move_form")
        or (MeetingForm(initial=_meeting_initial(meeting)) if facilitator and can_change and not started else None),
        "summary_form": forms.get("summary_form")
        or (SummaryForm(initial={"summary": meeting.summary}) if facilitator and can_change and started else None),
        "attendance_form": forms.get("attendance_form")
        or (
            AttendanceForm(
                places=[a.place for a in answers], initial={"attended": [a.place.pk for a in answers if a.attended]}
            )
            if facilitator and can_change and started
            else None
        ),
        "note_form": forms.get("note_form") or (NoteForm() if open_ else None),
    }
    return render(request, "circles/meeting_detail.html", context, status=400 if forms else 200)


@never_cache
@require_safe
@member_required
def circle_meeting_detail(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    circle = _circle(request, program_slug, pk)
    place = _place(request, circle)
    return _render_detail(request, circle, place, _meeting(circle, meeting_pk))


@never_cache
@require_safe
@member_required
def circle_meeting_ics(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    circle = _circle(request, program_slug, pk)
    _place(request, circle)
    meeting = _meeting(circle, meeting_pk)
    url = request.build_absolute_uri(request.path.rsplit("invite.ics", 1)[0])
    response = HttpResponse(
        ics.invitation(meeting, services.active_places(circle), url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="circle-meeting-{meeting.pk}.ics"'
    return response


def _facilitator_place(request: HttpRequest, circle: Circle) -> CircleMember:
    place = _place(request, circle)
    if place.role != CircleRole.FACILITATOR:
        raise Http404(NOT_FOUND)
    return place


def _post(
    request,
    org_slug,
    program_slug,
    pk,
    meeting_pk,
    *,
    form_class,
    form_key,
    action,
    success,
    places=False,
    facilitators=True,
):
    """Validate a form, run the service and go back to the meeting, or show the errors
    with what the person typed. A facilitators' action is a 404 to the members."""
    circle = _circle(request, program_slug, pk)
    place = _facilitator_place(request, circle) if facilitators else _place(request, circle)
    meeting = _meeting(circle, meeting_pk)
    kwargs = {"places": services.active_places(circle)} if places else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            action(request.membership, meeting, form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        except PermissionDenied as error:
            flash.error(request, str(error) or "You cannot do this.")
            return _detail_url(circle, meeting_pk, org_slug)
        else:
            flash.success(request, success)
            if request.POST.get("next") == "circle":  # answered from the circle's page
                return redirect("circle_detail", org_slug=org_slug, program_slug=program_slug, pk=pk)
            return _detail_url(circle, meeting_pk, org_slug)
    meeting = _meeting(circle, meeting_pk)  # as stored, not as the failed action left it
    return _render_detail(request, circle, place, meeting, **{form_key: form})


@require_POST
@member_required
def circle_meeting_move(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=MeetingForm,
        form_key="move_form",
        action=lambda actor, meeting, data: services.meeting_move(actor=actor, meeting=meeting, **data),
        success="Meeting moved. Everyone in the circle has been sent the updated invitation.",
    )


@require_POST
@member_required
def circle_meeting_cancel(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    circle = _circle(request, program_slug, pk)
    _facilitator_place(request, circle)
    meeting = _meeting(circle, meeting_pk)
    try:
        services.meeting_cancel(actor=request.membership, meeting=meeting)
    except ServiceError as error:
        flash.error(request, error.message)
    except PermissionDenied as error:
        flash.error(request, str(error))
    else:
        flash.success(request, "Meeting cancelled. Everyone's calendar has been sent the cancellation.")
    return _detail_url(circle, meeting_pk, org_slug)


@require_POST
@member_required
def circle_meeting_rsvp(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=RsvpForm,
        form_key="rsvp_form",
        action=lambda actor, meeting, data: services.rsvp_save(actor=actor, meeting=meeting, response=data["response"]),
        success="Thank you: your answer is saved.",
        facilitators=False,
    )


@require_POST
@member_required
def circle_meeting_agenda(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=AgendaForm,
        form_key="agenda_form",
        action=lambda actor, meeting, data: services.agenda_save(actor=actor, meeting=meeting, agenda=data["agenda"]),
        success="Agenda saved. The circle's members can read it.",
    )


@require_POST
@member_required
def circle_meeting_summary(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=SummaryForm,
        form_key="summary_form",
        action=lambda actor, meeting, data: services.summary_save(
            actor=actor, meeting=meeting, summary=data["summary"]
        ),
        success="Summary saved. Every member of the circle can read it.",
    )


@require_POST
@member_required
def circle_meeting_attendance(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=AttendanceForm,
        form_key="attendance_form",
        action=lambda actor, meeting, data: services.attendance_save(
            actor=actor, meeting=meeting, attended=data["attended"]
        ),
        success="Attendance saved.",
        places=True,
    )


@require_POST
@member_required
def circle_meeting_note(request: HttpRequest, org_slug: str, program_slug: str, pk: int, meeting_pk: int):
    return _post(
        request,
        org_slug,
        program_slug,
        pk,
        meeting_pk,
        form_class=NoteForm,
        form_key="note_form",
        action=lambda actor, meeting, data: services.note_add(
            actor=actor, circle=meeting.circle, meeting=meeting, text=data["text"]
        ),
        success="Your private note is saved. Only you can read it.",
        facilitators=False,
    )


# --- My notes -------------------------------------------------------------------------------


def _notes_place(request: HttpRequest, circle: Circle) -> CircleMember:
    place = services.notes_place(circle, request.membership)
    if place is None:
        raise Http404(NOT_FOUND)
    return place


@never_cache
@member_required
def circle_notes(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    """The reader's own notes in the circle; active places add one here too."""
    circle = _circle(request, program_slug, pk)
    place = _notes_place(request, circle)
    can_write = services.record_place(circle, request.membership) is not None and circle.status != CircleStatus.ENDED
    form = NoteForm(request.POST if request.method == "POST" else None) if can_write else None
    if request.method == "POST":
        if form is None:
            flash.error(request, "You can no longer add notes to this circle; your notes stay readable to you.")
            return redirect("circle_notes", org_slug=org_slug, program_slug=program_slug, pk=pk)
        if form.is_valid():
            try:
                services.note_add(actor=request.membership, circle=circle, text=form.cleaned_data["text"])
            except ServiceError as error:
                form_error(form, error)
            except PermissionDenied:
                raise Http404(NOT_FOUND) from None
            else:
                flash.success(request, "Your private note is saved. Only you can read it.")
                return redirect("circle_notes", org_slug=org_slug, program_slug=program_slug, pk=pk)
    return render(
        request,
        "circles/meeting_notes.html",
        {
            "program": circle.program,
            "circle": circle,
            "place": place,
            "former": place.status != "active",
            "notes": services.my_notes(circle, request.membership),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _own_note(request: HttpRequest, circle: Circle, note_pk: int) -> CircleNote:
    note = get_object_or_404(CircleNote.objects.filter(circle=circle, author=request.membership), pk=note_pk)
    note.circle = circle
    return note


@never_cache
@member_required
def circle_note_edit(request: HttpRequest, org_slug: str, program_slug: str, pk: int, note_pk: int) -> HttpResponse:
    circle = _circle(request, program_slug, pk)
    _place(request, circle)
    note = _own_note(request, circle, note_pk)
    if circle.status == CircleStatus.ENDED:
        flash.error(request, "This circle has ended; your notes stay as they are.")
        return redirect("circle_notes", org_slug=org_slug, program_slug=program_slug, pk=pk)
    form = NoteForm(request.POST if request.method == "POST" else None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(actor=request.membership, note=note, text=form.cleaned_data["text"])
        except ServiceError as error:
            form_error(form, error)
        except PermissionDenied:
            raise Http404(NOT_FOUND) from None
        else:
            flash.success(request, "Your private note is saved.")
            return redirect("circle_notes", org_slug=org_slug, program_slug=program_slug, pk=pk)
    return render(
        request,
        "circles/meeting_note_edit.html",
        {"program": circle.program, "circle": circle, "note": note, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@member_required
def circle_note_delete(request: HttpRequest, org_slug: str, program_slug: str, pk: int, note_pk: int) -> HttpResponse:
    circle = _circle(request, program_slug, pk)
    _notes_place(request, circle)
    note = _own_note(request, circle, note_pk)
    services.note_delete(actor=request.membership, note=note)
    flash.success(request, "Your note is deleted.")
    return redirect("circle_notes", org_slug=org_slug, program_slug=program_slug, pk=pk)
