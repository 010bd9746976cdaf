"""Survey builder, answering, results and CSV export; feedback at any time (seed 000)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mentorship import listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm, bad_filter_response
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from surveys.charts import bar_chart, line_chart
from surveys.forms.surveys import AnswerForm, FeedbackForm, QuestionForm, SurveyForm
from surveys.models import (
    Feedback,
    Question,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveySchedule,
    SurveyStatus,
    SurveyWave,
)
from surveys.services import answers as answering
from surveys.services import feedback as feedback_services
from surveys.services import results, send_now
from surveys.services import surveys as builder

RESPONSES_PER_PAGE = 25
FEEDBACK_PER_PAGE = 25


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(**filters).order_by().values("survey_id").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


# --- Builder --------------------------------------------------------------------------------

# The survey list's sortable columns (public key -> ORM order); by status, newest first within.
SURVEY_SORTS = {
    "title": Lower("title"),
    "audience": "audience",
    "status": ("status", F("created_at").desc()),
    "questions": "question_count",
    "answers": "response_count",
}


@coordinator_required
def survey_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    surveys = Survey.objects.select_related("program").annotate(
        question_count=_count(Question, survey=OuterRef("pk")),
        response_count=_count(SurveyResponse, survey=OuterRef("pk")),
    )
    surveys, sorting = listing.sort(request, surveys, SURVEY_SORTS, default="status")
    page = Paginator(surveys, 50).get_page(request.GET.get("page"))
    for survey in page.object_list:
        survey.schedule_text = builder.schedule_summary(survey)
    satisfaction = results.satisfaction_by_month(request.organization)
    context = {
        "page": page,
        "sorting": sorting,
        "querystring": sorting.querystring,
        "satisfaction": satisfaction,
        "satisfaction_chart": line_chart(
            satisfaction, label="Satisfaction over the last 12 months, 0 to 10", y_max=results.SATISFACTION_SCALE
        ),
        "open_feedback": Feedback.objects.filter(handled_at__isnull=True).count(),
    }
    return render(request, "surveys/survey_list.html", context)


@coordinator_required
def survey_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = SurveyForm(
        request.POST or None, organization=request.organization, initial={"opens_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = builder.survey_create(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Survey created as a draft. Add its questions, then activate it.")
            return redirect("survey_edit", org_slug=org_slug, pk=survey.pk)
    return render(request, "surveys/survey_create.html", {"form": form})


def _settings_initial(survey: Survey) -> dict:
    fields = ("title", "intro", "program", "audience", "anonymous", "schedule", "interval_months", "opens_on")
    return {name: getattr(survey, name) for name in (*fields, "open_days")}


def _question_initial(question: Question) -> dict:
    return {
        "kind": question.kind,
        "text": question.text,
        "choices": "\n".join(question.choices or []),
        "required": question.required,
    }


@coordinator_required
def survey_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("program", "organization"), pk=pk)
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    action = request.POST.get("action") if request.method == "POST" else None
    settings_editable = survey.status == SurveyStatus.DRAFT and not survey.builtin
    locked_reason = builder.questions_locked_reason(survey)

    settings_form = SurveyForm(
        request.POST if action == "settings" else None,
        organization=request.organization,
        initial=_settings_initial(survey),
    )
    new_form = QuestionForm(request.POST if action == "add" else None, prefix="new")
    target = None
    if action in ("update", "remove", "up", "down"):
        try:
            target_pk = int(request.POST.get("question", ""))
        except ValueError:
            raise Http404 from None
        target = next((q for q in questions if q.pk == target_pk), None)
        if target is None:
            raise Http404
        target.survey = survey
    question_forms = []
    for question in questions:
        bound = action == "update" and question is target
        question_forms.append(
            (
                question,
                QuestionForm(
                    request.POST if bound else None, prefix=f"q{question.pk}", initial=_question_initial(question)
                ),
            )
        )

    refused = None
    if action is not None:
        try:
            if action == "settings":
                if settings_form.is_valid():
                    builder.survey_update(actor=request.membership, survey=survey, **settings_form.cleaned_data)
                    messages.success(request, "Settings saved.")
                    return redirect("survey_edit", org_slug=org_slug, pk=pk)
            elif action == "add":
                if new_form.is_valid():
                    builder.question_add(actor=request.membership, survey=survey, **new_form.cleaned_data)
                    messages.success(request, "Question added.")
                    return redirect("survey_edit", org_slug=org_slug, pk=pk)
            elif action == "update":
                form = next(f for q, f in question_forms if q is target)
                if form.is_valid():
                    builder.question_update(actor=request.membership, question=target, **form.cleaned_data)
                    messages.success(request, "Question saved.")
                    return redirect("survey_edit", org_slug=org_slug, pk=pk)
            elif action == "remove":
                builder.question_remove(actor=request.membership, question=target)
                messages.success(request, "Question removed.")
                return redirect("survey_edit", org_slug=org_slug, pk=pk)
            elif action in ("up", "down"):
                builder.question_move(actor=request.membership, question=target, direction=action)
                messages.success(request, "Question moved.")
                return redirect("survey_edit", org_slug=org_slug, pk=pk)
            else:
                raise Http404
        except ServiceError as error:
            form = {"settings": settings_form, "add": new_form}.get(action)
            if action == "update":
                form = next(f for q, f in question_forms if q is target)
            if form is not None:
                form_error(form, error)
                locked_reason = builder.questions_locked_reason(survey)
                if action in ("add", "update") and locked_reason:
                    refused = form  # shown read-only, so what was typed is not lost
            else:
                messages.error(request, error.message)
                return redirect("survey_edit", org_slug=org_slug, pk=pk)

    context = {
        "survey": survey,
        "schedule_text": builder.schedule_summary(survey),
        "settings_editable": settings_editable,
        "settings_form": settings_form,
        "question_forms": question_forms,
        "new_form": new_form,
        "locked_reason": locked_reason,
        "refused": refused,
        "question_count": len(questions),
        "send_now_wave": send_now.sendable_wave(survey),
    }
    return render(request, "surveys/survey_edit.html", context)


@require_POST
@coordinator_required
def survey_activate(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("organization"), pk=pk)
    try:
        builder.survey_activate(actor=request.membership, survey=survey)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Survey activated. Invitations go out on its dates with the daily reminders.")
    return redirect("survey_edit", org_slug=org_slug, pk=pk)


@require_POST
@coordinator_required
def survey_send_now(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Send the survey's scheduled wave today (once: a second click says it was sent)."""
    survey = get_object_or_404(Survey.objects.select_related("organization"), pk=pk)
    try:
        sent = send_now.wave_send_now(actor=request.membership, survey=survey)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Wave {sent.wave.number} sent: {sent.invited} {'person' if sent.invited == 1 else 'people'} invited, "
            f"open until {sent.wave.closes_on:%d %b %Y}.",
        )
    return redirect("survey_edit", org_slug=org_slug, pk=pk)


