"""Reads. Inside an organization's pages the active scope limits every query to it."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from programs.models import AuditEvent, Invitation, InvitationStatus, Membership


def memberships_for_user(*, user) -> QuerySet[Membership]:
    """The person's active memberships across organizations (home page and switcher).

    Deliberately unscoped, and deliberately filtered by the person: this is the one
    cross-tenant read, and it can only ever return the caller's own memberships.
    """
    return (
        Membership.objects.with_scopes_disabled()
        .filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def pending_invitations_for_user(*, user) -> list[Invitation]:
    """Open invitations addressed to one of the person's verified email addresses."""
    from allauth.account.models import EmailAddress

    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    if not emails:
        return []
    query = Q()
    for email in emails:
        query |= Q(email__iexact=email)
    my_org_ids = memberships_for_user(user=user).values("organization_id")
    invitations = (
        Invitation.objects.with_scopes_disabled()
        .filter(query, status=InvitationStatus.PENDING)
        .exclude(organization_id__in=my_org_ids)
        .select_related("organization")
    )
    return [inv for inv in invitations if not inv.is_expired]


def member_list(*, organization, search: str = "", status: str = "", role: str = "", show_removed: bool = False):
    members = Membership.objects.filter(organization=organization).select_related("user")
    if not show_removed:
        members = members.filter(is_active=True)
    if search:
        members = members.filter(Q(user__full_name__icontains=search) | Q(user__email__icontains=search))
    if status:
        members = members.filter(status=status)
    if role == "coordinator":
        members = members.filter(is_coordinator=True)
    elif role == "committee":
        members = members.filter(is_committee=True)
    return members.order_by("user__full_name", "user__email")


def member_counts(*, organization) -> dict:
    return Membership.objects.filter(organization=organization).aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        coordinators=Count("pk", filter=Q(is_active=True, is_coordinator=True)),
        committee=Count("pk", filter=Q(is_active=True, is_committee=True)),
        faculty=Count("pk", filter=Q(is_active=True, status="faculty")),
        members=Count("pk", filter=Q(is_active=True, status="member")),
        candidates=Count("pk", filter=Q(is_active=True, status="candidate")),
        trainees=Count("pk", filter=Q(is_active=True, status="trainee")),
        alumni=Count("pk", filter=Q(is_active=True, status="alumni")),
    )


def invitation_list(*, organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by", "accepted_by")


def programs_for(*, membership) -> list:
    from programs.models import Program

    programs = Program.objects.filter(organization=membership.organization).only(
        # What the home page shows and applications_are_open() reads.
        "organization_id",
        "name",
        "slug",
        "is_published",
        "applications_open",
        "applications_close",
    )
    if not membership.is_coordinator:
        programs = programs.filter(is_published=True)
    return list(programs)


def applications_of(*, membership) -> list:
    from programs.models import Application, ApplicationStatus

    return list(
        Application.objects.filter(membership=membership)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("program")
        .only("organization_id", "membership_id", "program__name", "role", "status")
        .order_by("-created_at")
    )


def open_invitation_count(*, organization) -> int:
    return Invitation.objects.filter(
        organization=organization, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
    ).count()


def recent_activity(*, organization, limit: int = 10) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=organization).select_related("actor")[:limit]


MEMBER_SEARCH_LIMIT = 20


def search_members(*, organization, query: str, limit: int = MEMBER_SEARCH_LIMIT) -> list[Membership]:
    """Active members whose name or email contains every word of ``query`` (a picker's
    search), by name, at most ``limit`` of them; none for an empty query."""
    words = query.split()[:5]
    if not words:
        return []
    members = Membership.objects.filter(organization=organization, is_active=True)
    for word in words:
        members = members.filter(Q(user__full_name__icontains=word) | Q(user__email__icontains=word))
    return list(members.select_related("user").order_by("user__full_name", "user__email", "pk")[:limit])
