"""The notification centre: the bell's page, opening a notification (marks it read, then
goes where it is done), marking one or all read. A person sees their own only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from mentorship.tenancy import member_required
from programs.models import Notification
from programs.services import notifications as services

PER_PAGE = 25


def _own(request: HttpRequest, pk: int) -> Notification:
    """The person's own notification; anyone else's (or another organization's) is 404."""
    notification = services.notifications_of(request.membership).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


@require_GET
@member_required
def notification_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    rows = services.notifications_of(request.membership).only(
        "pk", "kind", "title", "count", "created_at", "read_at", "path"
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    unread = services.unread_count(request.membership)
    return render(
        request,
        "programs/notification_list.html",
        {"page": page, "unread": unread, "unread_text": services.unread_text(unread)},
    )


@require_GET
@member_required
def notification_open(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Follow a notification: marked read, then its page. Only a local path is followed
    (never another site); anything else comes back to the list."""
    path = services.notification_open(actor=request.membership, notification=_own(request, pk))
    if not path:
        messages.info(request, "That notification has no page to open any more.")
        return redirect("notification_list", org_slug=request.organization.slug)
    return redirect(path)


@require_POST
@member_required
def notification_read(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    services.notification_mark_read(actor=request.membership, notification=_own(request, pk))
    return redirect(_back(request))


@require_POST
@member_required
def notifications_read_all(request: HttpRequest, org_slug: str) -> HttpResponse:
    marked = services.notifications_mark_all_read(actor=request.membership)
    messages.success(
        request, f"Marked {marked} notification{'' if marked == 1 else 's'} read." if marked else "Nothing was unread."
    )
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Back to the list, on the page the person was on (a page number only)."""
    url = reverse("notification_list", kwargs={"org_slug": request.organization.slug})
    page = request.POST.get("page", "")
    return f"{url}?page={page}" if page.isdigit() and len(page) < 7 else url
