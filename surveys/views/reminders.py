"""What was sent to whom and when (coordinators), and each person's nudge setting."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mentorship import listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import FilterForm, SearchField, bad_filter_response
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required, member_required
from programs.forms.notifications import EmailPreferencesForm
from programs.services.notifications import email_preferences_set
from surveys.models import ReminderKind, ReminderStatus
from surveys.services import reminders as services

PER_PAGE = 50

# The reminder log's sortable columns (public key -> ORM order).
REMINDER_SORTS = {
    "recorded": "created_at",
    "what": "kind",
    "to": (Lower("recipient__user__full_name"), Lower("recipient__user__email")),
    "program": Lower("program__name"),
    "due": "due_on",
    "status": "status",
    "sent": "sent_at",
}


class ReminderFilterForm(FilterForm):
    q = SearchField(label="Name or email")
    kind = forms.ChoiceField(label="What", choices=[("", "Everything"), *ReminderKind.choices], required=False)
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *ReminderStatus.choices], required=False)


def _filters(form: ReminderFilterForm) -> dict:
    f = form.values
    return {"search": f.get("q", ""), "kind": f.get("kind", ""), "status": f.get("status", "")}


def _sorted_rows(request: HttpRequest, form: ReminderFilterForm):
    rows = services.reminder_log(organization=request.organization, **_filters(form))
    return listing.sort(request, rows, REMINDER_SORTS, default="-recorded", base_query=form.querystring())


@coordinator_required
def reminder_log(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ReminderFilterForm(request.GET)
    filters = _filters(form)
    rows, sorting = _sorted_rows(request, form)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/reminder_log.html",
        {
            "page": page,
            **filters,
            "kinds": ReminderKind.choices,
            "statuses": ReminderStatus.choices,
            "sorting": sorting,
            "querystring": sorting.querystring,
            "filter_errors": form.error_list(),
            "summary": services.reminder_summary(organization=request.organization),
            "last_scan": services.last_scan(),
        },
    )


@coordinator_required
def reminder_log_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ReminderFilterForm(request.GET)
    if refusal := bad_filter_response(form):
        return refusal
    rows, _sorting = _sorted_rows(request, form)
    zone = timezone.get_current_timezone()
    return csv_response(
        f"reminders-{request.organization.slug}-{timezone.localdate():%Y-%m-%d}.csv",
        ["recorded", "what", "to", "email", "program", "period", "due on", "status", "sent"],
        (
            [
                timezone.localtime(r.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                r.get_kind_display(),
                r.recipient.user.full_name,
                r.recipient.user.email,
                r.program.name if r.program else "",
                r.period,
                r.due_on or "",
                r.get_status_display(),
                timezone.localtime(r.sent_at, zone).strftime("%Y-%m-%d %H:%M") if r.sent_at else "",
            ]
            for r in rows.iterator(chunk_size=2000)
        ),
    )


@member_required
def notification_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    """A person's email preferences here: messages and nudges immediately, in a daily
    digest or not at all. Emails about something only they can do always go out at once."""
    member = request.membership
    initial = {"messages_email": member.messages_email, "nudges_email": member.nudges_email}
    form = EmailPreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            email_preferences_set(actor=member, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                "Your email preferences are saved. We will still email you at once about things only you can do.",
            )
            return redirect("notification_settings", org_slug=request.organization.slug)
    return render(
        request,
        "surveys/notification_settings.html",
        {"form": form, "recent": services.my_reminders(membership=member)[:20]},
        status=400 if form.errors else 200,
    )


# RFC 8058 one-click: the mail provider POSTs "List-Unsubscribe=One-Click" to this URL with
# no session and no CSRF token, so it is CSRF-exempt by design; the signed token in the URL
# is the permission. A GET (a person's click, or a link scanner) only shows a button.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def nudges_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    member = services.membership_for_unsubscribe(token)
    if member is None:
        response = render(request, "surveys/unsubscribe.html", {"invalid": True}, status=404)
    else:
        done = request.method == "POST"
        if done:
            member = services.nudges_unsubscribe(token=token)
        response = render(
            request,
            "surveys/unsubscribe.html",
            {"member": member, "organization": member.organization, "done": done, "token": token},
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
