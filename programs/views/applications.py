import hashlib

from django.contrib import messages
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorship import freshness, keyset, listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import bad_filter_response
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.forms.applications import (
    ApplicationFilterForm,
    ApplicationForm,
    BulkDecisionForm,
    DecisionForm,
    OverrideForm,
    hubs_for_ranking,
)
from programs.models import Application, ApplicationStatus, Hub, HubChoice, Profile, Program, ProgramModel, Role
from programs.services import applications as services
from programs.views.inline import is_htmx, row_answer, status_region
from programs.views.programs import visible_program

APPLICATIONS_PER_PAGE = 50


# --- The applicant -----------------------------------------------------------------------


def _not_eligible_before_the_form(request: HttpRequest, program: Program, role: str) -> list[str]:
    """Why the person could not be eligible for this role, whatever they answer on the form;
    empty when they could be, or when they already have an application for it."""
    if role not in program.application_roles or not program.applications_are_open():
        return []  # the service says what is wrong
    mine = Application.objects.filter(program=program, membership=request.membership, role=role)
    if mine.exclude(status=ApplicationStatus.WITHDRAWN).exists():
        return []
    trial = Application(organization=program.organization, program=program, membership=request.membership, role=role)
    return services.check_eligibility(trial).reasons_before_the_form


@member_required
def application_start(request: HttpRequest, org_slug: str, program_slug: str, role: str) -> HttpResponse:
    """POST opens the person's application. If their membership or profile already rules
    them out, they are sent to this URL's GET first: the reasons, and a choice to start
    anyway (the program office can make an exception), instead of a silent draft."""
    program = visible_program(request, program_slug)
    if request.method != "POST":
        reasons = _not_eligible_before_the_form(request, program, role)
        if not reasons:
            return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)
        return render(
            request,
            "programs/application_not_eligible.html",
            {"program": program, "role": role, "role_label": Role(role).label.lower(), "reasons": reasons},
        )
    if request.POST.get("confirm") != "yes" and _not_eligible_before_the_form(request, program, role):
        return redirect("application_start", org_slug=org_slug, program_slug=program.slug, role=role)
    try:
        application = services.application_start(actor=request.membership, program=program, role=role)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)
    return redirect("application_edit", org_slug=org_slug, pk=application.pk)


def _own_application(request: HttpRequest, pk: int) -> Application:
    # Someone else's application is a 404, exactly like one that does not exist.
    return get_object_or_404(
        Application.objects.select_related("program", "membership__user"), pk=pk, membership=request.membership
    )


def _profile(membership) -> Profile | None:
    try:
        return membership.profile
    except Profile.DoesNotExist:
        return None


