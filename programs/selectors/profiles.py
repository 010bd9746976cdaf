"""Reads for profiles (biosketches) and the private CV.

Queries go through the scoped managers and also filter by the membership's own
organization, so a profile of another organization is never returned.
"""

from programs.models import Application, ApplicationStatus, Membership, Profile, Program, ProgramModel, Role

# The mentee applications whose holder may read a self-selection program's biosketches.
BIOSKETCH_READER_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
)


def profile_for(*, membership: Membership | None) -> Profile | None:
    """The membership's profile in its organization, or None if it has none yet."""
    if membership is None or membership.pk is None:
        return None
    return (
        Profile.objects.select_related("membership__user")
        .filter(organization_id=membership.organization_id, membership=membership)
        .first()
    )


def can_download_cv(*, profile: Profile | None, membership: Membership | None) -> bool:
    """May ``membership`` (the viewer) download ``profile``'s CV?

    Only the owner and the active members of the same organization the owner shared it
    with. Coordinators are not special: they see the biosketch, not the CV, unless it is
    shared with them. False when there is no CV.
    """
    if profile is None or membership is None or not profile.cv:
        return False
    if not membership.is_active or membership.organization_id != profile.organization_id:
        return False
    if profile.membership_id == membership.pk:
        return True
    owner = profile.membership
    if not owner.is_active or owner.organization_id != profile.organization_id:
        # A removed member's CV is no longer handed out.
        return False
    # The through table has no scoped manager; the organization was checked above.
    return Profile.cv_shared_with.through.objects.filter(profile_id=profile.pk, membership_id=membership.pk).exists()


def cv_shares(*, profile: Profile | None) -> list[Membership]:
    """The active members a CV is shared with, by name."""
    if profile is None or profile.pk is None:
        return []
    return list(
        profile.cv_shared_with.filter(organization_id=profile.organization_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def can_read_biosketches(*, membership: Membership | None, program: Program) -> bool:
    """May ``membership`` read the biosketches of ``program``'s mentors?

    The one rule for every page that shows a mentor's biosketch or starts a request from
    it (the mentor directory, a mentor's request page, the link to them): the program's
    mentees (an application submitted, eligible, accepted or waitlisted) and the
    organization's coordinators, in a self-selection program. Nobody else: not plain
    members, not the mentors, not the committee.
    """
    if membership is None or not membership.is_active or membership.organization_id != program.organization_id:
        return False
    if program.model != ProgramModel.SELF_SELECT:
        return False
    if membership.is_coordinator:
        return True
    return Application.objects.filter(
        program=program, membership=membership, role=Role.MENTEE, status__in=BIOSKETCH_READER_STATUSES
    ).exists()
