"""A year of history for one demo program, in the order it happened (see ``demo.history``).
Written once: a program that already has relationships is left as it is, so running the seed
again changes nothing."""

from datetime import timedelta

from django.utils import timezone

from demo.cohort import NAMED_MENTEE_INDEX, ensure_cohort, hub_slots
from demo.common import generated_people
from demo.history import (
    Plan,
    apply_endings,
    plan_relationships,
    write_meetings,
    write_relationships,
    write_reminders,
    write_reports,
)
from demo.history_matching import (
    run_current_round,
    write_open_requests,
    write_pending_offer,
    write_proposals,
    write_requests,
)
from demo.history_messages import write_messages
from demo.history_records import sign_agreements, write_survey
from programs.models import Application, ApplicationStatus, Membership, Program, ProgramModel, Role
from relationships.models import Mentorship, Origin

SEALED_PER_PROGRAM = 4  # sealed PDFs made now (WeasyPrint: a second or two each); the rest on first download


def _applicants(program: Program, role: str, status: str, exclude: set[int]) -> list[Application]:
    return [
        application
        for application in Application.objects.filter(program=program, role=role, status=status)
        .select_related("membership")
        .order_by("pk")
        if application.membership_id not in exclude
    ]


def _recent_start(*applications: Application) -> object:
    """A start date for a pairing of people accepted lately: a few days after the later decision."""
    today = timezone.localdate()
    decided = max((a.decided_at or a.submitted_at) for a in applications)
    return min(timezone.localtime(decided).date() + timedelta(days=4), today - timedelta(days=2))


def seed_history(organization, program: Program, spec, password_hash: str, created: dict) -> None:
    taken = {person.email for person in (*spec.named_people, *generated_people(spec))}
    cohort = ensure_cohort(organization, program, spec.email_domain, taken, password_hash, created)
    if Mentorship.objects.filter(program=program).exists():
        return
    members = Membership.objects.filter(organization=organization, is_active=True).order_by("pk")
    coordinator = members.filter(is_coordinator=True).first()
    committee = list(members.filter(is_committee=True).exclude(pk=coordinator.pk))
    cohort_ids = {m.pk for m in (*cohort.mentors, *cohort.mentees, *cohort.recent_mentees)}

    if program.model == ProgramModel.HUBS:
        slots = hub_slots(program)

        def mentor_for(index, mentee):
            return slots[index % (len(slots) - 1)][0]

        spare = slots[-1][0]
    else:

        def mentor_for(index, mentee):
            return cohort.mentors[index % (len(cohort.mentors) - 1)]

        spare = cohort.mentors[-1]
    plans = plan_relationships(program, cohort, mentor_for, spare)

    # This year's first pairings, of people accepted lately (beside last year's cohort).
    mentors = _applicants(program, Role.MENTOR, ApplicationStatus.ACCEPTED, cohort_ids)
    mentees = _applicants(program, Role.MENTEE, ApplicationStatus.ACCEPTED, cohort_ids)
    if program.model == ProgramModel.COMMITTEE and len(mentors) >= 2 and len(mentees) >= 2:
        plans.append(Plan(mentors[0].membership, mentees[0].membership, _recent_start(mentors[0], mentees[0])))
    elif program.model == ProgramModel.HUBS and mentees:
        first = mentees[0]  # paired last week with a mentor of the hub they ranked first
        choice = first.hub_choices.order_by("rank").first()
        mentor = next((m for m, hub in slots if choice and hub.pk == choice.hub_id), slots[0][0])
        plans.append(Plan(mentor, first.membership, _recent_start(first)))
    elif program.model == ProgramModel.SELF_SELECT:
        for mentor, mentee in zip(mentors, mentees, strict=False):
            plans.append(
                Plan(mentor.membership, mentee.membership, _recent_start(mentor, mentee), origin=Origin.REQUEST)
            )

    write_relationships(program, plans)
    named = next(p for p in plans if p.mentee == cohort.mentees[NAMED_MENTEE_INDEX])
    seal = {named.mentorship.pk}
    seal |= {p.mentorship.pk for p in plans if p.status == "active"}
    seal = {named.mentorship.pk, *sorted(seal - {named.mentorship.pk})[: SEALED_PER_PROGRAM - 1]}
    sign_agreements(program, plans, seal)
    apply_endings(program, plans)
    write_meetings(program, plans)
    write_messages(program, plans)
    write_reminders(program, plans)
    write_reports(program, plans)
    if program.model == ProgramModel.SELF_SELECT:
        write_requests(program, plans)
        waiting = _applicants(program, Role.MENTEE, ApplicationStatus.ELIGIBLE, cohort_ids)
        free = [cohort.mentors[0]] + [a.membership for a in _applicants(program, Role.MENTOR, "eligible", cohort_ids)]
        write_open_requests(
            program, [a.membership for a in waiting[:3]], free[:3], committee[0] if committee else coordinator
        )
    else:
        write_proposals(program, plans, coordinator, committee)
        if program.model == ProgramModel.COMMITTEE and len(mentors) >= 2 and len(mentees) >= 2:
            write_pending_offer(program, mentors[1].membership, mentees[1].membership, coordinator)
        newcomer = cohort.recent_mentees[0].pk if cohort.recent_mentees else None
        run_current_round(program, coordinator, committee, newcomer)
    write_survey(program, plans, coordinator)
    created["mentorships"] += len(plans)
