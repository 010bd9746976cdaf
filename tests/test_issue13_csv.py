"""Issue 13, item 21: a carriage return in a name split a REDCap record into two rows.

Every CSV endpoint (found in the URL resolver, so a new one is covered without editing
this file) is downloaded twice: from an organization whose names and free texts are plain
and from one where the same texts carry CR, LF, CRLF, NUL, a tab or a formula prefix. Read
back with Python's csv module, both give the same number of rows, every row as wide as the
header, and the awkward text comes back whole in the cells where the plain one was.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus
from matching.models import Proposal, ProposalStatus, Response
from mentorship import csvexport
from programs.models import Cadence
from relationships.models import Mentorship
from surveys import redcap
from surveys.dashboard import CSV_TABLES
from surveys.models import Question, Reminder, ReminderKind, ReminderStatus, Survey, SurveyInvitation, SurveyWave
from surveys.periods import quarter_of
from surveys.services.answers import survey_submit
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PLAIN = "Dana Whitfield"
AWKWARD = {
    "CR": "Dana\rWhitfield",
    "LF": "Dana\nWhitfield",
    "CRLF": "Dana\r\nWhitfield",
    "NUL": "Dana\x00Whitfield",
    "tab": "Dana\tWhitfield",
    "formula": "=Dana Whitfield",
}
# The cell each comes back as: NUL is dropped, a formula is defused with a leading quote.
EXPECTED = {"NUL": "DanaWhitfield", "formula": "'=Dana Whitfield"}
# Endpoints that must carry the name (the test would prove nothing if none did).
MUST_CARRY = {"redcap_records", "reminder_log_csv", "program_reports_csv", "survey_results_csv", "health_csv"}


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, tzinfo=UTC), tick=True):
        yield


def _csv_patterns() -> dict[str, str]:
    """URL name -> route of every pattern serving a .csv file."""
    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.rstrip("$").endswith(".csv"):
                found[pattern.name] = route

    walk(get_resolver().url_patterns)
    return found


def _person(org, text: str, role: str):
    return MembershipFactory(organization=org, user__full_name=text, user__email=f"{role}-{org.slug}@example.org")


def _world(text: str, slug: str) -> dict:
    """One organization where every name and free text is ``text``: a pairing overdue for a
    meeting, one whose first meeting is missed, a stale offer, reminders sent, a submitted
    quarterly report and a named survey response."""
    org = OrganizationFactory(slug=slug, name=text)
    coordinator = MembershipFactory(organization=org, is_coordinator=True)
    program = ProgramFactory(
        organization=org, slug="society", name=text, meeting_cadence=Cadence.MONTHLY, quarterly_reports=True
    )
    mentor, mentee = _person(org, text, "mentor"), _person(org, text, "mentee")
    late_mentor, late_mentee = _person(org, text, "late-mentor"), _person(org, text, "late-mentee")
    today, now = timezone.localdate(), timezone.now()
    year, quarter = quarter_of(today)
    with scopes_disabled():
        pairs = [
            Mentorship.objects.create(
                organization=org,
                program=program,
                mentor=m,
                mentee=e,
                origin="proposal",
                started_on=today - timedelta(days=days),
                planned_end_on=today + timedelta(days=300),
            )
            for m, e, days in ((mentor, mentee, 200), (late_mentor, late_mentee, 60))
        ]
        Agreement.objects.create(
            organization=org, mentorship=pairs[0], status=AgreementStatus.SIGNED, title=text, signed_at=now
        )
        Proposal.objects.create(
            organization=org,
            program=program,
            mentor=_person(org, text, "offer-mentor"),
            mentee=_person(org, text, "offer-mentee"),
            status=ProposalStatus.OFFERED,
            offered_at=now - timedelta(days=20),
            mentor_response=Response.ACCEPTED,
        )
        for number, kind in enumerate((ReminderKind.CHECKIN, ReminderKind.SIGNATURE)):
            Reminder.objects.create(
                organization=org,
                recipient=mentor,
                program=program,
                kind=kind,
                key=f"{org.slug}:{number}",
                path="/",
                status=ReminderStatus.SENT,
                sent_at=now - timedelta(days=1),
            )
        pairs[0].quarterly_reports.create(
            organization=org,
            year=year,
            quarter=quarter,
            goals_achieved=text,
            next_plans=text,
            barriers=text,
            revision=1,
            mentor_confirmed_revision=1,
            mentee_confirmed_revision=1,
            submitted_at=now,
        )
        survey = Survey.objects.create(
            organization=org, program=program, title=text, anonymous=False, status="active", opens_on=today
        )
        question = Question.objects.create(organization=org, survey=survey, position=1, kind="text", text=text)
        wave = SurveyWave.objects.create(
            organization=org, survey=survey, opens_on=today, closes_on=today + timedelta(days=10)
        )
        invitation = SurveyInvitation.objects.create(
            organization=org, wave=wave, membership=mentee, role="mentee", program=program
        )
    with scopes_disabled():
        survey_submit(actor=mentee, invitation=invitation, answers={question.pk: text})
    return {"org": org, "coordinator": coordinator, "program": program, "survey": survey, "quarter": (year, quarter)}


def _urls(world) -> list[tuple[str, str]]:
    """(URL name, URL) of every CSV download of the world's organization, every variant."""
    values = {
        "org_slug": [world["org"].slug],
        "program_slug": [world["program"].slug],
        "pk": [world["survey"].pk],
        "table": sorted(CSV_TABLES),
    }
    urls = []
    for name, route in sorted(_csv_patterns().items()):
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        missing = [p for p in params if p not in values]
        assert not missing, f"{name} ({route}) needs {missing}: add them to this test"
        combos = [{}]
        for param in params:
            combos = [{**combo, param: value} for combo in combos for value in values[param]]
        for kwargs in combos:
            url = reverse(name, kwargs=kwargs)
            queries = {"": [""], "survey_results_csv": ["", "?kind=responses"]}.get(name, [""])
            if name == "program_reports_csv":
                queries = ["?quarter={}-{}".format(*world["quarter"])]
            urls.extend((name, url + query) for query in queries)
    return urls


