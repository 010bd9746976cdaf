"""What waits for a coordinator in programs: applications to decide on, per program."""

from django.db.models import Count
from django.urls import reverse

from programs.dashboard import Todo, plural
from programs.models import Application, ApplicationStatus

WAITING_FOR_A_DECISION = (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE)


def todos(membership) -> list[Todo]:
    if not membership.is_coordinator:
        return []
    slug = membership.organization.slug
    rows = (
        Application.objects.filter(
            organization_id=membership.organization_id, status__in=WAITING_FOR_A_DECISION, membership__is_active=True
        )
        .values("program__slug", "program__name")
        .annotate(waiting=Count("pk"))
        .order_by("program__name")
    )
    return [
        Todo(
            kind="applications",
            label=f"Decide on {plural(row['waiting'], 'application', 'applications')}",
            detail=row["program__name"],
            url=reverse("application_list", kwargs={"org_slug": slug, "program_slug": row["program__slug"]}),
            count=row["waiting"],
        )
        for row in rows
    ]
