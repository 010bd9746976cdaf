"""What waits for a mentor or a mentee in their agreements: a version awaiting their
signature."""

from django.db.models import Q
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus
from programs.dashboard import Todo
from relationships.models import LIVE_STATUSES

SHOWN = 20


def todos(membership) -> list[Todo]:
    slug = membership.organization.slug
    waiting = (
        Agreement.objects.filter(
            organization_id=membership.organization_id,
            status=AgreementStatus.AWAITING,
            mentorship__status__in=LIVE_STATUSES,
        )
        .filter(Q(mentorship__mentor=membership) | Q(mentorship__mentee=membership))
        .exclude(signatures__signer=membership)
        .order_by("created_at", "pk")
        .values("mentorship_id", "mentor_name", "mentee_name", "mentorship__mentor_id")[:SHOWN]
    )
    return [
        Todo(
            kind="signatures",
            label="Sign your mentorship agreement",
            detail="With "
            + (row["mentee_name"] if row["mentorship__mentor_id"] == membership.pk else row["mentor_name"]),
            url=reverse("agreement_detail", kwargs={"org_slug": slug, "pk": row["mentorship_id"]}),
        )
        for row in waiting
    ]
