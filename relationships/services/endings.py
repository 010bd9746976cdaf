"""Endings: a party ends their mentorship under the no-fault clause. The history stays
readable to the pair and the pair is never proposed again."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.audit import audit
from relationships.models import EndReason, ExclusionReason, Mentorship, PairExclusion
from relationships.services.lifecycle import mentorship_close
from relationships.services.pairs import absolute_url, notify


@transaction.atomic
def mentorship_end_no_fault(*, actor: Membership, mentorship: Mentorship) -> Mentorship:
    """Either party ends the mentorship under the no-fault clause, without giving a
    reason. The other party and the coordinators are told neutrally; the history stays
    readable to the pair and the pair is not proposed again."""
    if actor.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise PermissionDenied("Only the mentor or the mentee can end their mentorship.")
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .get(pk=mentorship.pk)
    )
    if not mentorship.is_live:
        raise ServiceError("This mentorship has already ended.")
    mentorship_close(mentorship, reason=EndReason.NO_FAULT, ended_by=actor, cancelled_by=actor)
    PairExclusion.objects.get_or_create(
        program=mentorship.program,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        defaults={"organization": mentorship.organization, "reason": ExclusionReason.ENDED},
    )
    audit(
        organization=mentorship.organization,
        actor=actor.user,
        action="mentorship.ended",
        summary=f"The mentorship of {mentorship.mentor.user} and {mentorship.mentee.user} in "
        f"{mentorship.program.name} ended under the no-fault clause",
        mentorship=mentorship.pk,
    )
    other = mentorship.mentee if actor.pk == mentorship.mentor_id else mentorship.mentor
    coordinators = list(
        Membership.objects.filter(organization=mentorship.organization, is_coordinator=True, is_active=True)
        .select_related("user")
        .values_list("user__email", flat=True)
    )
    context = {
        "mentorship": mentorship,
        "program": mentorship.program,
        "url": absolute_url("mentorship_detail", org_slug=mentorship.organization.slug, pk=mentorship.pk),
        "rematch_url": absolute_url(
            "program_detail", org_slug=mentorship.organization.slug, program_slug=mentorship.program.slug
        ),
    }
    notify("email/mentorship_ended", context, [other.user.email], mentorship.organization.contact_email)
    if coordinators:
        notify("email/mentorship_ended_coordinator", context, coordinators, mentorship.organization.contact_email)
    return mentorship
