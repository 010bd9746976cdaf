"""The dashboard's meeting schedule worked out in SQL (surveys/schedule.py) gives what the
Python rule over every active pairing gave (the definition kept below as ``_reference``),
on a mixed data set: three cadences, first-meeting deadlines, held meetings near midnight
in the organization's zone, scheduled and cancelled meetings, senior reviews, paused and
ended pairings, two programs and another organization. Bounded queries, streamed CSVs."""

import csv
import io
import random
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programs.models import Cadence
from relationships.models import Meeting, MeetingStatus, Mentorship, MentorshipStatus, Origin, Stage
from surveys import dashboard
from surveys.rules import display_name
from surveys.schedule import due_state
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00", tick=False)]

ZONE = "America/Los_Angeles"


def _reference(organization, program, today) -> list[dict]:
    """The dashboard's former definition: every active pairing in Python, most overdue first."""
    from django.db.models import F, Max, Q

    rows = (
        Mentorship.objects.filter(organization=organization, status=MentorshipStatus.ACTIVE)
        .filter(**({"program": program} if program else {}))
        .annotate(last_held=Max("meetings__starts_at", filter=Q(meetings__status=MeetingStatus.HELD)))
        .values(
            "pk",
            "stage",
            "started_on",
            "origin",
            "program_id",
            "last_held",
            program_name=F("program__name"),
            cadence=F("program__meeting_cadence"),
            first_meeting_days=F("program__first_meeting_days"),
            mentor_name=F("mentor__user__full_name"),
            mentor_email=F("mentor__user__email"),
            mentee_name=F("mentee__user__full_name"),
            mentee_email=F("mentee__user__email"),
        )
        .order_by()
    )
    pairs = []
    for row in rows:
        state = due_state(
            started_on=row["started_on"],
            first_meeting_days=row["first_meeting_days"],
            cadence=row["cadence"],
            last_held=row.pop("last_held"),
            today=today,
            origin=row["origin"],
        )
        pairs.append(
            {
                **row,
                **state,
                "first_meeting": state["last_held_on"] is None and not state.get("senior"),
                "mentor": display_name(row["mentor_name"], row["mentor_email"]),
            }
        )
    pairs.sort(key=lambda p: (-p["days_overdue"], p["due_on"], p["pk"]))
    return pairs