def _download(client, world) -> dict[str, list[list[str]]]:
    client.force_login(world["coordinator"].user)
    tables = {}
    for name, url in _urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        text = response.getvalue().decode("utf-8-sig")
        key = url.split(world["org"].slug, 1)[1].replace(f"/{world['survey'].pk}/", "/<survey>/")
        tables[(name, key)] = list(csv.reader(io.StringIO(text, newline="")))
    return tables


def test_the_csv_endpoints_are_discovered():
    assert {"redcap_records", "redcap_dictionary", "health_csv", "reminder_log_csv"} <= set(_csv_patterns())
    assert {"program_reports_csv", "survey_results_csv", "roster_template"} <= set(_csv_patterns())


@pytest.mark.parametrize("kind", AWKWARD)
def test_every_csv_reads_back_with_the_same_rows_whatever_the_names_hold(client, kind):
    value = AWKWARD[kind]
    if "\x00" in value and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL stores no NUL in text (forms refuse it); the writer's own test covers it")
    plain = _download(client, _world(PLAIN, "plain"))
    awkward = _download(client, _world(value, "awkward"))
    expected = EXPECTED.get(kind, value)
    assert plain.keys() == awkward.keys()
    carried = set()
    for key, plain_rows in plain.items():
        rows = awkward[key]
        assert len(rows) == len(plain_rows), (key, rows)
        assert all(len(row) == len(rows[0]) for row in rows), (key, rows)
        plain_cells = sum(cell == PLAIN for row in plain_rows for cell in row)
        awkward_cells = sum(cell == expected for row in rows for cell in row)
        assert awkward_cells == plain_cells, (key, rows)
        if plain_cells:
            carried.add(key[0])
    assert carried >= MUST_CARRY


@pytest.mark.parametrize("kind", AWKWARD)
def test_the_csv_writers_quote_line_breaks_whatever_the_line_ending(kind):
    value = AWKWARD[kind]
    expected = EXPECTED.get(kind, value)
    rows = [[1, value, "x"], [2, "plain", value]]
    response = csvexport.csv_response("t.csv", ["id", "a", "b"], rows)
    out = io.StringIO()
    redcap.write_csv(out, ["id", "a", "b"], rows)
    for text in (response.content.decode("utf-8-sig"), out.getvalue()):
        assert list(csv.reader(io.StringIO(text, newline=""))) == [
            ["id", "a", "b"],
            ["1", expected, "x"],
            ["2", "plain", expected],
        ]
