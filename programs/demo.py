"""Demo data for the three program models (seeds 000, 002, 003).

Idempotent: running it again finds what exists and only fills in what is missing, so
``make run`` can call it on every start. Later features extend ``seed_demo`` with
programs, applications and pairings.
"""

import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_scopes import scopes_disabled

from programs.models import Membership, MemberStatus, Organization

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

ORGANIZATIONS = (
    DemoOrganization(
        slug="western-surgical",
        name="Western Surgical Society",
        contact_email="mentorship@western-surgical.example.org",
        description=(
            "The society's Mentorship Program pairs seasoned surgeons with less experienced "
            "colleagues. The Mentorship Program Committee proposes each pairing from practice "
            "setting, specialization, experience, goals and geography; both parties agree before "
            "a pairing is final. Mentors have at least 8 years in practice."
        ),
        model="committee",
        named_people=(
            DemoPerson("coordinator@western-surgical.example.org", "Dana Whitfield", MemberStatus.MEMBER, True),
            DemoPerson(
                "committee.chair@western-surgical.example.org", "Robert Okonkwo", MemberStatus.MEMBER, False, True
            ),
            DemoPerson("committee@western-surgical.example.org", "Priya Raman", MemberStatus.MEMBER, False, True),
            DemoPerson(
                "committee.member@western-surgical.example.org", "Thomas Albrecht", MemberStatus.MEMBER, False, True
            ),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.CANDIDATE),
        ),
        member_count=36,
        statuses=((MemberStatus.MEMBER, 7), (MemberStatus.CANDIDATE, 3)),
        seed=1,
        email_domain="western-surgical.example.org",
    ),
    DemoOrganization(
        slug="lakeshore-anesthesiology",
        name="Lakeshore University Department of Anesthesiology",
        contact_email="faculty.affairs@lakeshore-anesthesiology.example.org",
        description=(
            "The Faculty Mentorship Program pairs every faculty member with a mentor in one of the "
            "department's hubs of scholarly excellence, grouped into affinity groups led by senior "
            "mentors. Faculty rank their top three hubs; the Office of Faculty Affairs finalizes pairings."
        ),
        model="hubs",
        named_people=(
            DemoPerson("coordinator@lakeshore-anesthesiology.example.org", "Marisol Vega", MemberStatus.FACULTY, True),
            DemoPerson(
                "committee@lakeshore-anesthesiology.example.org", "Kenji Watanabe", MemberStatus.FACULTY, False, True
            ),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.FACULTY),
        ),
        member_count=48,
        statuses=((MemberStatus.FACULTY, 1),),
        seed=2,
        email_domain="lakeshore-anesthesiology.example.org",
    ),
    DemoOrganization(
        slug="radonc-alumni",
        name="Radiation Oncology Alumni Mentoring Network",
        contact_email="alumni.mentoring@radonc-alumni.example.org",
        description=(
            "Alumni volunteer as virtual mentors and write a biosketch; trainees browse the "
            "biosketches and request a mentor with guidance from the program leads. Pairs sign an "
            "agreement, meet at least twice a year and re-assess after one year."
        ),
        model="self-select",
        named_people=(
            DemoPerson("coordinator@radonc-alumni.example.org", "Helen Marsh", MemberStatus.ALUMNI, True),
            DemoPerson("lead@radonc-alumni.example.org", "Arjun Mehta", MemberStatus.ALUMNI, True, True),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.ALUMNI),
        ),
        member_count=30,
        statuses=((MemberStatus.ALUMNI, 3), (MemberStatus.TRAINEE, 2)),
        seed=3,
        email_domain="radonc-alumni.example.org",
    ),
)


def _generated_people(org: DemoOrganization) -> list[DemoPerson]:
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


def _ensure_user(person: DemoPerson, password_hash: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name, "password": password_hash}
    )
    EmailAddress.objects.get_or_create(user=user, email=person.email, defaults={"verified": True, "primary": True})
    return user, created


@transaction.atomic
def seed_demo() -> dict:
    """Create (or complete) the three demo organizations. Returns what it created."""
    password_hash = make_password(DEMO_PASSWORD)  # hash once: 100+ users would take minutes
    created = {"organizations": 0, "users": 0, "memberships": 0}
    with scopes_disabled():
        for spec in ORGANIZATIONS:
            organization, org_created = Organization.objects.get_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "contact_email": spec.contact_email, "description": spec.description},
            )
            created["organizations"] += org_created
            for person in (*spec.named_people, *_generated_people(spec)):
                user, user_created = _ensure_user(person, password_hash)
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