@pytest.fixture
def mixed(org_a, org_b):
    rng = random.Random(20261120)
    programs = [
        ProgramFactory(
            organization=org_a, slug="monthly", name="Monthly", meeting_cadence=Cadence.MONTHLY, first_meeting_days=14
        ),
        ProgramFactory(
            organization=org_a,
            slug="twice",
            name="Twice a year",
            meeting_cadence=Cadence.TWICE_YEARLY,
            first_meeting_days=45,
        ),
        ProgramFactory(organization=org_a, slug="quarterly", name="quarterly (lower case)"),
    ]
    other = ProgramFactory(organization=org_b, slug="b", name="Bravo", meeting_cadence=Cadence.MONTHLY)
    today = timezone.localdate()
    la = timezone.get_fixed_timezone(-8 * 60)  # the zone's offset in November (PST)
    people = [MembershipFactory(organization=org_a) for _ in range(30)]
    with scopes_disabled():
        pairs = []
        for i in range(120):
            program = programs[i % 3]
            origin = Origin.SENIOR if i % 11 == 0 else rng.choice([Origin.PROPOSAL, Origin.REQUEST, Origin.MANUAL])
            status = rng.choices([MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.ENDED], [8, 1, 1])[
                0
            ]
            pair = Mentorship.objects.create(
                organization=org_a,
                program=program,
                mentor=people[i % 15],
                mentee=people[15 + i // 15],
                origin=origin,
                status=status,
                stage=rng.choice(Stage.values),
                started_on=today - timedelta(days=rng.randint(0, 800)),
                planned_end_on=today + timedelta(days=300),
                ended_at=timezone.now() if status == MentorshipStatus.ENDED else None,
                end_reason="no_fault" if status == MentorshipStatus.ENDED else "",
            )
            pairs.append(pair)
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                day = today - timedelta(days=rng.randint(0, 400))
                # Near midnight in the organization's zone: the UTC day differs from the local one.
                at = datetime.combine(day, rng.choice([time(0, 10), time(23, 50), time(12, 0)]), tzinfo=la)
                Meeting.objects.create(
                    organization=org_a,
                    mentorship=pair,
                    starts_at=at,
                    status=rng.choice(
                        [MeetingStatus.HELD, MeetingStatus.HELD, MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED]
                    ),
                    stage=pair.stage,
                )
        bravo = Mentorship.objects.create(
            organization=org_b,
            program=other,
            mentor=MembershipFactory(organization=org_b),
            mentee=MembershipFactory(organization=org_b),
            origin=Origin.PROPOSAL,
            started_on=today - timedelta(days=400),
            planned_end_on=today + timedelta(days=300),
        )
    return {"programs": programs, "pairs": pairs, "bravo": bravo}


def test_the_overdue_list_and_counts_match_the_python_rule(org_a, mixed, monkeypatch):
    for program in (None, *mixed["programs"]):
        _check(org_a, program, monkeypatch)


def _check(org_a, program, monkeypatch):
    with scope(organization=org_a), timezone.override(ZONE):
        today = timezone.localdate()
        expected = _reference(org_a, program, today)
        overdue = [p for p in expected if p["overdue"]]
        assert len(overdue) > 3 and (program or any(p.get("senior") for p in overdue))
        for shown in (3, 50):
            monkeypatch.setattr(dashboard, "OVERDUE_SHOWN", shown)
            data = dashboard.schedule(org_a, program, today)
            got = [(p["pk"], p["days_overdue"], p["due_on"], p["last_held_on"]) for p in data["overdue_shown"]]
            want = [(p["pk"], p["days_overdue"], p["due_on"], p["last_held_on"]) for p in overdue[:shown]]
            assert got == want
            first = [p for p in overdue if p["first_meeting"]]
            assert [p["pk"] for p in data["first_missed"]] == [p["pk"] for p in first[:shown]]
        assert data["active"] == len(expected)
        assert data["overdue_count"] == len(overdue)
        assert data["on_schedule"] == len(expected) - len(overdue)
        assert data["first_missed_count"] == len(first)
        by_program = {}
        for p in expected:
            entry = by_program.setdefault(p["program_name"], [0, 0])
            entry[0] += 1
            entry[1] += p["overdue"]
        assert {r["program"]: [r["active"], r["overdue"]] for r in data["programs"]} == by_program
        assert [r["program"] for r in data["programs"]] == sorted(by_program, key=str.lower)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming  # written while the cursor is read
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_csvs_stream_every_overdue_pair_in_order(client, org_a, coordinator_a, mixed):
    org_a.time_zone = ZONE
    org_a.save(update_fields=["time_zone"])
    client.force_login(coordinator_a.user)
    with scope(organization=org_a), timezone.override(ZONE):
        expected = [p for p in _reference(org_a, None, timezone.localdate()) if p["overdue"]]
    rows = _rows(client.get(f"/o/{org_a.slug}/health/overdue.csv"))
    assert [(r[0], r[6], r[7], r[8], int(r[9])) for r in rows[1:]] == [
        (
            p["mentor"],
            p["started_on"].isoformat(),
            p["last_held_on"].isoformat() if p["last_held_on"] else "",
            p["due_on"].isoformat(),
            p["days_overdue"],
        )
        for p in expected
    ]
    first = _rows(client.get(f"/o/{org_a.slug}/health/first-meetings.csv"))
    assert len(first) - 1 == sum(p["first_meeting"] for p in expected)
    schedule = _rows(client.get(f"/o/{org_a.slug}/health/schedule.csv"))
    assert schedule[-1][:4] == [
        "All programs",
        str(len(_active(org_a))),
        str(len(_active(org_a)) - len(expected)),
        str(len(expected)),
    ]


def _active(org):
    with scopes_disabled():
        return list(Mentorship.objects.filter(organization=org, status=MentorshipStatus.ACTIVE))


def test_the_schedule_runs_four_queries_whatever_the_data(org_a, mixed):
    with scope(organization=org_a):
        with CaptureQueriesContext(connection) as queries:
            dashboard.schedule(org_a)
        assert len(queries) == 4
        with CaptureQueriesContext(connection) as queries:
            dashboard.schedule(org_a, mixed["programs"][0])
        assert len(queries) == 4


def test_the_panels_are_kept_per_program_until_the_data_changes(client, org_a, coordinator_a, mixed):
    client.force_login(coordinator_a.user)
    url = f"/o/{org_a.slug}/health/"
    with CaptureQueriesContext(connection) as first:
        everything = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = client.get(url).content.decode()
    assert len(second) <= len(first) - 15  # the panels' queries do not run again
    assert again.split('aria-label="Choose a program"')[1] == everything.split('aria-label="Choose a program"')[1]
    monthly = client.get(url + "?program=monthly").content.decode()
    with scope(organization=org_a):
        only = dashboard.schedule(org_a, mixed["programs"][0])
    assert f"Overdue pairings ({only['overdue_count']})" in monthly
    assert f"Overdue pairings ({only['overdue_count']})" not in everything
    # Any write in the organization's data (here a pairing ended by a queryset update, no
    # signal) and the panels are computed again.
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    with scopes_disabled():
        Mentorship.objects.filter(organization=org_a).update(status=MentorshipStatus.ENDED)
    with CaptureQueriesContext(connection) as after_write:
        changed = client.get(url).content.decode()
    assert len(after_write) >= len(cached) + 15
    marker = 'aria-label="Choose a program"'
    assert changed.split(marker)[1] != everything.split(marker)[1]
