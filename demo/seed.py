"""The demo as a whole: the three organizations, their members, their programs and a few pairs."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from demo import alumni, department, society
from demo.common import DEMO_PASSWORD, MULTI_ORG_EMAIL, ensure_user, generated_people
from programs.models import (
    Application,
    ApplicationStatus,
    Membership,
    Organization,
    Program,
    Role,
)

ORGANIZATIONS = (society.ORGANIZATION, department.ORGANIZATION, alumni.ORGANIZATION)

PROGRAM_SEEDERS = {
    "western-surgical": society.seed_society,
    "lakeshore-anesthesiology": department.seed_department,
    "radonc-alumni": alumni.seed_alumni,
}


@transaction.atomic
def seed_demo() -> dict:
    """Create (or complete) the three demo organizations. Returns what it created."""
    password_hash = make_password(DEMO_PASSWORD)  # hash once: 100+ users would take minutes
    created = dict.fromkeys(
        ("organizations", "users", "memberships", "programs", "profiles", "hubs", "applications", "mentorships"), 0
    )
    with scopes_disabled():
        for spec in ORGANIZATIONS:
            organization, org_created = Organization.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "contact_email": spec.contact_email,
                    "description": spec.description,
                    # Seeded by the site's own operator, not a stranger: nothing to confirm.
                    "contact_email_confirmed_at": timezone.now(),
                },
            )
            created["organizations"] += org_created
            for person in (*spec.named_people, *generated_people(spec)):
                user, user_created = ensure_user(person, password_hash)
                created["users"] += user_created
                _, membership_created = Membership.objects.get_or_create(
                    organization=organization,
                    user=user,
                    defaults={
                        "status": person.status,
                        "is_coordinator": person.is_coordinator,
                        "is_committee": person.is_committee,
                    },
                )
                created["memberships"] += membership_created
            PROGRAM_SEEDERS[spec.slug](spec, organization, created)
        created["mentorships"] = _seed_pairings()
    return created


def _seed_pairings() -> int:
    """Requests, proposals and mentorships so the portal has pairs to show. Written
    directly (no emails); a program that already has any is left as it is."""
    from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus, Response
    from relationships.models import Mentorship, Origin, PairExclusion

    now, today = timezone.now(), timezone.localdate()
    created = 0

    def apps(program, role, status):
        return list(
            Application.objects.filter(program=program, role=role, status=status)
            .select_related("membership")
            .order_by("pk")
        )

    def pair(program, mentor, mentee, origin, months_ago):
        started = today - timedelta(days=30 * months_ago)
        return Mentorship.objects.create(
            organization=program.organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin=origin,
            started_on=started,
            planned_end_on=started + timedelta(days=365),
        )

    alumni = Program.objects.filter(organization__slug="radonc-alumni", slug="alumni-mentoring").first()
    if alumni and not Mentorship.objects.filter(program=alumni).exists():
        mentors = [a.membership for a in apps(alumni, Role.MENTOR, ApplicationStatus.ACCEPTED)]
        mentors += [a.membership for a in apps(alumni, Role.MENTOR, ApplicationStatus.ELIGIBLE)]
        accepted_mentees = [a.membership for a in apps(alumni, Role.MENTEE, ApplicationStatus.ACCEPTED)]
        waiting_mentees = [a.membership for a in apps(alumni, Role.MENTEE, ApplicationStatus.ELIGIBLE)]
        for i, mentee in enumerate(accepted_mentees[: len(mentors)]):
            mentorship = pair(alumni, mentors[i], mentee, Origin.REQUEST, months_ago=4 + i)
            MentorshipRequest.objects.create(
                organization=alumni.organization,
                program=alumni,
                mentee=mentee,
                mentor=mentors[i],
                message="I read your biosketch and would value your advice on an academic career.",
                status=RequestStatus.ACCEPTED,
                created_at=now - timedelta(days=30 * (4 + i) + 5),
                expires_at=now - timedelta(days=30 * (4 + i) - 9),
                responded_at=now - timedelta(days=30 * (4 + i)),
                mentorship=mentorship,
            )
            created += 1
        free = mentors[len(accepted_mentees) :]
        for i, mentee in enumerate(waiting_mentees[:3]):
            if i < len(free):
                MentorshipRequest.objects.create(
                    organization=alumni.organization,
                    program=alumni,
                    mentee=mentee,
                    mentor=free[i],
                    message="Your work on re-irradiation is what I hope to do. Could we meet twice this year?",
                    expires_at=now + timedelta(days=alumni.request_response_days - i * 3),
                    created_at=now - timedelta(days=i * 3),
                )
        if len(waiting_mentees) > 3 and len(free) > 1:
            MentorshipRequest.objects.create(
                organization=alumni.organization,
                program=alumni,
                mentee=waiting_mentees[3],
                mentor=free[1],
                message="Would you mentor me through my fellowship applications?",
                status=RequestStatus.DECLINED,
                expires_at=now,
                responded_at=now - timedelta(days=2),
            )
            PairExclusion.objects.get_or_create(
                program=alumni,
                mentor=free[1],
                mentee=waiting_mentees[3],
                defaults={"organization": alumni.organization, "reason": "declined_request"},
            )

    society = Program.objects.filter(organization__slug="western-surgical", slug="mentorship").first()
    if society and not Proposal.objects.filter(program=society).exists():
        mentors = [a.membership for a in apps(society, Role.MENTOR, ApplicationStatus.ACCEPTED)]
        mentees = [a.membership for a in apps(society, Role.MENTEE, ApplicationStatus.ACCEPTED)]
        coordinator = society.organization.memberships.filter(is_coordinator=True).order_by("pk").first()
        if len(mentors) >= 2 and len(mentees) >= 2:
            mentorship = pair(society, mentors[0], mentees[0], Origin.PROPOSAL, months_ago=3)
            Proposal.objects.create(
                organization=society.organization,
                program=society,
                mentor=mentors[0],
                mentee=mentees[0],
                status=ProposalStatus.CONFIRMED,
                note="Both in private general surgery on the West Coast; shared interest in building a referral base.",
                created_by=coordinator,
                offered_at=now - timedelta(days=100),
                mentor_response=Response.ACCEPTED,
                mentee_response=Response.ACCEPTED,
                mentor_responded_at=now - timedelta(days=98),
                mentee_responded_at=now - timedelta(days=97),
                mentorship=mentorship,
            )
            Proposal.objects.create(
                organization=society.organization,
                program=society,
                mentor=mentors[1],
                mentee=mentees[1],
                note="Similar practice setting; the mentee asked for help with leadership and work-life balance.",
                created_by=coordinator,
                offered_at=now - timedelta(days=3),
                mentor_response=Response.ACCEPTED,
                mentor_responded_at=now - timedelta(days=2),
            )
            created += 1
    return created


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(email, who, where) for the README and the seed command's output."""
    rows = []
    for spec in ORGANIZATIONS:
        for person in spec.named_people:
            if person.email == MULTI_ORG_EMAIL:
                continue
            role = "coordinator" if person.is_coordinator else "committee member" if person.is_committee else "member"
            rows.append((person.email, f"{person.full_name}, {role}", spec.name))
    rows.append((MULTI_ORG_EMAIL, "Sam Rivera, member of all three", "all three (try the organization switcher)"))
    return rows
