"""How a relationship starts and ends. Every path that pairs people (a request accepted, a
proposal both accepted, a senior mentor assigned) starts it here, and every ending (the
no-fault clause, a removal from the program) ends it here. The caller has checked who may
do it and holds the locks; these only write the relationship's own rows."""

from datetime import datetime

from django.utils import timezone

from mentorship.dates import add_months
from mentorship.domain_events import emit
from programs.models import Membership, Program
from relationships.models import EndReason, Mentorship, MentorshipStatus
from relationships.services.meetings import cancel_upcoming


def mentorship_start(
    *, program: Program, mentor: Membership | int, mentee: Membership | int, origin: str
) -> Mentorship:
    """A new live relationship from today, planned for the program's minimum commitment."""
    today = timezone.localdate()
    mentorship = Mentorship.objects.create(
        organization=program.organization,
        program=program,
        mentor_id=getattr(mentor, "pk", mentor),
        mentee_id=getattr(mentee, "pk", mentee),
        origin=origin,
        started_on=today,
        planned_end_on=add_months(today, program.min_commitment_months),
    )
    emit(program.organization_id, "relationship.started", event_data(mentorship, program.slug))  # issue 20
    return mentorship


def mentorship_close(
    mentorship: Mentorship,
    *,
    reason: str,
    ended_by: Membership | None,
    cancelled_by: Membership | None,
    at: datetime | None = None,
) -> Mentorship:
    """End a live relationship: its status (concluded at review, ended otherwise) and reason,
    who ended it (None: a joint decision) and when; its upcoming meetings are cancelled
    (``cancelled_by`` names who the pair is told cancelled them, or None for the program
    office)."""
    mentorship.status = MentorshipStatus.CONCLUDED if reason == EndReason.CONCLUDED else MentorshipStatus.ENDED
    mentorship.end_reason = reason
    mentorship.ended_at = at or timezone.now()
    mentorship.ended_by = ended_by
    mentorship.save(update_fields=["status", "end_reason", "ended_at", "ended_by"])
    cancel_upcoming(mentorship=mentorship, actor=cancelled_by)
    emit(mentorship.organization_id, "relationship.ended", event_data(mentorship, mentorship.program.slug))  # issue 20
    return mentorship


def event_data(mentorship: Mentorship, program_slug: str) -> dict:
    """A relationship's domain event (issue 20): ids and metadata, never what the pair wrote."""
    fields = ("mentor_id", "mentee_id", "origin", "status", "started_on", "planned_end_on", "end_reason", "ended_at")
    return {"mentorship": mentorship.pk, "program": program_slug, **{f: getattr(mentorship, f) for f in fields}}
