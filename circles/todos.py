"""What waits for a member in circles: the agreement of a circle they joined, unsigned (the
circle's record opens once they sign it)."""

from django.urls import reverse

from circles.models import CircleMember, CircleMemberStatus, CircleStatus
from programs.dashboard import Todo

SHOWN = 10


def todos(membership) -> list[Todo]:
    slug = membership.organization.slug
    places = (
        CircleMember.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            status=CircleMemberStatus.ACTIVE,
            signatures__isnull=True,
        )
        .exclude(circle__status=CircleStatus.ENDED)
        .order_by("circle__starts_on", "pk")
        .values("circle_id", "circle__name", "circle__program__slug", "circle__program__name")[:SHOWN]
    )
    return [
        Todo(
            kind="circle_agreements",
            label=f"Sign the agreement of the circle “{row['circle__name']}”",
            detail=row["circle__program__name"],
            url=reverse(
                "circle_agreement",
                kwargs={"org_slug": slug, "program_slug": row["circle__program__slug"], "pk": row["circle_id"]},
            ),
        )
        for row in places
    ]
