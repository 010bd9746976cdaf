"""A participant's own pages: their schedule, and after the event whom they would like to
continue with. Picks are private; whether one was mutual shows only once picks close."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from events.forms.events import PicksForm
from events.selectors import met, mutual_of, participation, picks_of, schedules
from events.services import picks as pick_services
from events.views.common import event_or_404
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required


def my_participation(request: HttpRequest, pk: int):
    event = event_or_404(pk)
    me = participation(event, request.membership)
    if me is None:
        raise Http404("You do not take part in this event.")
    return event, me


@require_safe
@member_required
def speed_event_mine(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event, me = my_participation(request, pk)
    lines = schedules(event, only=me)[0][1] if event.status != "planned" else []
    return render(request, "events/mine.html", {"event": event, "me": me, "lines": lines})


@member_required
def speed_event_picks(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    event, me = my_participation(request, pk)
    people = met(me)
    chosen = picks_of(me)
    if request.method == "POST" and not event.picks_open:
        # Picks closed while the page was open: say so, rather than a form that is not shown.
        flash.error(request, "Picks for this event have closed; your earlier picks stand.")
        return redirect("speed_event_picks", org_slug=org_slug, pk=event.pk)
    form = PicksForm(request.POST or None, met=people, initial={"chosen": sorted(chosen)})
    if request.method == "POST" and form.is_valid():
        try:
            count = pick_services.picks_save(
                actor=request.membership, event=event, chosen_ids=form.cleaned_data["chosen"]
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            flash.success(
                request,
                f"Saved: {count} {'person' if count == 1 else 'people'} chosen. You can change this until picks close.",
            )
            return redirect("speed_event_picks", org_slug=org_slug, pk=event.pk)
    mutual = mutual_of(me) if event.picks_closed else set()
    # Mutual picks the program offered as a pair (the others were skipped: already paired,
    # excluded, or waiting), known once the picks are closed and offered.
    offered = {
        row["mentee"] if me.membership_id == row["mentor"] else row["mentor"]
        for row in (event.offer_results or [])
        if row.get("proposal") and me.membership_id in (row["mentor"], row["mentee"])
    }
    return render(
        request,
        "events/picks.html",
        {
            "event": event,
            "me": me,
            "form": form,
            "people": people,
            "chosen": chosen,
            "mutual": mutual,
            "offered": offered,
            "show_mutual": event.picks_closed,
        },
    )
