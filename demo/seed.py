"""The demo as a whole: the three organizations, their members, their programs and a year of their history."""

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from demo import alumni, department, society
from demo.common import DEMO_PASSWORD, MULTI_ORG_EMAIL, ensure_user, generated_people
from demo.history_seed import seed_history
from programs.models import (
    Membership,
    Organization,
    Program,
    ProgramModel,
)

ORGANIZATIONS = (society.ORGANIZATION, department.ORGANIZATION, alumni.ORGANIZATION)

PROGRAM_SLUGS = {
    "western-surgical": "mentorship",
    "lakeshore-anesthesiology": "faculty-mentorship",
    "radonc-alumni": "alumni-mentoring",
}

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
            program = Program.objects.get(organization=organization, slug=PROGRAM_SLUGS[spec.slug])
            seed_history(organization, program, spec, password_hash, created)
            if program.model == ProgramModel.COMMITTEE:
                society.seed_rankings(program)
    return created


# Who to sign in as to see each role with real data (README's table): (organization, role, email, name).
# The mentors and mentees are people of the demo's history (demo/cohort.py, demo/history_seed.py).
ROLE_SIGN_INS = (
    ("western-surgical", "mentor", "mentor@western-surgical.example.org", "Catherine Moreau"),
    ("western-surgical", "mentee", "mentee@western-surgical.example.org", "Diego Alvarez"),
    (
        "western-surgical",
        "mentee with an offer, at the past speed-mentoring event",
        "yusuf.gupta@western-surgical.example.org",
        "Yusuf Gupta",
    ),
    ("lakeshore-anesthesiology", "hub mentor", "chloe.agarwal@lakeshore-anesthesiology.example.org", "Chloe Agarwal"),
    ("lakeshore-anesthesiology", "mentee", "mentee@lakeshore-anesthesiology.example.org", "Aisha Rahman"),
    (
        "lakeshore-anesthesiology",
        "mentee with an offer",
        "new.mentee@lakeshore-anesthesiology.example.org",
        "Owen Fairbanks",
    ),
    (
        "lakeshore-anesthesiology",
        "circle facilitator (Early Career Circles)",
        "farid.hashemi@lakeshore-anesthesiology.example.org",
        "Farid Hashemi",
    ),
    (
        "lakeshore-anesthesiology",
        "circle member (Early Career Circles)",
        "isla.chen@lakeshore-anesthesiology.example.org",
        "Isla Chen",
    ),
    (
        "lakeshore-anesthesiology",
        "resident in a peer pairing (Resident Peer Mentoring)",
        "priya.nair@lakeshore-anesthesiology.example.org",
        "Priya Nair",
    ),
    ("radonc-alumni", "mentor", "mentor@radonc-alumni.example.org", "Margaret Lindholm"),
    ("radonc-alumni", "mentee", "mentee@radonc-alumni.example.org", "Tomasz Nowak"),
    ("radonc-alumni", "mentee with a request", "maya.adeyemi@radonc-alumni.example.org", "Maya Adeyemi"),
)


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(email, who, where) for the README and the seed command's output."""
    rows = []
    for spec in ORGANIZATIONS:
        for person in spec.named_people:
            if person.email == MULTI_ORG_EMAIL:
                continue
            role = "coordinator" if person.is_coordinator else "committee member" if person.is_committee else "member"
            rows.append((person.email, f"{person.full_name}, {role}", spec.name))
        for slug, role, email, name in ROLE_SIGN_INS:
            if slug == spec.slug:
                rows.append((email, f"{name}, {role}", spec.name))
    rows.append((MULTI_ORG_EMAIL, "Sam Rivera, member of all three", "all three (try the organization switcher)"))
    return rows
