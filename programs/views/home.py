"""The home page: a signed-in person's organizations, what waits in each, and open
invitations. A person in exactly one organization (and no invitation to answer) lands on its
dashboard instead, unless they ask for the list (``?all=1``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programs.nav import pending_by_organization
from programs.selectors.organizations import memberships_for_user, pending_invitations_for_user


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home_anonymous.html")
    memberships = list(memberships_for_user(user=request.user))
    invitations = pending_invitations_for_user(user=request.user)
    if len(memberships) == 1 and not invitations and not request.GET.get("all"):
        return redirect("organization_dashboard", org_slug=memberships[0].organization.slug)
    pending = pending_by_organization(memberships)
    for membership in memberships:
        membership.pending = pending.get(membership.pk)
    return render(request, "home.html", {"memberships": memberships, "invitations": invitations})