@member_required
def application_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    program = application.program
    hubs = hubs_for_ranking(program) if program.model == ProgramModel.HUBS and application.role == Role.MENTEE else None
    form = ApplicationForm(request.POST or None, application=application, hubs=hubs)
    editable = application.status in services.EDITABLE and program.applications_are_open()
    if request.method == "POST" and editable and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            application = services.application_save(
                actor=request.membership, application=application, data=form.to_data(), submit=submit
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            not_eligible = (
                services.check_eligibility(application).reasons_before_the_form
                if application.status == ApplicationStatus.DRAFT
                else []
            )
            if not_eligible:
                messages.warning(
                    request,
                    "Draft saved, but you are not eligible to apply as a "
                    f"{application.get_role_display().lower()} yet: {' '.join(not_eligible)}",
                )
            elif application.status == ApplicationStatus.DRAFT:
                messages.success(request, "Draft saved. Submit it when you are ready.")
            elif application.status == ApplicationStatus.INELIGIBLE:
                messages.warning(request, "Your application is saved, but you are not eligible. See why below.")
            else:
                messages.success(request, "Your application is submitted. The program office will be in touch.")
            return redirect("application_edit", org_slug=org_slug, pk=application.pk)
    elif request.method == "POST" and not editable:
        messages.error(request, "This application can no longer change.")
        return redirect("application_edit", org_slug=org_slug, pk=application.pk)

    precheck = None
    if application.status == ApplicationStatus.DRAFT:
        precheck = services.check_eligibility(application)
    return render(
        request,
        "programs/application_form.html",
        {
            "application": application,
            "program": program,
            "form": form,
            "editable": editable,
            "precheck": precheck,
            "profile": _profile(request.membership),
            "hub_choices": HubChoice.objects.filter(application=application).select_related("hub"),
        },
    )


@require_POST
@member_required
def application_withdraw(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    try:
        services.application_withdraw(actor=request.membership, application=application)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You withdrew your application to {application.program.name}.")
    return redirect("program_detail", org_slug=org_slug, program_slug=application.program.slug)


# --- Coordinators ------------------------------------------------------------------------


def _row_context(request: HttpRequest, program: Program) -> dict:
    """What every row of the list shares, worked out once for the page instead of per row:
    the review link's start (the row adds its pk) and the address the row's form posts to."""
    sample = reverse(
        "application_review", kwargs={"org_slug": request.organization.slug, "program_slug": program.slug, "pk": 1}
    )
    return {"review_prefix": sample.removesuffix("1/"), "here": _list_address(request)}


# The list's own query names: its filters, its order and its page (keyset cursors).
_LIST_QUERY_NAMES = (*ApplicationFilterForm.base_fields, "sort", "after", "before", "last")


def _list_address(request: HttpRequest) -> str:
    """The list's address for its rows' forms, keeping the filters, order and page a
    decision returns to; never a name the list does not read, nor a value longer than any
    it makes (so no query string, however long, is echoed into every row)."""
    kept = QueryDict(mutable=True)
    for name in _LIST_QUERY_NAMES:
        value = request.GET.get(name, "")
        if value and len(value) <= 500:
            kept[name] = value
    query = kept.urlencode()
    return request.path + (f"?{query}" if query else "")


def _application_row(request: HttpRequest, program: Program, pk: int | None, status: tuple[str, str]) -> HttpResponse:
    """One row of the coordinator's list as it is now, and the message for the page's live
    region (swapped out of band): the answer to an inline action."""
    application = (
        Application.objects.filter(program=program, pk=pk or 0)
        .select_related("membership__user")
        .prefetch_related("hub_choices__hub")
        .first()
    )
    level, text = status
    if application is None:  # not a row of this list: leave the page as it is, say why
        response = HttpResponse(status_region(request, level, text))
        response["HX-Reswap"] = "none"
        return response
    context = {
        "rows": [application],
        "program": program,
        "decidable": sorted(services.DECIDABLE),
        **_row_context(request, program),
    }
    return row_answer(request, "programs/includes/application_rows.html", context, level, text)


def _decide_from_list(request: HttpRequest, program: Program, form: BulkDecisionForm) -> HttpResponse | None:
    """The list's POST: a decision for the ticked rows (the bulk form) or for one row (its
    own buttons). Done: back to the same page of the list (filters and page kept), or, for
    htmx, the row itself. Refused: None, and the list is shown again with the form's errors."""
    inline = request.POST.get("row") == "1" and is_htmx(request)
    row_id = request.POST.get("ids", "")
    row_id = int(row_id) if row_id.isdigit() and len(row_id) < 18 else None
    if form.is_valid():
        try:
            outcome = services.applications_decide(
                actor=request.membership,
                program=program,
                ids=form.cleaned_data["ids"],
                decision=form.cleaned_data["action"],
                message=form.cleaned_data["message"],
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            level = "success" if outcome.decided else "error"
            summary = outcome.summary()
            if outcome.decided:
                summary += (
                    " Each applicant has been emailed." if len(outcome.decided) > 1 else " They have been emailed."
                )
            if inline:
                return _application_row(request, program, row_id, (level, summary))
            getattr(messages, level)(request, summary)
            return redirect(request.get_full_path())
    if inline:
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        return _application_row(request, program, row_id, ("error", errors))
    return None


# The applications list's sortable columns (public key -> ORM order).
APPLICATION_SORTS = {
    "applicant": (Lower("membership__user__full_name"), Lower("membership__user__email")),
    "role": "role",
    "status": "status",
    "eligibility": "eligible",
    "submitted": "submitted_at",
}
APPLICATION_TABLE = "programs/includes/application_table.html"
APPLICATION_CSV_HEADER = ["Name", "Email", "Role", "Status", "Eligibility", "Overridden", "Submitted", "Decided"]


def _applications(request: HttpRequest, program: Program):
    """The program's submitted applications as filtered and sorted by the query string."""
    hubs = list(Hub.objects.filter(program=program).order_by("name")) if program.model == ProgramModel.HUBS else None
    filters = ApplicationFilterForm(request.GET, hubs=hubs, peer=program.is_peer)
    applications = (
        Application.objects.filter(program=program)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("membership__user")
    )
    # Apply every valid filter even when another parameter is malformed.
    f = filters.values
    if f.get("role"):
        applications = applications.filter(role=f["role"])
    if f.get("status"):
        applications = applications.filter(status=f["status"])
    if f.get("eligibility") == "yes":
        applications = applications.filter(eligible=True)
    elif f.get("eligibility") == "no":
        applications = applications.filter(eligible=False)
    elif f.get("eligibility") == "override":
        applications = applications.filter(override_at__isnull=False)
    if f.get("hub"):
        applications = applications.filter(hub_choices__hub_id=f["hub"]).distinct()
    if f.get("q"):
        applications = applications.filter(
            Q(membership__user__full_name__icontains=f["q"]) | Q(membership__user__email__icontains=f["q"])
        )
    applications, sorting = listing.sort(
        request, applications, APPLICATION_SORTS, default="-submitted", base_query=filters.querystring()
    )
    return applications, sorting, filters


@coordinator_required
def application_list(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    bulk_form = BulkDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        decided = _decide_from_list(request, program, bulk_form)
        if decided is not None:
            return decided
    applications, sorting, filters = _applications(request, program)
    # The rows show none of the applicants' own texts (encrypted: not decrypted for nothing).
    applications = applications.defer(
        "goals_statement", "preferences", "override_reason", "decision_message", "membership__user__password"
    )
    if program.model == ProgramModel.HUBS:
        applications = applications.prefetch_related("hub_choices__hub")

    def table_context() -> dict:
        page = keyset.paginate(
            request, applications, APPLICATION_SORTS, sorting, per_page=APPLICATIONS_PER_PAGE, name="applications"
        )
        return {
            "page": page,
            "sorting": sorting,
            "program": program,
            "bulk_form": bulk_form,
            # A refused bulk form comes back with the same rows ticked.
            "selected": {int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 18},
            "decidable": sorted(services.DECIDABLE),
            "request": request,
            **_row_context(request, program),
        }

    if request.method == "POST":  # a refused bulk form: its errors, its rows ticked
        table = render_to_string(APPLICATION_TABLE, table_context(), request=request)
    else:
        # The same address shows the same rows to the same coordinator until the organization's
        # data changes: kept (the count, the page's query and 50 rows rendered: ~15 ms).
        address = hashlib.sha256(f"{program.pk}:{request.get_full_path()}".encode()).hexdigest()[:32]
        table = freshness.cached_fragment(
            request, "application-list", f"{request.membership.pk}:{address}", APPLICATION_TABLE, table_context, ttl=60
        )
    return render(
        request,
        "programs/application_list.html",
        {
            "program": program,
            "filters": filters,
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
            "table": table,
        },
    )


def _eligibility_text(application: Application) -> str:
    if application.eligible is None:
        return ""
    return "eligible" if application.eligible else "not eligible"


def _date(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


@coordinator_required
def application_list_csv(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """The applicants the list shows (its filters and order, every page) as CSV: who applied
    and where their application stands, not what they wrote in it."""
    program = get_object_or_404(Program, slug=program_slug)
    applications, _sorting, filters = _applications(request, program)
    if refusal := bad_filter_response(filters):
        return refusal
    rows = (
        [
            a.membership.user.full_name,
            a.membership.user.email,
            a.get_role_display(),
            a.get_status_display(),
            _eligibility_text(a),
            "yes" if a.override_at else "no",
            _date(a.submitted_at),
            _date(a.decided_at),
        ]
        for a in applications.iterator(chunk_size=500)
    )
    return csv_response(f"{program.slug}-applicants.csv", APPLICATION_CSV_HEADER, rows)


@coordinator_required
def application_review(request: HttpRequest, org_slug: str, program_slug: str, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    application = get_object_or_404(
        Application.objects.select_related("membership__user", "override_by__user", "decided_by__user"),
        pk=pk,
        program=program,
    )
    override_form = OverrideForm(request.POST if request.POST.get("form") == "override" else None)
    decision_form = DecisionForm(request.POST if request.POST.get("form") == "decision" else None)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "override" and override_form.is_valid():
                services.application_override_eligibility(
                    actor=request.membership, application=application, **override_form.cleaned_data
                )
                messages.success(request, "Eligibility overridden; the reason is recorded.")
                return redirect("application_review", org_slug=org_slug, program_slug=program.slug, pk=pk)
            if request.POST.get("form") == "decision" and decision_form.is_valid():
                application = services.application_decide(
                    actor=request.membership, application=application, **decision_form.cleaned_data
                )
                messages.success(
                    request,
                    f"{application.membership.user} is {application.get_status_display().lower()}; "
                    "they have been emailed.",
                )
                return redirect("application_review", org_slug=org_slug, program_slug=program.slug, pk=pk)
        except ServiceError as error:
            target = override_form if request.POST.get("form") == "override" else decision_form
            form_error(target, error)
    return render(
        request,
        "programs/application_review.html",
        {
            "program": program,
            "application": application,
            "profile": _profile(application.membership),
            "goal_areas": list(application.goal_areas.all()),
            "hub_choices": HubChoice.objects.filter(application=application).select_related("hub"),
            "override_form": override_form,
            "decision_form": decision_form,
            "can_override": application.status
            in {ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE},
            "can_decide": application.status in services.DECIDABLE,
        },
    )
