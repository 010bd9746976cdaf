import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scopes_disabled

from mentorship import keyset, listing
from mentorship.csvexport import csv_response
from mentorship.exceptions import ServiceError
from mentorship.filters import bad_filter_response
from mentorship.forms import form_error
from mentorship.freshness import cached_fragment
from mentorship.tenancy import coordinator_or_committee_required, coordinator_required, member_required
from programs import nav, onboarding, sending
from programs.adapters import INVITATION_SESSION_KEY
from programs.dashboard import dashboard_context
from programs.forms.organizations import (
    BulkResendForm,
    InvitationForm,
    MemberFilterForm,
    MembershipForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
)
from programs.models import Invitation, Membership, MemberStatus
from programs.selectors import organizations as selectors
from programs.services import invitations as invitation_services
from programs.services import organizations as organization_services
from programs.views.inline import is_htmx, row_answer

MEMBERS_PER_PAGE = 50

# The member list's sortable columns (public key -> ORM order).
MEMBER_SORTS = {
    "name": (Lower("user__full_name"), Lower("user__email")),
    "email": Lower("user__email"),
    "status": "status",
    "joined": "joined_at",
}
INVITATION_SORTS = {
    "email": Lower("email"),
    "invited_as": "member_status",
    "status": "status",
    "sent": Coalesce("sent_at", "created_at"),
}
# How long the home page's main part is kept at most (see organization_dashboard).
HOME_MAIN_SECONDS = 60
MEMBER_CSV_HEADER = ["Name", "Email", "Member status", "Coordinator", "Committee", "Active", "Joined"]


@member_required
def organization_dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    membership = request.membership
    todos = nav.todos_for_request(request)  # the navigation's badge reads the same list

    def main() -> dict:
        my_applications = selectors.applications_of(membership=membership)
        context = {
            "organization": organization,
            "membership": membership,
            "programs": selectors.programs_for(membership=membership),
            "my_applications": my_applications,
            "todos": todos,
            "onboarding": onboarding.checklist(
                membership=membership, user=request.user, has_application=bool(my_applications)
            ),
            **dashboard_context(membership),
        }
        if membership.is_coordinator or membership.is_committee:
            context["counts"] = selectors.member_counts(organization=organization)
        if membership.is_coordinator:
            context["open_invitations"] = selectors.open_invitation_count(organization=organization)
            context["activity"] = selectors.recent_activity(organization=organization)
        return context

    # The page below the navigation is the same until the organization's data changes (every
    # write moves its version), the day turns or a minute passes (a program's application
    # window opening); per person and time zone, since times are shown in it.
    person = f"{membership.pk}:{timezone.get_current_timezone_name()}"
    html = cached_fragment(
        request, "home-main", person, "programs/includes/home_main.html", main, ttl=HOME_MAIN_SECONDS
    )
    return render(
        request,
        "programs/dashboard.html",
        {"organization": organization, "membership": membership, "todos": todos, "main": html},
    )


@member_required
@require_GET
def nav_badges(request: HttpRequest, org_slug: str) -> JsonResponse:
    """The navigation's counts for the person here, asked by a page once it has loaded."""
    response = JsonResponse(nav.badges(request))
    response["Cache-Control"] = "private, no-store"
    return response


def _members(request: HttpRequest, filters: MemberFilterForm):
    """The member list as filtered and sorted by the query string: (rows, sorting, filters)."""
    f = filters.values
    search, status, role = f.get("q", ""), f.get("status", ""), f.get("role", "")
    show_removed = bool(f.get("removed")) and request.membership.is_coordinator
    members = selectors.member_list(
        organization=request.organization, search=search, status=status, role=role, show_removed=show_removed
    )
    members, sorting = listing.sort(request, members, MEMBER_SORTS, default="name", base_query=filters.querystring())
    return members, sorting, {"search": search, "status": status, "role": role, "show_removed": show_removed}


@coordinator_or_committee_required
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filters = MemberFilterForm(request.GET)
    members, sorting, values = _members(request, filters)
    page = keyset.paginate(request, members, MEMBER_SORTS, sorting, per_page=MEMBERS_PER_PAGE, name="members")
    return render(
        request,
        "programs/member_list.html",
        {
            "page": page,
            **values,
            "sorting": sorting,
            "statuses": MemberStatus.choices,
            "querystring": sorting.querystring,
            "filter_errors": filters.error_list(),
        },
    )


