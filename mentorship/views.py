from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render

from mentorship.forms import ProfileForm
from mentorship.services import user_update_profile


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST or None, initial={"full_name": request.user.full_name, "time_zone": request.user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, "Your profile was saved.")
        return redirect("profile")
    return render(request, "account/profile.html", {"form": form})


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin).
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.svg"))
