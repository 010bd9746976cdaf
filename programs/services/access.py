"""Who may act: the coordinator check that every coordinator-only service makes inside its
transaction."""

from django.core.exceptions import PermissionDenied

from programs.models import Membership, Organization


def require_coordinator(actor: Membership, organization: Organization) -> None:
    """The actor must be an active coordinator of ``organization`` *now*.

    Called inside the service's transaction: the actor's row is re-read under a lock, so
    a coordinator demoted a moment ago (or concurrently) can no longer act.
    """
    if actor is None or actor.organization_id != organization.pk:
        raise PermissionDenied("Only the organization's coordinators can do this.")
    still_coordinator = list(
        Membership.objects.select_for_update()
        .filter(pk=actor.pk, organization=organization, is_active=True, is_coordinator=True)
        .values_list("pk", flat=True)
    )
    if not still_coordinator:
        raise PermissionDenied("Only the organization's coordinators can do this.")
