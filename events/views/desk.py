"""The check-in desk, made for a phone: search by name, tap to check a person in. The tap
is a plain form POST; with htmx it swaps only that person's row and the counts."""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from events.forms.events import CheckInSearchForm
from events.models import SpeedParticipant
from events.selectors import checkin_list, counts
from events.services import events as event_services
from events.views.common import event_or_404
from mentorship.exceptions import ServiceError
from mentorship.tenancy import coordinator_required


@require_safe
@coordinator_required
def speed_checkin(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    form = CheckInSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(
        request,
        "events/checkin.html",
        {
            "event": event,
            "form": form,
            "query": query,
            "people": checkin_list(event, query),
            "counts": counts(event),
        },
    )


@require_POST
@coordinator_required
def speed_checkin_toggle(request: HttpRequest, org_slug: str, pk: int, participant_pk: int) -> HttpResponse:
    event = event_or_404(pk)
    person = get_object_or_404(SpeedParticipant.objects.filter(event=event), pk=participant_pk)
    undo = request.POST.get("undo") == "1"
    try:
        person = event_services.check_in(actor=request.membership, participant=person, undo=undo)
    except ServiceError as error:
        flash.error(request, error.message)
        person.refresh_from_db()
    if request.headers.get("HX-Request") == "true":
        person.event = event
        return render(
            request, "events/checkin_row.html", {"event": event, "person": person, "counts": counts(event), "oob": True}
        )
    query = request.POST.get("q", "")[:100]
    url = reverse("speed_checkin", kwargs={"org_slug": org_slug, "pk": event.pk})
    if query:
        url += "?" + urlencode({"q": query})
    return redirect(url + f"#person-{person.pk}")
