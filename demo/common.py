"""What the demo organizations share: the people, the application specs, seeded randomness, and the
building blocks that find each row by its natural key before creating it."""

import random
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from programs.models import (
    Application,
    ApplicationStatus,
    EligibilityRule,
    GoalArea,
    Hub,
    HubChoice,
    MeetingMode,
    Membership,
    Organization,
    Profile,
    Program,
    Role,
)
from programs.services.applications import check_eligibility

DEMO_PASSWORD = "mentorship-demo-2026"

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Carmen",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonah",
    "Kavya",
    "Liam",
    "Mei",
    "Nikolai",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rania",
    "Samuel",
    "Tara",
    "Umar",
    "Valeria",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aditi",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Esther",
    "Felix",
    "Gabriela",
    "Hassan",
    "Isla",
    "Jamal",
    "Keiko",
    "Luca",
    "Maya",
    "Noah",
]
LAST_NAMES = [
    "Adeyemi",
    "Becker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Goldberg",
    "Hashemi",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schneider",
    "Tanaka",
    "Umeh",
    "Varga",
    "Whitaker",
    "Xu",
    "Yamamoto",
    "Zielinski",
    "Agarwal",
    "Brennan",
    "Chen",
    "Delgado",
    "Esposito",
    "Fischer",
    "Gupta",
    "Haddad",
    "Iversen",
    "Johansson",
    "Kim",
    "Lopez",
    "Murphy",
    "Nguyen",
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    status: str
    is_coordinator: bool = False
    is_committee: bool = False


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    contact_email: str
    description: str
    model: str
    named_people: tuple[DemoPerson, ...]
    member_count: int
    statuses: tuple[tuple[str, int], ...]  # (status, weight) for generated members
    seed: int
    email_domain: str


# The person who belongs to all three organizations (shows the organization switcher).
MULTI_ORG_EMAIL = "sam.rivera@example.org"


def generated_people(org: DemoOrganization) -> list[DemoPerson]:
    rng = random.Random(org.seed)
    statuses = [s for s, weight in org.statuses for _ in range(weight)]
    people, seen = [], set()
    while len(people) < org.member_count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        email = f"{first}.{last}@{org.email_domain}".lower()
        people.append(DemoPerson(email, f"{first} {last}", rng.choice(statuses)))
    return people


S = ApplicationStatus
VIDEO, PHONE, IN_PERSON = MeetingMode.VIDEO, MeetingMode.PHONE, MeetingMode.IN_PERSON


@dataclass(frozen=True)
class AppSpec:
    """One demo application. ``days_ago``: when it was submitted (or started, for drafts)."""

    role: str
    status: str
    statement: str
    areas: tuple[str, ...]
    modes: tuple[str, ...] = (VIDEO,)
    preferences: str = ""
    capacity: int | None = None
    hubs: tuple[str, ...] = ()
    days_ago: int = 14
    decision: str = ""


HOBBIES = (
    "Outside work I coach my kids' soccer team and try to get into the mountains most weekends.",
    "I'm a keen cyclist and commute by bike whenever the weather allows.",
    "I spend weekends with my family and am slowly learning to play the cello.",
    "I run a couple of half marathons a year and cook far too ambitiously.",
    "I grew up on a farm and still spend part of every summer there.",
    "Away from the hospital you'll find me fly fishing or reading history.",
    "I'm a parent of three and have strong opinions about school pick-up logistics.",
    "I volunteer with a free clinic once a month and play in a recreational hockey league.",
    "I love travel, photography and long walks with a very energetic dog.",
    "I garden, bake bread and am trying to get better at saying no.",
    "I moved here from abroad and enjoy helping colleagues who are new to the country.",
    "I'm an amateur woodworker and a terrible but enthusiastic golfer.",
)

LANGUAGES = (
    ("English", 12),
    ("English, Spanish", 3),
    ("English, French", 2),
    ("English, Mandarin", 1),
    ("English, Punjabi", 1),
    ("English, Tagalog", 1),
    ("English, Korean", 1),
    ("English, Farsi", 1),
    ("English, Portuguese", 1),
)


def weighted(rng: random.Random, options) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def person_rng(org_slug: str, email: str) -> random.Random:
    # A string seed is hashed deterministically (not affected by PYTHONHASHSEED).
    return random.Random(f"{org_slug}:{email}")


def this_year() -> int:
    return timezone.now().year


# --- Building blocks (each finds what exists by its natural key first) ------------------------


def ensure_user(person: DemoPerson, password_hash: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name, "password": password_hash}
    )
    EmailAddress.objects.get_or_create(user=user, email=person.email, defaults={"verified": True, "primary": True})
    return user, created


