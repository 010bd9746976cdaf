"""The home page: a signed-in person's organizations and open invitations."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programs.selectors.organizations import memberships_for_user, pending_invitations_for_user


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home_anonymous.html")
    return render(
        request,
        "home.html",
        {
            "memberships": list(memberships_for_user(user=request.user)),
            "invitations": pending_invitations_for_user(user=request.user),
        },
    )
