"""Benchmark of privacy/services/exports.py: a member's data export (issue 20), not part of
the test suite.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_h4 .venv/bin/python benchmarks/privacy_export.py

The database named by BENCH_DATABASE_URL (default bench_privacy_export on the local
PostgreSQL) is DROPPED and created again, then migrated. It builds a member with a year of
history: 2 relationships (she is the mentee of one, the mentor of the other), 24 meetings
with agendas, summaries and both parties' private notes, 300 messages of which 20 carry a
100 KB attachment (random bytes: they do not compress), 6 goals with notes, 12 tasks,
4 quarterly reports, a signed agreement with its sealed PDF (60 KB), a named survey with
12 answers and an anonymous one, a profile with a CV (200 KB), notifications and audit
events. Then it runs the export three times (``build_zip``: every exporter, the ZIP in
memory) and once end to end (``run_export``: claimed, built, encrypted into private
storage, emailed), and reports the time, the ZIP's size and the query count.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCRATCH = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
os.environ["DEBUG"] = "1"
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ["MEDIA_ROOT"] = str(SCRATCH / "media")
os.environ.pop("REDIS_URL", None)
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_privacy_export"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


def _recreate_postgres(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


_recreate_postgres(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

import hashlib  # noqa: E402
import io  # noqa: E402
import zipfile  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

TEXT = (
    "We talked about the grant timeline, the first-author manuscript and how to ask the department "
    "for protected research time; next step is a draft of the specific aims. "
)


def build():
    from agreements.models import Agreement, AgreementStatus, Signature
    from programs.models import AuditEvent, Notification, Profile
    from relationships.models import (
        Conversation,
        FollowUpTask,
        Goal,
        GoalNote,
        Meeting,
        MeetingStatus,
        Message,
        PrivateNote,
    )
    from surveys.models import QuarterlyReport, Question, Survey, SurveyAnswer, SurveyResponse, SurveyWave
    from tests.factories import MembershipFactory, MentorshipFactory, OrganizationFactory, ProgramFactory

    org = OrganizationFactory(slug="bench")
    program = ProgramFactory(organization=org)
    nia = MembershipFactory(organization=org, user__full_name="Nia Mensah", user__email="nia@example.org")
    profile = Profile.objects.create(organization=org, membership=nia, bio=TEXT, city="Accra")
    profile.cv.save("cv.pdf", ContentFile(os.urandom(200_000)))
    now = timezone.now()
    pairs = [
        MentorshipFactory(program=program, mentee=nia, started_on=(now - timedelta(days=365)).date()),
        MentorshipFactory(program=program, mentor=nia, started_on=(now - timedelta(days=300)).date()),
    ]
    for pair in pairs:
        other = pair.mentor if pair.mentee_id == nia.pk else pair.mentee
        conversation = Conversation.objects.create(organization=org, mentorship=pair)
        attached = 0
        for i in range(12):
            meeting = Meeting.objects.create(
                organization=org,
                mentorship=pair,
                starts_at=now - timedelta(days=30 * i + 3),
                status=MeetingStatus.HELD,
                agenda=TEXT,
                agenda_by=nia,
                summary=TEXT * 2,
                logged_by=other,
            )
            PrivateNote.objects.create(organization=org, meeting=meeting, author=nia, text=TEXT)
            PrivateNote.objects.create(organization=org, meeting=meeting, author=other, text=TEXT)
        for i in range(150):
            author = nia if i % 2 else other
            message = Message(
                organization=org,
                conversation=conversation,
                author=author,
                body=TEXT,
                created_at=now - timedelta(hours=58 * i),
            )
            if author == nia and i % 7 == 1 and attached < 10:
                attached += 1
                message.attachment_name = f"draft-{i}.pdf"
                message.attachment.save("a.pdf", ContentFile(os.urandom(100_000)), save=False)
            message.save()
        for i in range(3):
            goal = Goal.objects.create(organization=org, mentorship=pair, title=f"Goal {i}: {TEXT[:60]}")
            GoalNote.objects.create(organization=org, goal=goal, author=nia, text=TEXT)
        for _ in range(6):
            FollowUpTask.objects.create(organization=org, mentorship=pair, owner=nia, description=TEXT[:120])
    for quarter in range(1, 5):
        QuarterlyReport.objects.create(
            organization=org,
            mentorship=pairs[0],
            year=2026,
            quarter=quarter,
            goals_achieved=TEXT,
            next_plans=TEXT,
            barriers=TEXT,
        )
    agreement = Agreement(
        organization=org,
        mentorship=pairs[0],
        title="Agreement",
        status=AgreementStatus.SIGNED,
        mentor_name=pairs[0].mentor.user.full_name,
        mentee_name="Nia Mensah",
        sections=[{"key": "goals", "heading": "Goals", "editable": True}],
        content={"goals": TEXT},
        signed_at=now,
    )
    agreement.content_hash = agreement.compute_hash()
    sealed = b"%PDF-1.7\n" + os.urandom(60_000)
    agreement.pdf.save("sealed.pdf", ContentFile(sealed), save=False)
    agreement.pdf_sha256 = hashlib.sha256(sealed).hexdigest()
    agreement.save()
    for who, role in ((pairs[0].mentor, "mentor"), (nia, "mentee")):
        Signature.objects.create(
            organization=org,
            agreement=agreement,
            signer=who,
            role=role,
            typed_name=who.user.full_name,
            content_hash=agreement.content_hash,
        )
    for anonymous in (False, True):
        survey = Survey.objects.create(organization=org, title="Check-in", anonymous=anonymous, status="active")
        questions = [
            Question.objects.create(organization=org, survey=survey, position=i, kind="text", text=f"Q{i}")
            for i in range(6)
        ]
        wave = SurveyWave.objects.create(organization=org, survey=survey, opens_on=now.date(), closes_on=now.date())
        for _ in range(2):
            response = SurveyResponse.objects.create(
                organization=org,
                survey=survey,
                wave=wave,
                role="mentee",
                respondent=None if anonymous else nia,
                submitted_on=now.date(),
            )
            for q in questions:
                SurveyAnswer.objects.create(organization=org, response=response, question=q, text=TEXT[:80])
    for i in range(200):
        Notification.objects.create(
            organization=org,
            recipient=nia,
            kind="message",
            category="message",
            title="A new message",
            path="/o/bench/",
            key=f"k{i}",
        )
        AuditEvent.objects.create(organization=org, actor=nia.user, action="meeting.logged", summary="Logged")
    return nia.user


def main() -> None:
    call_command("migrate", verbosity=0)
    from mentorship.celery import app

    app.conf.task_always_eager = True  # the email is rendered and handed to the mail backend in-process
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from privacy.models import DataExport
    from privacy.services import exports

    with scopes_disabled():
        user = build()
    settings.DEBUG = True
    times, sizes = [], []
    for _ in range(3):
        reset_queries()
        start = time.perf_counter()
        data = exports.build_zip(user)
        times.append(time.perf_counter() - start)
        sizes.append(len(data))
        queries = len(connection.queries)
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = [n for n in archive.namelist() if n.startswith("files/")]
    export = DataExport.objects.create(user=user)
    start = time.perf_counter()
    exports.run_export(export.pk)
    end_to_end = time.perf_counter() - start
    export.refresh_from_db()
    print(
        f"ZIP: {sizes[-1] / 1e6:.2f} MB, {len(archive.namelist())} entries ({len(files)} files), "
        f"data.json {archive.getinfo('data.json').file_size / 1e3:.0f} KB"
    )
    print(
        f"build_zip: median {statistics.median(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)}), "
        f"{queries} queries"
    )
    print(f"run_export end to end (build, encrypt, store, email): {end_to_end:.2f} s; stored {export.size} bytes")


if __name__ == "__main__":
    main()