@coordinator_required
def member_list_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The members the list shows (its filters and order, every page) as CSV."""
    filters = MemberFilterForm(request.GET)
    if refusal := bad_filter_response(filters):
        return refusal
    members, _sorting, _values = _members(request, filters)
    rows = (
        [
            m.user.full_name,
            m.user.email,
            m.get_status_display(),
            "yes" if m.is_coordinator else "no",
            "yes" if m.is_committee else "no",
            "yes" if m.is_active else "no",
            timezone.localtime(m.joined_at).date().isoformat(),
        ]
        for m in members.iterator(chunk_size=500)
    )
    return csv_response(f"{request.organization.slug}-members.csv", MEMBER_CSV_HEADER, rows)


@coordinator_required
def member_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    initial = {f: getattr(member, f) for f in ("status", "is_coordinator", "is_committee", "is_active")}
    form = MembershipForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            organization_services.membership_update(actor=request.membership, membership=member, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Saved the changes to {member.user.full_name or member.user.email}.")
            return redirect("member_list", org_slug=request.organization.slug)
    return render(request, "programs/member_edit.html", {"member": member, "form": form})


def _sending_context(request: HttpRequest) -> dict:
    """What the invitation pages say about the contact address and the sending limits
    (no query: the organization is loaded already)."""
    organization = request.organization
    return {
        "contact_confirmed": organization.contact_email_confirmed,
        "invitation_limit": sending.invitation_limit(organization),
        "is_new_organization": sending.is_new(organization),
    }


def _invite(request: HttpRequest, form: InvitationForm) -> HttpResponse | None:
    """Invite every address of the form (one or many). All sent: back to the page. Some
    sent: back to the page, each address not sent listed with why. None sent: None, and the
    form is shown again with each address's reason on it."""
    data = dict(form.cleaned_data)
    try:
        outcome = invitation_services.invitations_create(actor=request.membership, emails=data.pop("email"), **data)
    except ServiceError as error:
        form_error(form, error)
        return None
    if not outcome.sent:
        for line in outcome.refused:
            form.add_error("email", line)
        return None
    addresses = [invitation.email for invitation in outcome.sent]
    if len(addresses) == 1:
        messages.success(request, f"Invitation sent to {addresses[0]}.")
    else:
        messages.success(request, f"Invitations sent to {len(addresses)} people: {', '.join(addresses)}.")
    for line in outcome.refused:
        messages.info(request, f"Not invited: {line}")
    return redirect("invitations", org_slug=request.organization.slug)


def _resend_selected(request: HttpRequest, form: BulkResendForm) -> HttpResponse:
    if form.is_valid():
        try:
            outcome = invitation_services.invitations_resend(actor=request.membership, ids=form.cleaned_data["ids"])
        except ServiceError as error:
            form_error(form, error)
        else:
            if outcome.sent:
                count = len(outcome.sent)
                messages.success(
                    request,
                    f"Sent again to {count} {'person' if count == 1 else 'people'}: "
                    f"{', '.join(invitation.email for invitation in outcome.sent)}.",
                )
            level = messages.info if outcome.sent else messages.error
            for line in outcome.refused:
                level(request, f"Not sent again: {line}")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(request.get_full_path())


