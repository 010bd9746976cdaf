"""Seed the load-test database: one organization of 10,000 members and 3,000 pairings.

    .venv/bin/python benchmarks/load/seed.py            # recreates BENCH_DATABASE_URL, migrates, seeds
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python benchmarks/load/seed.py

Not part of the test suite; `benchmarks/load/run.sh` calls it. The database named in
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_load) is DROPPED and
created again, then migrated and filled with the ORM (bulk_create, fixed random seed):

- organization ``load`` ("Load Test Society") with 10,000 members: 20 coordinators, 12
  committee members, 2,000 faculty (mentors), the rest candidates and trainees; every
  account has the password LOAD_PASSWORD (hashed once) and a verified primary email, so
  allauth's sign-in works for all of them;
- two published programs: ``society`` (committee model, quarterly) and ``alumni``
  (self-selection, twice a year);
- one submitted application per member and program role: 2,000 mentor and 7,968 mentee
  applications to ``society`` (the coordinators' list has ~200 pages of 50), 600 mentee
  and 400 mentor applications to ``alumni``, in every state;
- 3,000 pairings (2,400 society, 600 alumni; mentors hold one or two), 95% active, with
  0–6 held meetings each in the last two years (~9,000), an upcoming meeting for a third,
  1–3 goals each, a signed agreement for 70% and one awaiting signatures for 15%;
- 3,000 sent reminders over the last 12 weeks and 500 audit events.

Writes ``benchmarks/load/results/accounts.json`` (or $BENCH_ACCOUNTS): the organization
slug, program slugs, the password, the coordinators, and 400 pair members (200 mentees,
200 mentors of distinct pairings) with their mentorship ids.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-load-"))
# Production settings (DEBUG off), with throwaway secrets — the same values run.sh gives gunicorn.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8765")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=")
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ.pop("REDIS_URL", None)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_load"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

ORG_SLUG = "load"
LOAD_PASSWORD = "load-test-password-2026"
MEMBERS = 10_000
COORDINATORS = 20
COMMITTEE = 12
MENTORS = 2_000
PAIRINGS = 3_000
SAMPLE_PAIRS = 200


def _recreate_postgres(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


if not os.environ["DATABASE_URL"].startswith("postgres"):
    sys.exit("BENCH_DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/name).")
_recreate_postgres(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

FIRST = ["Amara", "Ben", "Carmen", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luis"]
LAST = ["Okafor", "Schmidt", "Novak", "Tanaka", "Haddad", "Moreau", "Silva", "Kowalski", "Nguyen", "Larsen"]


def _at(day, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build() -> dict:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from agreements.models import Agreement, AgreementStatus, Signature
    from mentorship.models import User
    from programs.models import (
        Application,
        ApplicationStatus,
        AuditEvent,
        Cadence,
        Membership,
        MemberStatus,
        Organization,
        Program,
        ProgramModel,
        Role,
    )
    from relationships.models import (
        Goal,
        GoalStatus,
        Meeting,
        MeetingStatus,
        Mentorship,
        MentorshipStatus,
        Origin,
        Stage,
    )
    from surveys.models import Reminder, ReminderKind, ReminderStatus

    rng = random.Random(8)
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(LOAD_PASSWORD)  # one PBKDF2 hash shared by every account

    org = Organization.objects.create(name="Load Test Society", slug=ORG_SLUG, contact_email="office@example.org")
    society = Program.objects.create(
        organization=org,
        name="Society Mentoring",
        slug="society",
        model=ProgramModel.COMMITTEE,
        meeting_cadence=Cadence.QUARTERLY,
        is_published=True,
        applications_open=now - timedelta(days=800),
        max_mentees_per_mentor=3,
    )
    alumni = Program.objects.create(
        organization=org,
        name="Alumni Network",
        slug="alumni",
        model=ProgramModel.SELF_SELECT,
        meeting_cadence=Cadence.TWICE_YEARLY,
        is_published=True,
        applications_open=now - timedelta(days=800),
        max_mentees_per_mentor=3,
    )

    users = User.objects.bulk_create(
        [
            User(
                email=f"member{i:05d}@example.org",
                full_name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}",
                password=password,
                date_joined=now - timedelta(days=900),
            )
            for i in range(MEMBERS)
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users], batch_size=2000
    )

    def status_of(i: int) -> str:
        if i < COORDINATORS + COMMITTEE + MENTORS:
            return MemberStatus.FACULTY
        return MemberStatus.TRAINEE if i % 3 else MemberStatus.CANDIDATE

    members = Membership.objects.bulk_create(
        [
            Membership(
                organization=org,
                user=user,
                status=status_of(i),
                is_coordinator=i < COORDINATORS,
                is_committee=COORDINATORS <= i < COORDINATORS + COMMITTEE,
                joined_at=now - timedelta(days=rng.randint(30, 900)),
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    coordinators = members[:COORDINATORS]
    first_mentor = COORDINATORS + COMMITTEE
    mentors = members[first_mentor : first_mentor + MENTORS]
    mentees = members[first_mentor + MENTORS :]

    # Pairings: 2,400 society + 600 alumni; mentor k mentors pairings k and k + 2,000 (if any).
    pairing_rows = []
    for i in range(PAIRINGS):
        program = alumni if i % 5 == 4 else society
        start = today - timedelta(days=rng.randint(0, 720))
        status = MentorshipStatus.ACTIVE if rng.random() < 0.95 else MentorshipStatus.PAUSED
        pairing_rows.append(
            Mentorship(
                organization=org,
                program=program,
                mentor=mentors[i % MENTORS],
                mentee=mentees[i],
                status=status,
                stage=rng.choice(Stage.values),
                origin=Origin.REQUEST if program is alumni else Origin.PROPOSAL,
                started_on=start,
                planned_end_on=start + timedelta(days=730),
                created_at=_at(start, 9),
            )
        )
    pairings = Mentorship.objects.bulk_create(pairing_rows, batch_size=2000)

    # Applications: every mentor and mentee applied to society; paired ones are accepted.
    paired = {p.mentee_id: p.program_id for p in pairings} | {p.mentor_id: p.program_id for p in pairings}
    other_states = [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
    ]
    applications = []

    def application(program, membership, role) -> Application:
        submitted = now - timedelta(days=rng.randint(1, 760), minutes=rng.randint(0, 1440))
        accepted = paired.get(membership.pk) == program.pk
        status = ApplicationStatus.ACCEPTED if accepted else rng.choice(other_states)
        return Application(
            organization=org,
            program=program,
            membership=membership,
            role=role,
            status=status,
            goals_statement="Grow as a clinician-researcher and plan the next career step.",
            meeting_modes=["video", "in_person"],
            capacity=2 if role == Role.MENTOR else None,
            principles_accepted=True,
            eligible=status != ApplicationStatus.INELIGIBLE,
            eligibility_reasons=[] if status != ApplicationStatus.INELIGIBLE else ["Member status not eligible."],
            eligibility_checked_at=submitted,
            decided_at=submitted + timedelta(days=10) if status in ("accepted", "declined", "waitlisted") else None,
            submitted_at=submitted,
            created_at=submitted - timedelta(hours=1),
        )

    for membership in mentors:
        applications.append(application(society, membership, Role.MENTOR))
    for membership in mentees:
        applications.append(application(society, membership, Role.MENTEE))
    for membership in mentors[:400]:
        applications.append(application(alumni, membership, Role.MENTOR))
    for p in pairings:
        if p.program_id == alumni.pk:
            applications.append(application(alumni, p.mentee, Role.MENTEE))
    Application.objects.bulk_create(applications, batch_size=2000)

    # Meetings: 0–6 held in the pairing's life, an upcoming one for a third of the pairs.
    meetings = []
    goals = []
    for p in pairings:
        span = max((today - p.started_on).days, 1)
        for _ in range(rng.randint(0, 6)):
            day = p.started_on + timedelta(days=rng.randint(0, span))
            meetings.append(
                Meeting(
                    organization=org,
                    mentorship=p,
                    scheduled_by=p.mentee,
                    starts_at=_at(day, rng.randint(8, 18)),
                    status=MeetingStatus.HELD,
                    held_minutes=60,
                    logged_by=p.mentee,
                    logged_at=_at(day, 20),
                    stage=p.stage,
                )
            )
        if rng.random() < 0.33:
            meetings.append(
                Meeting(
                    organization=org,
                    mentorship=p,
                    scheduled_by=p.mentee,
                    starts_at=_at(today + timedelta(days=rng.randint(1, 60))),
                )
            )
        for g in range(rng.randint(1, 3)):
            goals.append(
                Goal(
                    organization=org,
                    mentorship=p,
                    title=f"Goal {g + 1}: submit the first-author manuscript",
                    status=rng.choice(GoalStatus.values),
                    created_by=p.mentee,
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    Goal.objects.bulk_create(goals, batch_size=2000)

    # Agreements: 70% signed (both signatures), 15% awaiting the mentor's signature.
    sections = [
        {"key": "goals", "heading": "Goals", "editable": True},
        {"key": "confidentiality", "heading": "Confidentiality", "editable": False, "text": "We keep it private."},
    ]
    agreements, signed_pairs = [], []
    for p in pairings:
        roll = rng.random()
        if roll < 0.85:
            state = AgreementStatus.SIGNED if roll < 0.70 else AgreementStatus.AWAITING
            when = _at(p.started_on + timedelta(days=rng.randint(3, 30)))
            agreements.append(
                Agreement(
                    organization=org,
                    mentorship=p,
                    status=state,
                    title="Mentoring agreement",
                    program_name=p.program.name,
                    sections=sections,
                    content={"goals": "Publish, present, plan the next step."},
                    content_hash="0" * 64,
                    signed_at=when if state == AgreementStatus.SIGNED else None,
                )
            )
            signed_pairs.append((p, when))
    agreements = Agreement.objects.bulk_create(agreements, batch_size=2000)
    signatures = []
    for agreement, (p, when) in zip(agreements, signed_pairs, strict=True):
        signatures.append(
            Signature(
                organization=org,
                agreement=agreement,
                signer=p.mentee,
                role="mentee",
                typed_name="Mentee",
                signed_at=when,
                content_hash="0" * 64,
            )
        )
        if agreement.status == AgreementStatus.SIGNED:
            signatures.append(
                Signature(
                    organization=org,
                    agreement=agreement,
                    signer=p.mentor,
                    role="mentor",
                    typed_name="Mentor",
                    signed_at=when,
                    content_hash="0" * 64,
                )
            )
    Signature.objects.bulk_create(signatures, batch_size=2000)

    reminders = []
    for n in range(3000):
        p = pairings[n % PAIRINGS]
        sent = now - timedelta(days=rng.randint(0, 83), minutes=rng.randint(0, 1440))
        kind = rng.choice([ReminderKind.CHECKIN, ReminderKind.FIRST_MEETING, ReminderKind.SIGNATURE])
        reminders.append(
            Reminder(
                organization=org,
                recipient=p.mentee,
                program_id=p.program_id,
                mentorship=p,
                kind=kind,
                key=f"{kind}:{p.pk}:{p.mentee_id}:{n}",
                period=str(n),
                path=f"/o/{ORG_SLUG}/mentorships/{p.pk}/",
                status=ReminderStatus.SENT,
                sent_at=sent,
                created_at=sent,
            )
        )
    Reminder.objects.bulk_create(reminders, batch_size=2000)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                organization=org,
                actor=coordinators[n % COORDINATORS].user,
                action="application.decided",
                summary=f"Decided application {n}",
                created_at=now - timedelta(minutes=n * 37),
            )
            for n in range(500)
        ]
    )

    # If MFA is installed (required for coordinators), every coordinator gets a TOTP
    # authenticator; the load generator computes the codes from these secrets.
    totp_secrets = {}
    if "allauth.mfa" in settings.INSTALLED_APPS:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        for membership in coordinators:
            totp_secrets[membership.user.email] = generate_totp_secret()
            TOTP.activate(membership.user, totp_secrets[membership.user.email])

    sample = rng.sample(range(PAIRINGS), 2 * SAMPLE_PAIRS)
    pair_members = [
        {"email": pairings[i].mentee.user.email, "role": "mentee", "mentorship": pairings[i].pk}
        for i in sample[:SAMPLE_PAIRS]
    ] + [
        {"email": pairings[i].mentor.user.email, "role": "mentor", "mentorship": pairings[i].pk}
        for i in sample[SAMPLE_PAIRS:]
    ]
    rng.shuffle(pair_members)
    return {
        "organization": ORG_SLUG,
        "programs": [society.slug, alumni.slug],
        "application_pages": {
            society.slug: -(-sum(1 for a in applications if a.program_id == society.pk and a.status != "draft") // 50),
            alumni.slug: -(-sum(1 for a in applications if a.program_id == alumni.pk and a.status != "draft") // 50),
        },
        "mentorship_ids": [p.pk for p in pairings],
        "password": LOAD_PASSWORD,
        "coordinators": [{"email": m.user.email, "totp_secret": totp_secrets.get(m.user.email)} for m in coordinators],
        "pair_members": pair_members,
        "counts": {
            "members": len(members),
            "pairings": len(pairings),
            "applications": len(applications),
            "meetings": len(meetings),
            "goals": len(goals),
            "agreements": len(agreements),
            "reminders": len(reminders),
        },
    }


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    with scopes_disabled():
        accounts = build()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as autovacuum would have them in production
    out = Path(os.environ.get("BENCH_ACCOUNTS") or HERE / "results" / "accounts.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(accounts, indent=1))
    counts = ", ".join(f"{v:,} {k}" for k, v in accounts["counts"].items())
    print(
        f"seeded {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}: {counts} "
        f"(migrate {migrated - started:.0f} s, seed {time.perf_counter() - migrated:.0f} s); accounts in {out}"
    )


if __name__ == "__main__":
    main()