@require_POST
@coordinator_required
def survey_duplicate(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("organization"), pk=pk)
    copy = builder.survey_duplicate(actor=request.membership, survey=survey)
    messages.success(
        request,
        f"“{survey.title}” was copied into this new draft. Change its questions, then activate it"
        + (", and close the original if it should stop." if survey.status == SurveyStatus.ACTIVE else "."),
    )
    return redirect("survey_edit", org_slug=org_slug, pk=copy.pk)


@require_POST
@coordinator_required
def survey_close(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("organization"), pk=pk)
    try:
        builder.survey_close(actor=request.membership, survey=survey)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Survey closed. Nobody can answer it any more; its results stay here.")
    return redirect("survey_edit", org_slug=org_slug, pk=pk)


# --- Results --------------------------------------------------------------------------------


class ResultFilterForm(FilterForm):
    wave = forms.TypedChoiceField(label="Wave", coerce=int, empty_value=None, required=False)
    role = forms.ChoiceField(
        label="Role", choices=[("", "Mentors and mentees"), *((r, r) for r in builder.ROLES)], required=False
    )
    kind = forms.ChoiceField(label="Export", choices=[("", "Results"), ("responses", "Responses")], required=False)

    def __init__(self, *args, waves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wave"].choices = [("", "All waves"), *((str(w.pk), str(w.number)) for w in waves)]


def _filters(request: HttpRequest, survey: Survey) -> tuple[int | None, str, list[SurveyWave], ResultFilterForm]:
    waves = []
    if survey.schedule != SurveySchedule.AFTER_PAIRING:
        waves = list(SurveyWave.objects.filter(survey=survey, mentorship__isnull=True).order_by("-number")[:60])
    form = ResultFilterForm(request.GET, waves=waves)
    return form.values.get("wave"), form.values.get("role", ""), waves, form


@coordinator_required
def survey_results(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("program"), pk=pk)
    wave_id, role, waves, filters = _filters(request, survey)
    result = results.survey_results(survey, wave_id=wave_id, role=role)
    for item in result.questions:
        if item.rows:
            item.chart = bar_chart(
                [(label, count) for label, count, _ in item.rows],
                label=f"Answers to “{item.question.text}”",
            )
    satisfaction = results.survey_satisfaction_by_month(survey)
    has_numbers = any(item.question.kind in builder.NUMBER_KINDS for item in result.questions)
    page = None
    if not survey.anonymous and not result.hidden:
        responses = SurveyResponse.objects.filter(survey=survey).select_related("respondent__user", "program")
        if wave_id is not None:
            responses = responses.filter(wave_id=wave_id)
        if role:
            responses = responses.filter(role=role)
        page = Paginator(responses.order_by("-submitted_on", "-pk"), RESPONSES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        answers = {}
        for answer in SurveyAnswer.objects.filter(response__in=list(page.object_list)).select_related("question"):
            answers.setdefault(answer.response_id, {})[answer.question_id] = answer
        for response in page.object_list:
            by_question = answers.get(response.pk, {})
            response.rows = [
                (q.question, results.answer_display(by_question.get(q.question.pk))) for q in result.questions
            ]
    context = {
        "filter_errors": filters.error_list(),
        "survey": survey,
        "result": result,
        "waves": waves,
        "wave_id": wave_id,
        "role": role,
        "page": page,
        "querystring": filters.querystring(),
        "min_group": results.MIN_GROUP,
        "pooled_text_message": results.POOLED_TEXT_MESSAGE,
        "satisfaction": satisfaction if has_numbers else None,
        "satisfaction_chart": line_chart(
            satisfaction,
            label=f"Satisfaction with “{survey.title}” by month, 0 to 10",
            y_max=results.SATISFACTION_SCALE,
        )
        if has_numbers
        else None,
        "schedule_text": builder.schedule_summary(survey),
        "release_note": results.release_note(result),
    }
    return render(request, "surveys/survey_results.html", context)


@require_http_methods(["GET"])
@coordinator_required
def survey_results_csv(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    wave_id, role, _waves, filters = _filters(request, survey)
    if refusal := bad_filter_response(filters):
        return refusal
    per_response = filters.values.get("kind") == "responses"
    if per_response:
        if survey.anonymous:
            raise Http404("Answers to an anonymous survey are not linked to people.")
        rows = results.response_rows(survey, wave_id=wave_id, role=role)
        name = f"survey-{survey.pk}-responses.csv"
    else:
        rows = results.aggregate_rows(results.survey_results(survey, wave_id=wave_id, role=role))
        name = f"survey-{survey.pk}-results.csv"
    header, *body = rows  # csv_response defuses formulas in every cell, the question texts too
    return csv_response(name, header, body)


# --- Answering ------------------------------------------------------------------------------


@member_required
def survey_answer(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        SurveyInvitation.objects.select_related("wave__survey__program", "program"),
        token=token,
        membership=request.membership,
    )
    survey = invitation.wave.survey
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    state = "open"
    if invitation.answered:
        state = "answered"
    elif not answering.wave_is_open(invitation.wave, survey):
        state = "closed"
    form = AnswerForm(request.POST if request.method == "POST" and state == "open" else None, questions=questions)
    if request.method == "POST":
        if state == "answered":
            messages.error(request, "You have already answered this survey — thank you. Answers cannot be sent twice.")
        elif state == "closed":
            messages.error(request, "This survey is closed; answers are no longer accepted.")
        elif form.is_valid():
            try:
                answering.survey_submit(
                    actor=request.membership,
                    invitation=invitation,
                    answers=form.answers(),
                    version=request.POST.get("version", ""),
                )
            except ServiceError as error:
                if error.field == "version":  # changed since this request read them: show the new ones
                    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
                    form = AnswerForm(request.POST, questions=questions)
                    form.is_valid()
                else:
                    form_error(form, error)
            else:
                messages.success(request, "Thank you — your answers were received.")
                return redirect("survey_answer", org_slug=org_slug, token=token)
    context = {"invitation": invitation, "survey": survey, "form": form, "state": state}
    return render(request, "surveys/survey_answer.html", context)


@member_required
def my_surveys(request: HttpRequest, org_slug: str) -> HttpResponse:
    today = timezone.localdate()
    open_items = list(answering.open_invitations(request.membership, today)[:50])
    answered = list(
        SurveyInvitation.objects.filter(membership=request.membership, answered=True)
        .select_related("wave__survey")
        .order_by("-wave__opens_on", "-pk")[:20]
    )
    return render(request, "surveys/my_surveys.html", {"open_items": open_items, "answered": answered})


# --- Feedback -------------------------------------------------------------------------------


def _feedback_programs(request: HttpRequest):
    programs = Program.objects.all()
    if not request.membership.is_coordinator:
        programs = programs.filter(is_published=True)
    return programs


@member_required
def feedback(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = FeedbackForm(request.POST or None, programs=_feedback_programs(request))
    if request.method == "POST" and form.is_valid():
        try:
            feedback_services.feedback_send(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Thank you — your feedback was sent to the program office.")
            return redirect("feedback", org_slug=org_slug)
    return render(request, "surveys/feedback_form.html", {"form": form})


# The feedback inbox (cards): its orders, from a "Sort by" select. Never by author: an
# order must not hint at who sent anonymous feedback.
FEEDBACK_SORTS = {"received": "created_at", "program": Lower("program__name")}
FEEDBACK_SORT_LABELS = {"-received": "Newest first", "received": "Oldest first", "program": "Program, A to Z"}


class FeedbackFilterForm(FilterForm):
    show = forms.ChoiceField(
        label="Show",
        choices=[("open", "Open"), ("handled", "Handled"), ("all", "All")],
        required=False,
    )
    sort = listing.sort_field(FEEDBACK_SORT_LABELS)


@coordinator_required
def feedback_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filters = FeedbackFilterForm(request.GET)
    show = filters.values.get("show") or "open"
    items = Feedback.objects.select_related("author__user", "program", "handled_by__user")
    if show == "open":
        items = items.filter(handled_at__isnull=True)
    elif show == "handled":
        items = items.filter(handled_at__isnull=False)
    items, sorting = listing.sort(request, items, FEEDBACK_SORTS, default="-received", base_query=f"show={show}")
    page = Paginator(items, FEEDBACK_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/feedback_list.html",
        {
            "page": page,
            "show": show,
            "sorting": sorting,
            "sort_options": sorting.options(FEEDBACK_SORT_LABELS),
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
        },
    )


@require_POST
@coordinator_required
def feedback_handle(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    item = get_object_or_404(Feedback.objects.select_related("organization"), pk=pk)
    try:
        feedback_services.feedback_handle(actor=request.membership, feedback=item)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Marked as handled.")
    return redirect("feedback_list", org_slug=org_slug)
