"""What waits for a coordinator: people's requests to be erased, due within a month."""

from django.urls import reverse

from privacy.models import ErasureRequest, ErasureStatus
from programs.dashboard import Todo, plural


def todos(membership) -> list[Todo]:
    if not membership.is_coordinator:
        return []
    pending = ErasureRequest.objects.filter(
        organization_id=membership.organization_id, status=ErasureStatus.PENDING
    ).count()
    if not pending:
        return []
    return [
        Todo(
            kind="erasure_requests",
            label="Answer " + plural(pending, "request to be erased", "requests to be erased"),
            detail="The law gives one month from each request.",
            url=reverse("privacy_requests", kwargs={"org_slug": membership.organization.slug}),
            count=pending,
        )
    ]
