from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mentorship.forms import ProfileForm
from programs.selectors import memberships_for_user, pending_invitations_for_user


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


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("profile")
    return render(request, "account/profile.html", {"form": form})


def health(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers and docker-compose."""
    return HttpResponse("ok", content_type="text/plain")
