"""The program-health dashboard (coordinators), its CSV tables and the REDCap export."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django_scopes import scope

from mentorship.csvexport import csv_response, csv_stream_response
from mentorship.filters import FilterForm
from mentorship.freshness import cached_for
from mentorship.tenancy import coordinator_required
from programs.models import Program
from surveys import dashboard, redcap
from surveys.charts import bar_chart, line_chart


class ProgramFilterForm(FilterForm):
    """``?program=<slug>``: one program of the organization, or every program."""

    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        label="Program",
        error_messages={"invalid_choice": "There is no such program; showing every program."},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(organization=organization)


def _program_filter(request: HttpRequest) -> tuple[Program | None, str]:
    """The program in ``?program=<slug>``, or None for every program; an unknown slug (or
    an unusable value) is reported, not an error page."""
    form = ProgramFilterForm(request.GET, organization=request.organization)
    program = form.values.get("program")
    errors = form.errors.get("program") if form.is_bound else None
    if errors and "no such program" not in errors[0]:
        return None, f"{errors[0]} Showing every program."
    return program, errors[0] if errors else ""


def _strict_program(request: HttpRequest) -> Program | None:
    program, error = _program_filter(request)
    if error:
        raise Http404("No such program.")
    return program


def _filename(request: HttpRequest, name: str, program: Program | None) -> str:
    parts = [name, request.organization.slug]
    if program is not None:
        parts.append(program.slug)
    parts.append(f"{timezone.localdate():%Y-%m-%d}")
    return "-".join(parts) + ".csv"


def _panels(request: HttpRequest, program: Program | None, query: str) -> str:
    """Every panel of the dashboard rendered (figures, charts, the overdue and stale lists)."""
    data = dashboard.health(request.organization, program)
    charts = {
        "applications": bar_chart(data["applications"]["chart_rows"], label="Applications by state"),
        "stages": bar_chart(data["stages"]["chart_rows"], label="Active pairings by stage"),
        "schedule": bar_chart(
            data["schedule"]["chart_rows"],
            label="Active pairings on schedule and overdue",
            css_class="chart-bar-warning",
        ),
        "agreements": bar_chart(
            data["agreements"]["chart_rows"], label="Live pairings by agreement state", css_class="chart-bar-muted"
        ),
        "reminder_kinds": bar_chart(data["reminders"]["kind_chart_rows"], label="Reminders sent by kind"),
        "reminder_weeks": line_chart(data["reminders"]["week_points"], label="Reminders sent per week"),
        "satisfaction": line_chart(
            data["satisfaction"]["points"], label="Mean survey satisfaction per month, 0 to 10", y_max=10
        ),
    }
    return render_to_string(
        "surveys/dashboard/panels.html",
        {
            **data,
            "charts": charts,
            "program": program,
            "current_organization": request.organization,
            "query": query,
            "overdue_limit": dashboard.OVERDUE_SHOWN,
            "stale_limit": dashboard.STALE_SHOWN,
            "quiet_limit": dashboard.QUIET_SHOWN,
        },
    )


def _cached_panels(request: HttpRequest, program: Program | None, query: str) -> str:
    """The panels, kept per organization, program and time zone until the organization's data
    changes, the day turns or five minutes pass (mentorship.freshness): every coordinator of
    the organization sees the same figures, and the page is opened again and again."""
    view = f"{program.pk if program else 0}:{timezone.get_current_timezone()}"
    panels = cached_for("health-panels", request.organization.pk, view, lambda: _panels(request, program, query))
    return mark_safe(panels)  # noqa: S308 (our own template's output, escaped when it was rendered)


@require_GET
@coordinator_required
def health_dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    program, filter_error = _program_filter(request)
    query = f"?program={program.slug}" if program else ""
    return render(
        request,
        "surveys/dashboard.html",
        {
            "panels": _cached_panels(request, program, query),
            "today": timezone.localdate(),
            "program": program,
            "programs": dashboard.program_choices(request.organization),
            "filter_error": filter_error,
            "query": query,
        },
    )


@require_GET
@coordinator_required
def health_csv(request: HttpRequest, org_slug: str, table: str) -> HttpResponse:
    if table not in dashboard.CSV_TABLES:
        raise Http404("No such table.")
    program = _strict_program(request)
    header, rows = dashboard.csv_table(table, request.organization, program)
    return csv_stream_response(_filename(request, table, program), header, _in_this_request(request, rows))


def _in_this_request(request: HttpRequest, rows):
    """``rows`` read in the request's tenancy scope and time zone: a streamed response is
    written after the view (and the middleware's scope) has returned."""
    organization, zone = request.organization, timezone.get_current_timezone()

    def read():
        with scope(organization=organization), timezone.override(zone):
            yield from rows

    return read()


@require_GET
@coordinator_required
def redcap_export(request: HttpRequest, org_slug: str) -> HttpResponse:
    program, filter_error = _program_filter(request)
    return render(
        request,
        "surveys/redcap.html",
        {
            "program": program,
            "programs": dashboard.program_choices(request.organization),
            "filter_error": filter_error,
            "query": f"?program={program.slug}" if program else "",
            "fields": redcap.fields(request.organization),
        },
    )


@require_GET
@coordinator_required
def redcap_dictionary(request: HttpRequest, org_slug: str) -> HttpResponse:
    rows = redcap.dictionary_rows(redcap.fields(request.organization))
    # REDCap reads a byte-order mark into the first column's name: none here.
    return csv_response(_filename(request, "redcap-dictionary", None), redcap.DICTIONARY_HEADER, rows, bom=False)


@require_GET
@coordinator_required
def redcap_records(request: HttpRequest, org_slug: str) -> HttpResponse:
    program = _strict_program(request)
    header = [f.name for f in redcap.fields(request.organization)]
    rows = redcap.record_rows(request.organization, program)
    return csv_response(_filename(request, "redcap-records", program), header, rows, bom=False)
