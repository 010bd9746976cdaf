"""The people of the demo's year of history: last year's cohort (mentors and mentees who applied
about thirteen months ago and were accepted), a few newly accepted mentees waiting for a pairing,
and the named mentor and mentee the README gives as sign-ins. Each is a member with a profile
and an application decided by the coordinator, made by the same building blocks as the rest."""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from demo import alumni, department, society
from demo.common import (
    FIRST_NAMES,
    LAST_NAMES,
    AppSpec,
    DemoPerson,
    ensure_applications,
    ensure_profiles,
    ensure_user,
    memberships_by_email,
)
from programs.models import (
    Application,
    ApplicationStatus,
    GoalArea,
    Hub,
    HubMentor,
    Membership,
    MemberStatus,
    Organization,
    Program,
    Role,
)

COHORT_DAYS_AGO = 400  # last year's cohort applied then; decided ten days later
RECENT_DAYS_AGO = 24  # the newly accepted mentees applied then; decided ten days later


@dataclass(frozen=True)
class CohortSpec:
    mentors: int
    mentees: int
    recent_mentees: int
    mentor_status: str
    mentee_status: str
    named_mentor: tuple[str, str] | None  # (email, full name)
    named_mentee: tuple[str, str]
    seed: int
    named_newcomer: tuple[str, str] | None = None  # the first newly accepted mentee (offered a pairing today)


COHORTS = {
    "western-surgical": CohortSpec(
        11,
        20,
        4,
        MemberStatus.MEMBER,
        MemberStatus.CANDIDATE,
        ("mentor@western-surgical.example.org", "Catherine Moreau"),
        ("mentee@western-surgical.example.org", "Diego Alvarez"),
        11,
    ),
    "lakeshore-anesthesiology": CohortSpec(
        0,
        20,
        4,
        MemberStatus.FACULTY,
        MemberStatus.FACULTY,
        None,  # the department's mentors are its hub mentors
        ("mentee@lakeshore-anesthesiology.example.org", "Aisha Rahman"),
        12,
        ("new.mentee@lakeshore-anesthesiology.example.org", "Owen Fairbanks"),
    ),
    "radonc-alumni": CohortSpec(
        11,
        20,
        0,
        MemberStatus.ALUMNI,
        MemberStatus.TRAINEE,
        ("mentor@radonc-alumni.example.org", "Margaret Lindholm"),
        ("mentee@radonc-alumni.example.org", "Tomasz Nowak"),
        13,
    ),
}
NAMED_MENTEE_INDEX = 10  # paired with mentor 0 (mentee i meets mentor i % 10)

MENTOR_STATEMENT = (
    "I'd like to give back what my own mentors gave me: honest advice on the early years of practice, "
    "help with the decisions that shape a career, and someone to call when a case goes badly."
)
MENTEE_STATEMENTS = (
    "I'm a few years into practice and want help planning the next five: where to focus, what to say no to, "
    "and how to keep time for my family.",
    "I'd like a mentor who has built a practice like the one I hope to build, and who can help me with the "
    "first leadership role I've been offered.",
    "I want to develop an academic niche and publish more, and I need someone to hold me to a plan.",
    "I'm looking for guidance on negotiating my next contract and on balancing clinical work with teaching.",
)


@dataclass
class Cohort:
    mentors: list[Membership]
    mentees: list[Membership]
    recent_mentees: list[Membership]
    hubs: dict[int, list[Hub]]  # mentee membership id -> the three hubs ranked (hub model)


def _people(spec: CohortSpec, domain: str, count: int, status: str, skip: set[str], salt: int) -> list[DemoPerson]:
    rng = random.Random(spec.seed * 100 + salt)
    people = []
    while len(people) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{name.replace(' ', '.')}@{domain}".lower()
        if email in skip:
            continue
        skip.add(email)
        people.append(DemoPerson(email, name, status))
    return people


def _profile(slug: str, person: DemoPerson, role: str, hub: Hub | None) -> dict:
    if slug == "western-surgical":
        if role == Role.MENTOR:
            return society.society_profile(person.email, {}, senior=True)
        years = 2 + sum(map(ord, person.email)) % 5  # early career: under the mentors' 8 years
        return society.society_profile(person.email, {"years": years})
    if slug == "lakeshore-anesthesiology":
        group = department.HUB_GROUP.get(hub.name, department.AFFINITY_GROUPS[0]) if hub else None
        return department.department_profile(person.email, group or department.AFFINITY_GROUPS[0], "mentee")
    if role == Role.MENTOR:
        return alumni.alumni_profile(person.email, None)
    return alumni.trainee_profile(person.email, None)


