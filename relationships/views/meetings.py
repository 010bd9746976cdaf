"""Meeting pages of one mentorship: for the pair only. Coordinators, committee members and
everyone else get a 404; coordinators see metadata through an include on the mentorship
page instead (templates/relationships/includes/meetings_metadata.html)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required
from relationships import ics
from relationships.forms.meetings import AgendaForm, LogForm, PastMeetingForm, PrivateNoteForm, ScheduleForm, TaskForm
from relationships.models import FollowUpTask, Meeting, MeetingStatus, Mentorship
from relationships.services import meetings as meeting_services
from relationships.services import record as record_services


def _pair(request: HttpRequest, pk: int) -> tuple[Mentorship, str]:
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("organization", "program", "mentor__user", "mentee__user"), pk=pk
    )
    party = mentorship.party(request.membership)
    if party is None:
        raise Http404("No such mentorship.")
    return mentorship, party


def _meeting(mentorship: Mentorship, meeting_pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.filter(mentorship=mentorship), pk=meeting_pk)
    meeting.mentorship = mentorship
    return meeting


def _schedule_initial(meeting: Meeting) -> dict:
    return {
        "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes,
        "mode": meeting.mode,
        "location": meeting.location,
    }


@never_cache
@member_required
def meeting_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _pair(request, pk)
    recording = request.method == "POST" and request.POST.get("action") == "record"
    form = ScheduleForm(request.POST if request.method == "POST" and not recording else None)
    past_form = PastMeetingForm(request.POST if recording else None)
    if not mentorship.is_live:
        form = past_form = None
    if request.method == "POST":
        if form is None:
            messages.error(request, "This mentorship has ended; no new meetings can be scheduled.")
            return redirect("meeting_list", org_slug=org_slug, pk=pk)
        if recording and past_form.is_valid():
            try:
                meeting = meeting_services.meeting_record_past(
                    actor=request.membership, mentorship=mentorship, **past_form.cleaned_data
                )
            except ServiceError as error:
                form_error(past_form, error)
            except PermissionDenied:
                raise Http404("No such mentorship.") from None
            else:
                messages.success(request, "Meeting logged.")
                return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
        elif not recording and form.is_valid():
            try:
                meeting = meeting_services.meeting_schedule(
                    actor=request.membership, mentorship=mentorship, **form.cleaned_data
                )
            except ServiceError as error:
                form_error(form, error)
            except PermissionDenied:
                raise Http404("No such mentorship.") from None
            else:
                messages.success(request, "Meeting scheduled. You have both been sent a calendar invitation.")
                return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    overview = meeting_services.overview(mentorship)
    tasks = list(
        FollowUpTask.objects.filter(mentorship=mentorship, done_at__isnull=True).select_related(
            "owner__user", "meeting"
        )
    )
    record_services.record_reads(
        reader=request.membership,
        mentorship=mentorship,
        items=[("task", task.pk, task.created_by_id) for task in tasks],
    )
    return render(
        request,
        "relationships/meeting_list.html",
        {
            "mentorship": mentorship,
            "party": party,
            "overview": overview,
            "form": form,
            "past_form": past_form,
            "recording": recording,
            "tasks": tasks,
            "reads": meeting_services.access_log(mentorship, request.membership),
        },
        status=400 if request.method == "POST" else 200,
    )


def _render_detail(request: HttpRequest, mentorship: Mentorship, party: str, meeting: Meeting, **forms) -> HttpResponse:
    me = request.membership
    live = mentorship.is_live
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    # Reading what the other person wrote goes into the pair's access log.
    tasks = list(meeting.tasks.select_related("owner__user", "created_by__user"))
    read = [("task", task.pk, task.created_by_id) for task in tasks]
    if meeting.agenda and mentorship.is_peer:  # both peers write it: logged when the other wrote it last
        read.append(("agenda", meeting.pk, meeting.agenda_by_id))
    elif meeting.agenda and party == "mentor":
        read.append(("agenda", meeting.pk, mentorship.mentee_id))
    if meeting.summary:
        read.append(("summary", meeting.pk, meeting.logged_by_id))
    record_services.record_reads(reader=me, mentorship=mentorship, items=read)
    note = meeting_services.private_note_of(me, meeting)
    can_log = live and meeting_services.can_log(meeting)
    context = {
        "mentorship": mentorship,
        "party": party,
        "meeting": meeting,
        "tasks": tasks,
        "note": note,
        "can_log": can_log,
        "agenda_form": forms.get("agenda_form")
        or (
            AgendaForm(initial={"agenda": meeting.agenda}, peer=mentorship.is_peer)
            if (party == "mentee" or mentorship.is_peer) and live and meeting.status != MeetingStatus.CANCELLED
            else None
        ),
        "reschedule_form": forms.get("reschedule_form")
        or (ScheduleForm(initial=_schedule_initial(meeting)) if live and scheduled else None),
        "log_form": forms.get("log_form")
        or (
            LogForm(
                initial={
                    "held": "no" if meeting.status == MeetingStatus.NOT_HELD else "yes",
                    "held_minutes": meeting.held_minutes or meeting.duration_minutes,
                    "summary": meeting.summary,
                }
            )
            if can_log
            else None
        ),
        "task_form": forms.get("task_form")
        or (TaskForm(mentorship=mentorship, initial={"owner": mentorship.mentee_id}) if live else None),
        "note_form": forms.get("note_form") or PrivateNoteForm(initial={"text": note.text if note else ""}),
    }
    return render(request, "relationships/meeting_detail.html", context, status=400 if forms else 200)


@never_cache
@require_safe
@member_required
def meeting_detail(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    mentorship, party = _pair(request, pk)
    return _render_detail(request, mentorship, party, _meeting(mentorship, meeting_pk))


@never_cache
@require_safe
@member_required
def meeting_ics(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    mentorship, _party = _pair(request, pk)
    meeting = _meeting(mentorship, meeting_pk)
    response = HttpResponse(
        ics.invitation(meeting, url=request.build_absolute_uri(request.path.rsplit("invite.ics", 1)[0])),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def _post_action(request, org_slug, pk, meeting_pk, *, form_class, form_key, action, success, form_kwargs=None):
    """Validate a form, run the service, and redirect back — or re-render with the errors."""
    mentorship, party = _pair(request, pk)
    meeting = _meeting(mentorship, meeting_pk)
    form = form_class(request.POST, **(form_kwargs(mentorship) if form_kwargs else {}))
    if form.is_valid():
        try:
            action(request.membership, meeting, form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
            if form_key is None:
                messages.error(request, error.message)
                return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting_pk)
        except PermissionDenied as error:
            if mentorship.party(request.membership):
                messages.error(request, str(error) or "You cannot do this.")
                return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting_pk)
            raise Http404("No such meeting.") from None
        else:
            messages.success(request, success(mentorship) if callable(success) else success)
            return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting_pk)
    return _render_detail(request, mentorship, party, meeting, **{form_key: form})


@require_POST
@member_required
def meeting_reschedule(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    return _post_action(
        request,
        org_slug,
        pk,
        meeting_pk,
        form_class=ScheduleForm,
        form_key="reschedule_form",
        action=lambda actor, meeting, data: meeting_services.meeting_reschedule(actor=actor, meeting=meeting, **data),
        success="Meeting moved. You have both been sent an updated calendar invitation.",
    )


@require_POST
@member_required
def meeting_cancel(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    mentorship, _party = _pair(request, pk)
    meeting = _meeting(mentorship, meeting_pk)
    try:
        meeting_services.meeting_cancel(actor=request.membership, meeting=meeting)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Meeting cancelled. Your calendars have been sent the cancellation.")
    return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=meeting_pk)


@require_POST
@member_required
def meeting_agenda(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    return _post_action(
        request,
        org_slug,
        pk,
        meeting_pk,
        form_class=AgendaForm,
        form_key="agenda_form",
        form_kwargs=lambda mentorship: {"peer": mentorship.is_peer},
        action=lambda actor, meeting, data: meeting_services.agenda_save(
            actor=actor, meeting=meeting, agenda=data["agenda"]
        ),
        success=lambda mentorship: f"Agenda saved. Your {'peer' if mentorship.is_peer else 'mentor'} can read it.",
    )


@require_POST
@member_required
def meeting_log(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    return _post_action(
        request,
        org_slug,
        pk,
        meeting_pk,
        form_class=LogForm,
        form_key="log_form",
        action=lambda actor, meeting, data: meeting_services.meeting_log(
            actor=actor,
            meeting=meeting,
            held=data["held"] == "yes",
            held_minutes=data["held_minutes"],
            summary=data["summary"],
        ),
        success="Meeting logged.",
    )


@require_POST
@member_required
def meeting_task_add(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    def add(actor, meeting, data):
        mentorship = meeting.mentorship
        owner = mentorship.mentor if data["owner"] == mentorship.mentor_id else mentorship.mentee
        if data["owner"] not in (mentorship.mentor_id, mentorship.mentee_id):
            owner = None
        return meeting_services.task_add(
            actor=actor,
            mentorship=mentorship,
            meeting=meeting,
            description=data["description"],
            owner=owner,
            due_on=data["due_on"],
        )

    return _post_action(
        request,
        org_slug,
        pk,
        meeting_pk,
        form_class=TaskForm,
        form_key="task_form",
        action=add,
        success="Task added.",
        form_kwargs=lambda mentorship: {"mentorship": mentorship},
    )


@require_POST
@member_required
def meeting_task_done(request: HttpRequest, org_slug: str, pk: int, task_pk: int) -> HttpResponse:
    mentorship, _party = _pair(request, pk)
    task = get_object_or_404(FollowUpTask.objects.filter(mentorship=mentorship), pk=task_pk)
    task.mentorship = mentorship
    done = request.POST.get("done", "1") != "0"
    meeting_services.task_set_done(actor=request.membership, task=task, done=done)
    messages.success(request, "Task ticked off." if done else "Task reopened.")
    if task.meeting_id and request.POST.get("next") != "list":
        return redirect("meeting_detail", org_slug=org_slug, pk=pk, meeting_pk=task.meeting_id)
    return redirect("meeting_list", org_slug=org_slug, pk=pk)


@require_POST
@member_required
def meeting_note(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    return _post_action(
        request,
        org_slug,
        pk,
        meeting_pk,
        form_class=PrivateNoteForm,
        form_key="note_form",
        action=lambda actor, meeting, data: meeting_services.private_note_save(
            actor=actor, meeting=meeting, text=data["text"]
        ),
        success="Your private note is saved. Only you can read it.",
    )
