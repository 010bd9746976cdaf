"""A participant ranks a shortlist of the other side of a stable-mode program: plain form
posts (add, move up, move down, remove), each saved at once, so the page works with the
keyboard, on a phone and without JavaScript."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from matching.selectors.rankings import ranking_page
from matching.services.rankings import closed_message, ranking_change
from mentorship.exceptions import ServiceError
from mentorship.tenancy import member_required
from programs.models import Program, ProgramModel

DONE = {
    "add": "Added to your list.",
    "up": "Moved up.",
    "down": "Moved down.",
    "remove": "Removed from your list.",
}


@member_required
def ranking(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug, model=ProgramModel.COMMITTEE, rankings_open=True)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            ranking_change(
                actor=request.membership, program=program, action=action, person_id=request.POST.get("person")
            )
        except ServiceError as refused:
            error = refused.message
        else:
            messages.success(request, f"{DONE.get(action, 'Saved.')} Your list is saved.")
            return redirect(f"{request.path}#my-list")
    page = ranking_page(program, request.membership, query=request.GET.get("q", "")[:100])
    if page is None:
        raise Http404
    return render(
        request,
        "matching/ranking.html",
        {
            "program": program,
            "page": page,
            "error": error,
            "query": request.GET.get("q", "")[:100],
            "closed_message": "" if page.is_open else closed_message(program),
        },
        status=400 if error else 200,
    )