@coordinator_required
def invitations(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method == "POST" and request.POST.get("form") == "resend":
        return _resend_selected(request, BulkResendForm(request.POST))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _invite(request, form)
        if done is not None:
            return done
    invitation_rows, sorting = listing.sort(
        request, selectors.invitation_list(organization=request.organization), INVITATION_SORTS, default="-sent"
    )
    page = Paginator(invitation_rows, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/invitations.html",
        {
            "form": form,
            "page": page,
            "sorting": sorting,
            "querystring": sorting.querystring,
            "back_page": _page_number(request.GET),
            **_sending_context(request),
        },
    )


def _page_number(data) -> str:
    """The list page a form came from ("" for the first or a malformed one)."""
    page = data.get("page", "")
    return page if page.isdigit() and len(page) < 9 and page != "1" else ""


def _invitation_row(request: HttpRequest, invitation: Invitation, level: str, text: str) -> HttpResponse:
    """The answer to an inline (htmx) resend or revoke: the row as it is now, and the
    outcome for the page's live region (swapped out of band)."""
    invitation = selectors.invitation_list(organization=request.organization).get(pk=invitation.pk)
    context = {"inv": invitation, "back_page": _page_number(request.POST)}
    return row_answer(request, "programs/includes/invitation_row.html", context, level, text)


def _invitation_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        action(actor=request.membership, invitation=invitation)
    except ServiceError as error:
        level, text = "error", error.message
    else:
        level, text = "success", done.format(email=invitation.email)
    if is_htmx(request):
        return _invitation_row(request, invitation, level, text)
    getattr(messages, level)(request, text)
    back = _page_number(request.POST)
    if back:
        return redirect(f"{reverse('invitations', kwargs={'org_slug': request.organization.slug})}?page={back}")
    return redirect("invitations", org_slug=request.organization.slug)


@require_POST
@coordinator_required
def invitation_resend(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, invitation_services.invitation_resend, "Invitation sent again to {email}.")


@require_POST
@coordinator_required
def invitation_revoke(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, invitation_services.invitation_revoke, "Invitation to {email} revoked.")


@coordinator_required
def organization_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    # A copy, so a rejected POST does not change the organization shown in the header.
    form = OrganizationSettingsForm(request.POST or None, instance=copy.copy(request.organization))
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_services.organization_update(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Organization settings saved.")
            if not organization.contact_email_confirmed:
                messages.info(
                    request,
                    f"We sent a confirmation link to {organization.contact_email}. Invitations wait until "
                    "someone opens it.",
                )
            return redirect("organization_settings", org_slug=request.organization.slug)
    return render(request, "programs/settings.html", {"form": form, **_sending_context(request)})


@require_POST
@coordinator_required
def organization_contact_resend(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Send the contact address its confirmation link again."""
    try:
        organization = organization_services.organization_contact_confirmation_send(actor=request.membership)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if organization.contact_email_confirmed:
            messages.success(request, f"{organization.contact_email} is your own verified address: it is confirmed.")
        else:
            messages.success(request, f"We sent a new confirmation link to {organization.contact_email}.")
    back = request.POST.get("back", "")
    if back == "invitations":
        return redirect("invitations", org_slug=org_slug)
    return redirect("organization_settings", org_slug=org_slug)


# --- Outside any organization --------------------------------------------------------


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_services.organization_create(user=request.user, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"{organization.name} is ready at {request.build_absolute_uri(f'/o/{organization.slug}/')}. "
                "Invite your members next.",
            )
            if not organization.contact_email_confirmed:
                messages.info(
                    request,
                    f"We sent a confirmation link to {organization.contact_email}: invitations wait until someone "
                    "who reads that mailbox opens it.",
                )
            return redirect("organization_dashboard", org_slug=organization.slug)
    return render(request, "programs/organization_create.html", {"form": form})


def organization_contact_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to a new contact address: anyone who reads that mailbox confirms it
    (a button, so a mail scanner that follows links confirms nothing)."""
    with scopes_disabled():
        organization = organization_services.organization_for_contact_token(token)
    if request.method == "POST" and organization is not None:
        try:
            organization = organization_services.organization_contact_confirm(token=token)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            return render(request, "programs/contact_confirm.html", {"organization": organization, "done": True})
    status = 200 if organization is not None else 404
    return render(request, "programs/contact_confirm.html", {"organization": organization}, status=status)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: sign up or sign in, then accept."""
    invitation = invitation_services.invitation_for_token(token)
    if invitation is None:
        return render(request, "programs/invitation_invalid.html", status=404)
    here = reverse("invitation_accept", kwargs={"token": token})
    context = {"invitation": invitation, "organization": invitation.organization, "here": here}

    if not request.user.is_authenticated:
        if invitation.is_open:
            # Following the emailed link proves the address. Remember the link (not the
            # address): if this visitor now signs up *with that address*, the adapter
            # counts it as verified and no second verification email is needed.
            request.session[INVITATION_SESSION_KEY] = invitation.token
        return render(request, "programs/invitation_accept.html", context)

    if request.method == "POST":
        try:
            invitation_services.invitation_accept(token=token, user=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect(here)
        messages.success(request, f"Welcome to {invitation.organization.name}.")
        return redirect("organization_dashboard", org_slug=invitation.organization.slug)

    context["email_matches"] = organization_services.user_has_verified_email(request.user, invitation.email)
    return render(request, "programs/invitation_accept.html", context)
