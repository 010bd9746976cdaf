"""My profile (biosketch), and the private CV: upload, replace, remove, share, download."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required
from programs.forms.profiles import CVShareForm, CVUploadForm, ProfileForm
from programs.models import Membership, Profile
from programs.selectors import profiles as profile_selectors
from programs.services import profiles as profile_services


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("my_profile", org_slug=request.organization.slug)


def _page(request: HttpRequest, *, profile_form=None, cv_form=None, share_form=None) -> HttpResponse:
    profile = profile_selectors.profile_for(membership=request.membership)
    if profile_form is None:
        profile_form = ProfileForm(instance=profile, initial={"time_zone": request.user.time_zone})
    return render(
        request,
        "programs/profile_edit.html",
        {
            "profile": profile,
            "profile_form": profile_form,
            "cv_form": cv_form or CVUploadForm(),
            "share_form": share_form or CVShareForm(),
            "shares": profile_selectors.cv_shares(profile=profile),
        },
    )


@member_required
def my_profile(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    profile = profile_selectors.profile_for(membership=request.membership)
    form = ProfileForm(request.POST, instance=profile)
    if form.is_valid():
        try:
            profile_services.profile_save(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your profile was saved.")
            return _back(request)
    return _page(request, profile_form=form)


@require_POST
@member_required
def profile_cv_upload(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = CVUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            profile_services.profile_cv_upload(actor=request.membership, upload=form.cleaned_data["cv"])
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your CV was uploaded.")
            return _back(request)
    return _page(request, cv_form=form)


@require_POST
@member_required
def profile_cv_remove(request: HttpRequest, org_slug: str) -> HttpResponse:
    try:
        profile_services.profile_cv_remove(actor=request.membership)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your CV was removed.")
    return _back(request)


@require_POST
@member_required
def profile_cv_share(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = CVShareForm(request.POST)
    if form.is_valid():
        try:
            recipient = profile_services.profile_cv_share(actor=request.membership, email=form.cleaned_data["email"])
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Your CV is now shared with {recipient.user.full_name or recipient.user.email}.")
            return _back(request)
    return _page(request, share_form=form)


@require_POST
@member_required
def profile_cv_unshare(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    shared_with = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    try:
        profile_services.profile_cv_unshare(actor=request.membership, shared_with=shared_with)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{shared_with.user.full_name or shared_with.user.email} can no longer download your CV."
        )
    return _back(request)


@require_safe
@never_cache
@member_required
def profile_cv(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Download a CV. Anyone who may not download it gets the same 404 as for no CV at all."""
    profile = get_object_or_404(Profile.objects.select_related("membership__user"), pk=pk)
    if not profile_selectors.can_download_cv(profile=profile, membership=request.membership):
        raise Http404("No such CV.")
    try:
        handle = profile.cv.open("rb")
    except FileNotFoundError:
        raise Http404("No such CV.") from None
    name = slugify(profile.membership.user.full_name) or f"member-{profile.membership_id}"
    response = FileResponse(handle, as_attachment=True, filename=f"cv-{name}.pdf", content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