def hub_slots(program: Program) -> list[tuple[Membership, Hub]]:
    """One (hub mentor, hub) per hub mentor of the program, in a stable order."""
    slots, seen = [], set()
    for row in HubMentor.objects.filter(hub__program=program).select_related("membership", "hub").order_by("pk"):
        if row.membership_id not in seen:
            seen.add(row.membership_id)
            slots.append((row.membership, row.hub))
    return slots


def ensure_cohort(
    organization: Organization, program: Program, domain: str, taken: set[str], password_hash: str, created: dict
) -> Cohort:
    """The cohort's people, their profiles and applications (those missing). ``taken``: the
    emails of the organization's other demo people, whom the cohort's names must not repeat."""
    spec = COHORTS[organization.slug]
    skip = set(taken)
    mentors = _people(spec, domain, spec.mentors, spec.mentor_status, skip, 1)
    mentees = _people(spec, domain, spec.mentees, spec.mentee_status, skip, 2)
    recent = _people(spec, domain, spec.recent_mentees, spec.mentee_status, skip, 3)
    if spec.named_mentor and mentors:
        mentors[0] = DemoPerson(*spec.named_mentor, spec.mentor_status)
    mentees[NAMED_MENTEE_INDEX] = DemoPerson(*spec.named_mentee, spec.mentee_status)
    if spec.named_newcomer and recent:
        recent[0] = DemoPerson(*spec.named_newcomer, spec.mentee_status)
    for person in (*mentors, *mentees, *recent):
        user, user_created = ensure_user(person, password_hash)
        created["users"] += user_created
        _, membership_created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"status": person.status}
        )
        created["memberships"] += membership_created
    memberships = memberships_by_email(organization)

    slots = hub_slots(program) if organization.slug == "lakeshore-anesthesiology" else []
    hub_list = list(Hub.objects.filter(program=program).order_by("name"))
    ranked: dict[str, list[Hub]] = {}
    for index, person in enumerate((*mentees, *recent)):
        if slots:
            first = slots[index % len(slots)][1]
            others = [hub for hub in hub_list if hub.pk != first.pk]
            ranked[person.email] = [first, others[(index * 3) % len(others)], others[(index * 3 + 1) % len(others)]]
    values = {p.email: _profile(organization.slug, p, Role.MENTOR, None) for p in mentors}
    for person in (*mentees, *recent):
        values[person.email] = _profile(organization.slug, person, Role.MENTEE, (ranked.get(person.email) or [None])[0])
    created["profiles"] += ensure_profiles(organization, memberships, values)

    areas = list(GoalArea.objects.filter(program=program).order_by("position").values_list("name", flat=True))
    coordinator = Membership.objects.filter(organization=organization, is_coordinator=True).order_by("pk").first()
    plans = []
    for index, person in enumerate(mentors):
        spec_ = AppSpec(
            Role.MENTOR,
            ApplicationStatus.ACCEPTED,
            MENTOR_STATEMENT,
            tuple(areas[(index + k) % len(areas)] for k in range(3)),
            capacity=program.max_mentees_per_mentor,
            days_ago=COHORT_DAYS_AGO,
            decision="Welcome aboard: thank you for volunteering as a mentor this year.",
        )
        plans.append((person.email, spec_))
    for group, days in ((mentees, COHORT_DAYS_AGO), (recent, RECENT_DAYS_AGO)):
        for index, person in enumerate(group):
            hubs = tuple(hub.name for hub in ranked.get(person.email, []))
            spec_ = AppSpec(
                Role.MENTEE,
                ApplicationStatus.ACCEPTED,
                MENTEE_STATEMENTS[index % len(MENTEE_STATEMENTS)],
                tuple(areas[(index + k) % len(areas)] for k in range(2)),
                hubs=hubs,
                days_ago=days,
                decision="You're in: the program office will be in touch about your pairing.",
            )
            plans.append((person.email, spec_))
    created["applications"] += ensure_applications(program, memberships, plans, coordinator)
    # Decided ten days after submission (before any pairing of theirs started).
    emails = [p.email for p in (*mentors, *mentees, *recent)]
    for application in Application.objects.filter(
        program=program, membership__user__email__in=emails, status=ApplicationStatus.ACCEPTED
    ):
        decided = application.submitted_at + timedelta(days=10)
        if application.decided_at != decided and decided <= timezone.now():
            Application.objects.filter(pk=application.pk).update(decided_at=decided)

    def members(people):
        return [memberships[p.email] for p in people]

    return Cohort(
        members(mentors),
        members(mentees),
        members(recent),
        {memberships[email].pk: hubs for email, hubs in ranked.items()},
    )
