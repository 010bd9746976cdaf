"""Pages of the joint quarterly report: the pair's list of quarters, the shared form with
"Confirm and submit", and the program office's table and CSV.

Only the pair reads a report before it is submitted (anyone else gets a 404 on the pair's
pages); coordinators read submitted reports on the program's page."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from mentorship import listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.models import Program
from relationships.models import Mentorship
from surveys.forms.reports import ConfirmForm, QuarterChoiceForm, ReportForm
from surveys.periods import quarter_bounds, quarter_of
from surveys.services import reports as services

PAIRS_PER_PAGE = 50
# The program's reports: the pairs sort by mentor (then mentee) or by mentee, or by start.
REPORT_SORTS = {
    "pair": (Lower("mentor__user__full_name"), Lower("mentee__user__full_name")),
    "mentee": Lower("mentee__user__full_name"),
    "started": "started_on",
}


def _pair_mentorship(request: HttpRequest, pk: int) -> tuple[Mentorship, str]:
    """The pairing and the viewer's part in it; a program without quarterly reports, or
    anyone but the pair, gets a 404."""
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("organization", "program", "mentor__user", "mentee__user"), pk=pk
    )
    party = mentorship.party(request.membership)
    if party is None or not services.uses_reports(mentorship):
        raise Http404("No such report.")
    return mentorship, party


def _other(mentorship: Mentorship, party: str):
    return mentorship.mentee if party == "mentor" else mentorship.mentor


@member_required
def report_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship, party = _pair_mentorship(request, pk)
    rows = services.pair_overview(mentorship)
    return render(
        request,
        "surveys/report_list.html",
        {
            "mentorship": mentorship,
            "party": party,
            "other": _other(mentorship, party),
            "rows": rows,
            "open_rows": [row for row in rows if row["open"]],
        },
    )


@member_required
def report_edit(request: HttpRequest, org_slug: str, pk: int, year: int, quarter: int) -> HttpResponse:
    mentorship, party = _pair_mentorship(request, pk)
    if not services.valid_quarter(year, quarter):
        raise Http404("No such quarter.")
    report = services.report_for(mentorship, year, quarter)
    is_open = (year, quarter) in services.open_quarters(mentorship)
    if report is None and not is_open and (year, quarter) not in services.pairing_quarters(mentorship):
        raise Http404("No such quarter.")
    writable = is_open and not (report and report.submitted_at)
    current_revision = report.revision if report else 0
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and action not in ("save", "confirm"):
        raise Http404
    form = ReportForm(
        request.POST if action == "save" else None,
        initial={
            "revision": current_revision,
            **({f: getattr(report, f) for f in services.FIELDS} if report else {}),
        },
    )
    confirm_form = ConfirmForm(  # its own ids: the report form on the same page has a "revision" too
        request.POST if action == "confirm" else None, initial={"revision": current_revision}, auto_id="confirm_%s"
    )
    stale = None
    if action is not None:
        if not writable:
            messages.error(
                request,
                f"The {services.quarter_label(year, quarter)} report "
                + ("has been submitted and can no longer change." if report and report.submitted_at else "is closed."),
            )
            return redirect("quarterly_report_edit", org_slug=org_slug, pk=pk, year=year, quarter=quarter)
        target = form if action == "save" else confirm_form
        if target.is_valid():
            data = target.cleaned_data
            try:
                if action == "save":
                    services.report_save(
                        actor=request.membership,
                        mentorship=mentorship,
                        year=year,
                        quarter=quarter,
                        goals_achieved=data["goals_achieved"],
                        next_plans=data["next_plans"],
                        barriers=data["barriers"],
                        revision=data["revision"],
                    )
                    messages.success(
                        request,
                        f"Report saved. {_other(mentorship, party).user.full_name} sees your text now; when you are "
                        "both happy with it, each of you confirms it.",
                    )
                else:
                    if report is None:
                        raise ServiceError(
                            "An empty report cannot be submitted: write at least the goals achieved or the plans "
                            "for the next quarter, save, then confirm."
                        )
                    confirmed = services.report_confirm(
                        actor=request.membership, report=report, revision=data["revision"]
                    )
                    if confirmed.submitted_at:
                        messages.success(request, "Submitted to the program office. Thank you both.")
                    else:
                        messages.success(
                            request,
                            f"You confirmed this report. {_other(mentorship, party).user.full_name} has been asked to "
                            "confirm it too; their confirmation submits it.",
                        )
            except services.StaleReport as error:
                stale = error
                messages.error(request, error.message)
            except ServiceError as error:
                form_error(target, error)
            except PermissionDenied:
                raise Http404("No such report.") from None
            else:
                return redirect("quarterly_report_edit", org_slug=org_slug, pk=pk, year=year, quarter=quarter)
        report = services.report_for(mentorship, year, quarter)
        # After a refusal the form carries the current revision, or every retry is refused too;
        # the text just typed stays in the form.
        for bound in (form, confirm_form):
            if bound.is_bound:
                bound.data = bound.data.copy()
                bound.data["revision"] = report.revision if report else 0
    state = services.report_state(report)
    last_day = quarter_bounds(year, quarter)[1]
    return render(
        request,
        "surveys/report_edit.html",
        {
            "mentorship": mentorship,
            "party": party,
            "other": _other(mentorship, party),
            "year": year,
            "quarter": quarter,
            "label": services.quarter_label(year, quarter),
            "report": report,
            "state": state,
            "form": form,
            "confirm_form": confirm_form,
            "writable": writable and not (report and report.submitted_at),
            "is_open": is_open,
            "stale": stale,
            "last_day": last_day,
            "confirmed_by_me": services.confirmed_by(report, party),
            "confirmed_by_other": services.confirmed_by(report, "mentee" if party == "mentor" else "mentor"),
            "can_confirm": bool(report and (report.goals_achieved.strip() or report.next_plans.strip())),
        },
    )


# --- The program office --------------------------------------------------------------------


class QuarterFilterForm(FilterForm):
    quarter = forms.RegexField(label="Quarter", regex=r"^[0-9]{4}-[1-4]$", required=False)


def _chosen_quarter(request: HttpRequest) -> tuple[tuple[int, int], list[tuple[int, int]], bool]:
    """The quarter in ``?quarter=2026-4`` (default: the current one), the choices, and
    whether the value given was unusable."""
    recent = services.recent_quarters()
    form = QuarterFilterForm(request.GET)
    value = form.values.get("quarter", "")
    chosen, bad = quarter_of(timezone.localdate()), bool(form.is_bound and form.errors)
    if value:
        year_text, quarter_text = value.split("-", 1)
        candidate = (int(year_text), int(quarter_text))
        if services.valid_quarter(*candidate) and candidate <= chosen:
            chosen = candidate
        else:
            bad = True
    if chosen not in recent:
        recent.append(chosen)
    return chosen, recent, bad


def _reports_program(request: HttpRequest, program_slug: str) -> Program:
    return get_object_or_404(Program, slug=program_slug)


@coordinator_required
def program_reports(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _reports_program(request, program_slug)
    if not program.quarterly_reports:
        return render(request, "surveys/report_program.html", {"program": program, "enabled": False})
    (year, quarter), quarters, bad = _chosen_quarter(request)
    if bad:
        messages.warning(request, "That quarter could not be read; showing the current quarter instead.")
    pairings, sorting = listing.sort(
        request,
        services.program_pairings_for_quarter(program, year, quarter),
        REPORT_SORTS,
        default="pair",
        base_query=urlencode({"quarter": f"{year}-{quarter}"}),
    )
    page = Paginator(pairings, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    rows = services.program_report_rows(
        actor=request.membership, program=program, year=year, quarter=quarter, pairings=list(page.object_list)
    )
    counts = services.program_report_counts(actor=request.membership, program=program, year=year, quarter=quarter)
    return render(
        request,
        "surveys/report_program.html",
        {
            "program": program,
            "enabled": True,
            "year": year,
            "quarter": quarter,
            "label": services.quarter_label(year, quarter),
            "quarter_value": f"{year}-{quarter}",
            "quarter_form": QuarterChoiceForm(initial={"quarter": f"{year}-{quarter}"}, quarters=quarters),
            "rows": rows,
            "page": page,
            "counts": counts,
            "sorting": sorting,
            "querystring": sorting.querystring,
            "is_current": (year, quarter) == quarter_of(timezone.localdate()),
        },
    )


@coordinator_required
def program_reports_csv(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = _reports_program(request, program_slug)
    if not program.quarterly_reports:
        raise Http404("This program does not use quarterly reports.")
    (year, quarter), _quarters, _bad = _chosen_quarter(request)
    rows = services.program_report_rows(actor=request.membership, program=program, year=year, quarter=quarter)
    header = [
        "Quarter",
        "Mentor",
        "Mentee",
        "Pairing started",
        "Status",
        "Submitted on",
        "Goals achieved",
        "Plans for the next quarter",
        "Barriers to ongoing success",
    ]
    return csv_response(
        f"{program.slug}-reports-{year}-q{quarter}.csv",
        header,
        (
            (
                services.quarter_label(year, quarter),
                row["mentorship"].mentor.user.full_name,
                row["mentorship"].mentee.user.full_name,
                row["mentorship"].started_on.isoformat(),
                row["state"].label,
                timezone.localdate(row["submitted_at"]).isoformat() if row["submitted_at"] else "",
                row["goals_achieved"],
                row["next_plans"],
                row["barriers"],
            )
            for row in rows
        ),
    )
