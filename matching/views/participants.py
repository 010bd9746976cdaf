"""A coordinator removes a participant from a program, and pairs hub mentors with their
senior mentors."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from matching.services import endings as ending_services
from matching.services import senior as senior_services
from mentorship.exceptions import ServiceError
from mentorship.tenancy import coordinator_required
from programs.models import Membership, Program


@require_POST
@coordinator_required
def participant_remove(request: HttpRequest, org_slug: str, program_slug: str, membership_pk: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_pk)
    reason = request.POST.get("reason", "")[:2000]
    try:
        ending_services.participant_remove(
            actor=request.membership, program=program, membership=membership, reason=reason
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{membership.user.full_name} was removed from {program.name}; the reason is recorded."
        )
    back = request.POST.get("back", "")
    if back.startswith(f"/o/{org_slug}/"):
        return redirect(back)
    return redirect("program_detail", org_slug=org_slug, program_slug=program.slug)


@require_POST
@coordinator_required
def senior_mentors_pair(request: HttpRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    try:
        created = senior_services.senior_mentors_pair(actor=request.membership, program=program)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        left = senior_services.senior_pairs_left_to_others(actor=request.membership, program=program)
        if created or not left:
            messages.success(
                request,
                f"Paired {created} hub mentor{'s' if created != 1 else ''} with their senior mentor."
                if created
                else "Every hub mentor already has their senior mentor.",
            )
        if left:
            messages.warning(
                request,
                f"{left} senior-mentor pairing{'s' if left != 1 else ''} include{'' if left != 1 else 's'} you, "
                "so another coordinator has to create "
                f"{'them' if left != 1 else 'it'}.",
            )
    return redirect("program_mentorships", org_slug=org_slug, program_slug=program.slug)
