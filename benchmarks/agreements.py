"""Benchmark of agreements/pdf.py: render + seal the PDF of signed agreements (not part
of the test suite).

    .venv/bin/python benchmarks/agreements.py        # 200 agreements
    .venv/bin/python benchmarks/agreements.py 50     # another count

Sets Django up itself against a scratch SQLite database (DEBUG=1, DATABASE_URL and
VAR_DIR in a temporary folder), migrates it, creates N signed agreements with the ORM
(two signatures and six audit events each) and renders + seals one PDF per agreement.
Reports the median / p95 time per PDF (and the sealing share), the PDF size and the
peak RSS of the process (resource.getrusage).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCRATCH = Path(tempfile.mkdtemp(prefix="bench-agreements-"))
os.environ["DEBUG"] = "1"
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ["MEDIA_ROOT"] = str(SCRATCH / "media")
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

GOALS = (
    "Submit a first-author manuscript on outcomes of the regional trauma registry by June; "
    "prepare a K-award application with a draft specific-aims page by September; present at "
    "the society's annual meeting."
)


def build(n: int) -> list[int]:
    from agreements.models import DEFAULT_SECTIONS, Agreement, AgreementEvent, Signature
    from mentorship.models import User
    from programs.models import Membership, Organization, Program
    from relationships.models import Mentorship

    with scopes_disabled():
        org = Organization.objects.create(name="Benchmark Surgical Society", slug="bench", contact_email="o@x.org")
        program = Program.objects.create(organization=org, name="Faculty Mentorship", slug="faculty")
        ids = []
        t0 = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)
        for i in range(n):
            mentor = Membership.objects.create(
                organization=org,
                user=User.objects.create(email=f"mentor{i}@example.org", full_name=f"Dr Mentor Number {i}"),
            )
            mentee = Membership.objects.create(
                organization=org,
                user=User.objects.create(email=f"mentee{i}@example.org", full_name=f"Dr Mentee Number {i}"),
            )
            mentorship = Mentorship.objects.create(
                organization=org,
                program=program,
                mentor=mentor,
                mentee=mentee,
                origin="proposal",
                started_on=date(2025, 1, 6),
                planned_end_on=date(2026, 1, 6),
            )
            content = {s["key"]: (f"{s['heading']}: " + GOALS) for s in DEFAULT_SECTIONS if s["editable"]}
            at = t0 + timedelta(hours=i)
            agreement = Agreement(
                organization=org,
                mentorship=mentorship,
                title="Mentoring Partnership Agreement",
                sections=DEFAULT_SECTIONS,
                content=content,
                status="signed",
                signed_at=at + timedelta(minutes=30),
            )
            agreement.content_hash = agreement.compute_hash()
            agreement.save()
            for k, (member, role) in enumerate(((mentor, "mentor"), (mentee, "mentee"))):
                when = at + timedelta(minutes=15 * (k + 1))
                Signature.objects.create(
                    organization=org,
                    agreement=agreement,
                    signer=member,
                    role=role,
                    typed_name=member.user.full_name,
                    signed_at=when,
                    ip_address="203.0.113.10",
                    user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
                    content_hash=agreement.content_hash,
                )
                for kind, minutes in (("consent", -10), ("edited", -5), ("signed", 0)):
                    AgreementEvent.objects.create(
                        organization=org,
                        agreement=agreement,
                        actor=member,
                        kind=kind,
                        at=when + timedelta(minutes=minutes),
                        ip_address="203.0.113.10",
                        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
                    )
            ids.append(agreement.pk)
    return ids


def main(n: int) -> None:
    from agreements.models import Agreement
    from agreements.pdf import render_unsealed_pdf, seal_material, seal_pdf, verify_pdf

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    ids = build(n)
    build_s = time.perf_counter() - t
    with scopes_disabled():
        seal_material()  # dev key generated once, outside the timings
        totals, seals, sizes = [], [], []
        last = b""
        for pk in ids:
            t = time.perf_counter()
            agreement = Agreement.objects.select_related(
                "mentorship__program__organization", "mentorship__mentor__user", "mentorship__mentee__user"
            ).get(pk=pk)
            unsealed = render_unsealed_pdf(agreement)
            t_seal = time.perf_counter()
            last = seal_pdf(unsealed, reason=f"content hash {agreement.content_hash}")
            done = time.perf_counter()
            totals.append(done - t)
            seals.append(done - t_seal)
            sizes.append(len(last))
        t = time.perf_counter()
        ok, _ = verify_pdf(last)
        verify_s = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    totals_sorted = sorted(totals)
    print(f"agreements: {n} (data built in {build_s:.1f} s)")
    print(
        f"render+seal per PDF: median {statistics.median(totals) * 1000:.0f} ms, "
        f"p95 {totals_sorted[int(0.95 * (n - 1))] * 1000:.0f} ms, max {totals_sorted[-1] * 1000:.0f} ms, "
        f"total {sum(totals):.1f} s"
    )
    print(f"sealing share: median {statistics.median(seals) * 1000:.0f} ms per PDF")
    print(f"PDF size: median {statistics.median(sizes) / 1024:.0f} KiB; verify_pdf {verify_s * 1000:.0f} ms ({ok})")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