def memberships_by_email(organization: Organization) -> dict[str, Membership]:
    return {m.user.email: m for m in Membership.objects.filter(organization=organization).select_related("user")}


def ensure_program(
    organization: Organization, *, slug: str, goal_areas, rules: dict[str, dict], **values
) -> tuple[Program, bool]:
    """The program by (organization, slug); its catalogue if it has none yet; a rule per role if missing."""
    program, created = Program.objects.get_or_create(organization=organization, slug=slug, defaults=values)
    if not GoalArea.objects.filter(program=program).exists():
        GoalArea.objects.bulk_create(
            GoalArea(organization=organization, program=program, name=name, position=position)
            for position, name in enumerate(goal_areas)
        )
    for role, rule in rules.items():
        EligibilityRule.objects.get_or_create(
            program=program, role=role, defaults={"organization": organization, **rule}
        )
    return program, created


def ensure_profiles(organization: Organization, memberships: dict[str, Membership], values: dict[str, dict]) -> int:
    """Create the profiles nobody has yet. A "time_zone" in the values is the person's one
    time zone: it goes on their account, if they have none yet, not on the profile."""
    have = set(Profile.objects.filter(organization=organization).values_list("membership_id", flat=True))
    new = []
    for email, fields in values.items():
        if email not in memberships:
            continue
        fields = dict(fields)
        zone = fields.pop("time_zone", "")
        user = memberships[email].user
        if zone and not user.time_zone:
            type(user).objects.filter(pk=user.pk, time_zone="").update(time_zone=zone)
            user.time_zone = zone
        if memberships[email].pk not in have:
            new.append(Profile(organization=organization, membership=memberships[email], **fields))
    Profile.objects.bulk_create(new)
    return len(new)


DECIDED = {S.ACCEPTED, S.WAITLISTED, S.DECLINED}


def ensure_applications(
    program: Program, memberships: dict[str, Membership], plans: list[tuple[str, AppSpec]], decided_by: Membership
) -> int:
    """Create the planned applications nobody has yet (one per person, program and role, whatever
    its status). Eligibility comes from the real rules, as if each had been submitted."""
    organization = program.organization
    existing = set(Application.objects.filter(program=program).values_list("membership_id", "role"))
    areas = {area.name: area for area in GoalArea.objects.filter(program=program)}
    hubs = {hub.name: hub for hub in Hub.objects.filter(program=program)}
    rules = {rule.role: rule for rule in EligibilityRule.objects.filter(program=program)}
    now = timezone.now()
    new: list[tuple[Application, AppSpec]] = []
    for email, spec in plans:
        membership = memberships.get(email)
        if membership is None or (membership.pk, spec.role) in existing:
            continue
        statements = rules[spec.role].attestations if spec.role in rules else []
        submitted = spec.status != S.DRAFT
        when = now - timedelta(days=spec.days_ago, hours=(membership.pk * 7) % 10)
        application = Application(
            organization=organization,
            program=program,
            membership=membership,
            role=spec.role,
            status=spec.status,
            goals_statement=spec.statement,
            meeting_modes=list(spec.modes),
            preferences=spec.preferences,
            capacity=(spec.capacity or program.default_mentees_per_mentor) if spec.role == Role.MENTOR else None,
            principles_accepted=submitted,
            attestation_answers=dict.fromkeys(statements, submitted),
            created_at=when - timedelta(days=1) if submitted else when,
        )
        if submitted:
            result = check_eligibility(application)
            if result.eligible != (spec.status != S.INELIGIBLE):
                raise RuntimeError(f"Demo application of {email} should be {spec.status}: {result.reasons}")
            application.eligible = result.eligible
            application.eligibility_reasons = result.as_json()
            application.eligibility_checked_at = when
            application.submitted_at = when
        if spec.status in DECIDED:
            application.decided_by = decided_by
            application.decided_at = min(now, when + timedelta(days=max(1, spec.days_ago // 3)))
            application.decision_message = spec.decision
        new.append((application, spec))
    Application.objects.bulk_create([application for application, _ in new])
    Chosen = Application.goal_areas.through
    Chosen.objects.bulk_create(
        Chosen(application_id=application.pk, goalarea_id=areas[name].pk)
        for application, spec in new
        for name in spec.areas
    )
    HubChoice.objects.bulk_create(
        HubChoice(organization=organization, application=application, hub=hubs[name], rank=rank)
        for application, spec in new
        for rank, name in enumerate(spec.hubs, start=1)
    )
    return len(new)
