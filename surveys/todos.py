"""What waits for a member in surveys: the open surveys they are invited to answer."""

from django.urls import reverse
from django.utils import timezone

from programs.dashboard import Todo
from surveys.models import SurveyInvitation, SurveyStatus

SHOWN = 10


def todos(membership) -> list[Todo]:
    slug, today = membership.organization.slug, timezone.localdate()
    invitations = (
        SurveyInvitation.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            answered=False,
            wave__opens_on__lte=today,
            wave__closes_on__gte=today,
            wave__survey__status=SurveyStatus.ACTIVE,
        )
        .order_by("wave__closes_on", "pk")
        .values("token", "wave__survey__title", "wave__closes_on")[:SHOWN]
    )
    return [
        Todo(
            kind="surveys",
            label=f"Answer the survey “{row['wave__survey__title']}”",
            detail=f"Open until {row['wave__closes_on']:%-d %B %Y}",
            url=reverse("survey_answer", kwargs={"org_slug": slug, "token": row["token"]}),
        )
        for row in invitations
    ]
