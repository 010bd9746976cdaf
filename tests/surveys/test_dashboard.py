"""The program-health dashboard: each panel's numbers on a known dataset, metadata only,
tenant isolation, roles, CSV tables, the REDCap export, and bounded queries."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementStatus
from matching.models import MentorshipRequest, Proposal, ProposalStatus, Response
from programs.models import ApplicationStatus, Cadence, Membership, Role
from relationships.models import Meeting, MeetingStatus, Mentorship
from surveys import dashboard, redcap
from surveys.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

SUMMARY_MARKER = "SUMMARY-MARKER-7f3a"
AGENDA_MARKER = "AGENDA-MARKER-9c1d"


def _pair(org, program, mentor_name, mentee_name, *, started_days_ago, status="active", stage="exploration"):
    mentor = MembershipFactory(organization=org, user__full_name=mentor_name)
    mentee = MembershipFactory(organization=org, user__full_name=mentee_name)
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            status=status,
            stage=stage,
            started_on=timezone.localdate() - timedelta(days=started_days_ago),
            planned_end_on=timezone.localdate() + timedelta(days=300),
            ended_at=timezone.now() - timedelta(days=3) if status == "ended" else None,
            end_reason="no_fault" if status == "ended" else "",
        )


def _held(pair, days_ago, **text):
    with scopes_disabled():
        return Meeting.objects.create(
            organization=pair.organization,
            mentorship=pair,
            starts_at=timezone.now() - timedelta(days=days_ago),
            status=MeetingStatus.HELD,
            stage=pair.stage,
            **text,
        )


def _agreement(pair, status, *, updated_days_ago=0):
    with scopes_disabled():
        agreement = Agreement.objects.create(
            organization=pair.organization,
            mentorship=pair,
            status=status,
            title="Mentoring Partnership Agreement",
            signed_at=timezone.now() - timedelta(days=5) if status == AgreementStatus.SIGNED else None,
        )
        Agreement.objects.filter(pk=agreement.pk).update(updated_at=timezone.now() - timedelta(days=updated_days_ago))
    return agreement


@pytest.fixture
def data(org_a, org_b, coordinator_a):
    """A society program (monthly, first meeting within 30 days) with: one pair overdue
    after a meeting, one on schedule, one whose first meeting is missed, one ended; a
    proposal awaiting the committee and a stale offer; applications; reminders."""
    program = ProgramFactory(
        organization=org_a, slug="society", name="Society Program", meeting_cadence=Cadence.MONTHLY
    )
    overdue = _pair(org_a, program, "Olivia Overdue", "Oscar Late", started_days_ago=200, stage="understanding")
    _held(overdue, 100, summary=f"We talked about {SUMMARY_MARKER}", agenda=f"Plan: {AGENDA_MARKER}")
    _held(overdue, 150)
    _agreement(overdue, AgreementStatus.SIGNED)
    fine = _pair(org_a, program, "Fiona Fine", "Felix Prompt", started_days_ago=20)
    _agreement(fine, AgreementStatus.AWAITING, updated_days_ago=10)
    missed = _pair(org_a, program, "Mona Missed", "Milo Absent", started_days_ago=60)
    _agreement(missed, AgreementStatus.SIGNED)
    ended = _pair(org_a, program, "Erin Ended", "Eli Done", started_days_ago=400, status="ended")
    committee_mentor = MembershipFactory(organization=org_a, user__full_name="Cara Committee")
    offer_mentor = MembershipFactory(organization=org_a, user__full_name="Sam Stale")
    offer_mentee = MembershipFactory(organization=org_a, user__full_name="Stella Waiting")
    with scopes_disabled():
        Proposal.objects.create(
            organization=org_a,
            program=program,
            mentor=committee_mentor,
            mentee=fine.mentee,
            status=ProposalStatus.PROPOSED,
        )
        Proposal.objects.create(
            organization=org_a,
            program=program,
            mentor=offer_mentor,
            mentee=offer_mentee,
            status=ProposalStatus.OFFERED,
            offered_at=timezone.now() - timedelta(days=10),
            mentor_response=Response.ACCEPTED,
        )
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT):
        ApplicationFactory(program=program, status=status)
    ApplicationFactory(program=program, status=ApplicationStatus.ACCEPTED, role=Role.MENTOR)
    with scopes_disabled():
        for kind, status in (
            (ReminderKind.CHECKIN, ReminderStatus.SENT),
            (ReminderKind.CHECKIN, ReminderStatus.SENT),
            (ReminderKind.SIGNATURE, ReminderStatus.SENT),
            (ReminderKind.CHECKIN, ReminderStatus.PENDING),
        ):
            Reminder.objects.create(
                organization=org_a,
                recipient=overdue.mentor,
                program=program,
                kind=kind,
                key=f"{kind}:{Reminder.objects.count()}",
                path="/",
                status=status,
                sent_at=timezone.now() - timedelta(days=1) if status == ReminderStatus.SENT else None,
            )
    # Another tenant's data never counts.
    program_b = ProgramFactory(organization=org_b, slug="society", name="Bravo Program")
    bravo = _pair(org_b, program_b, "Bravo Mentor", "Bravo Mentee", started_days_ago=300)
    _held(bravo, 200)
    ApplicationFactory(program=program_b, status=ApplicationStatus.SUBMITTED)
    return {"program": program, "overdue": overdue, "fine": fine, "missed": missed, "ended": ended}


def _url(org, name="", **params):
    base = f"/o/{org.slug}/health/{name}"
    if params:
        base += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return base


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


# --- Panels ---------------------------------------------------------------------------------


def test_each_panel_counts_the_known_dataset(org_a, data):
    with scope(organization=org_a):
        health = dashboard.health(org_a)
    cards = health["cards"]
    assert cards == {
        "applicants": 3,  # two submitted mentees and an accepted mentor; the draft does not count
        "awaiting_committee": 1,
        "awaiting_consent": 1,
        "active": 3,
        "on_schedule_percent": 33.3,
        "first_missed": 1,
        "unsigned": 1,
        "reminders_30": 3,
    }
    schedule = health["schedule"]
    assert (schedule["active"], schedule["on_schedule"], schedule["overdue_count"]) == (3, 1, 2)
    first, second = schedule["overdue"]
    assert first["pk"] == data["overdue"].pk  # most overdue first
    assert first["days_overdue"] == 70  # last held 100 days ago + 30 (monthly) → 70 days late
    assert first["last_held_on"] == timezone.localdate() - timedelta(days=100)
    assert first["stage_label"] == "Understanding"
    assert second["pk"] == data["missed"].pk and second["first_meeting"] and second["days_overdue"] == 30
    assert [p["pk"] for p in schedule["first_missed"]] == [data["missed"].pk]
    assert schedule["programs"] == [
        {"program": "Society Program", "active": 3, "on_schedule": 1, "overdue": 2, "percent": 33.3}
    ]

    stages = {row["stage"]: row for row in health["stages"]["rows"]}
    assert stages["exploration"]["active"] == 2 and stages["understanding"]["active"] == 1
    assert health["stages"]["ended"] == 1
    assert {r["key"]: r["count"] for r in health["agreements"]["rows"]} == {
        "signed": 2,
        "awaiting": 1,
        "draft": 0,
        "none": 0,
    }
    assert {r["key"]: r["count"] for r in health["proposals"]["rows"]}["consent_mentee"] == 1
    apps = {r["status"]: r for r in health["applications"]["rows"]}
    assert apps["submitted"]["mentees"] == 2 and apps["accepted"]["mentors"] == 1 and apps["draft"]["total"] == 1

    stale = health["stale"]
    kinds = sorted((i["kind"], i["mentee"], i["waiting_on"]) for i in stale["items"])
    assert kinds == [
        ("Agreement v1 signature", "Felix Prompt", "mentor and mentee"),
        ("Pairing offer", "Stella Waiting", "mentee"),
    ]
    assert stale["items"][0]["days_waiting"] == 10

    reminders = health["reminders"]
    assert reminders["total"] == 3
    assert {r["kind"]: r["count"] for r in reminders["kinds"]} == {"checkin": 2, "signature": 1}
    assert sum(r["count"] for r in reminders["weeks"]) == 3 and len(reminders["weeks"]) == 12


def test_a_stale_open_request_is_listed(org_a, data):
    program = data["program"]
    with scopes_disabled():
        MentorshipRequest.objects.create(
            organization=org_a,
            program=program,
            mentee=data["fine"].mentee,
            mentor=data["missed"].mentor,
            message="Would you mentor me?",
            created_at=timezone.now() - timedelta(days=10),
            expires_at=timezone.now() + timedelta(days=4),
        )
        MentorshipRequest.objects.create(
            organization=org_a,
            program=program,
            mentee=data["fine"].mentee,
            mentor=data["overdue"].mentor,
            message="A fresh request",
            expires_at=timezone.now() + timedelta(days=14),
        )
    with scope(organization=org_a):
        stale = dashboard.stale(org_a)
        proposals = dashboard.proposals(org_a)
    requests = [i for i in stale["items"] if i["kind"].startswith("Mentoring request")]
    assert [(i["mentor"], i["days_waiting"]) for i in requests] == [("Mona Missed", 10)]
    assert proposals["open_requests"] == 2


def test_the_program_filter_counts_one_program(org_a, data):
    other = ProgramFactory(organization=org_a, slug="alumni", name="Alumni Program")
    _pair(org_a, other, "Alma Alumna", "Abe Alumnus", started_days_ago=5)
    with scope(organization=org_a):
        assert dashboard.health(org_a)["cards"]["active"] == 4
        only = dashboard.health(org_a, other)
    assert only["cards"]["active"] == 1 and only["cards"]["awaiting_committee"] == 0
    assert only["schedule"]["percent"] == 100.0
    assert only["reminders"]["total"] == 0


# --- The page ---------------------------------------------------------------------------------


def test_the_coordinator_sees_the_dashboard_with_metadata_only(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    response = client.get(_url(org_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Olivia Overdue" in html and "Oscar Late" in html
    assert f"/o/alpha/mentorships/{data['overdue'].pk}/" in html
    assert "<svg" in html and 'role="img"' in html
    assert "33.3%" in html
    for marker in (SUMMARY_MARKER, AGENDA_MARKER):
        assert marker not in html
    assert "Bravo" not in html
    assert 'style="' not in html and "<script>" not in html  # the CSP allows neither


def test_the_empty_dashboard_says_what_to_do_next(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    html = client.get(_url(org_a)).content.decode()
    assert "No pairings yet — run a match round or open requests." in html
    assert "No applications yet" in html
    assert "No survey answers yet" in html


def test_without_the_satisfaction_selector_the_panel_is_empty(client, org_a, coordinator_a, data, monkeypatch):
    monkeypatch.delattr("surveys.services.results.satisfaction_by_month")
    client.force_login(coordinator_a.user)
    response = client.get(_url(org_a))
    assert response.status_code == 200
    assert "No survey answers yet" in response.content.decode()
    with scope(organization=org_a):
        assert dashboard.satisfaction(org_a) == {"points": [], "has_data": False, "available": False, "scale": 10}


def test_an_unknown_program_in_the_filter_is_reported(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    response = client.get(_url(org_a, program="nope"))
    assert response.status_code == 200
    assert "There is no such program" in response.content.decode()
    assert client.get(_url(org_a, "overdue.csv", program="nope")).status_code == 404
    assert client.get(_url(org_a, "redcap/records.csv", program="nope")).status_code == 404


ALL_URLS = [
    "",
    *[f"{name}.csv" for name in dashboard.CSV_TABLES],
    "redcap/",
    "redcap/records.csv",
    "redcap/dictionary.csv",
]


def test_a_plain_member_gets_403(client, org_a, member_a, data):
    client.force_login(member_a.user)
    for name in ALL_URLS:
        assert client.get(_url(org_a, name)).status_code == 403, name


def test_a_coordinator_of_another_organization_gets_404(client, org_a, coordinator_b, data):
    client.force_login(coordinator_b.user)
    for name in ALL_URLS:
        response = client.get(_url(org_a, name))
        assert response.status_code == 404, name
        assert b"Olivia" not in response.content


def test_org_b_sees_only_its_own_pairs(client, org_b, coordinator_b, data):
    client.force_login(coordinator_b.user)
    html = client.get(_url(org_b)).content.decode()
    assert "Bravo Mentor" in html and "Olivia" not in html
    rows = _csv(client.get(_url(org_b, "overdue.csv")))
    assert [r[0] for r in rows[1:]] == ["Bravo Mentor"]
    records = _csv(client.get(_url(org_b, "redcap/records.csv")))
    assert len(records) == 2 and "Olivia Overdue" not in str(records)


# --- CSV --------------------------------------------------------------------------------------


def test_every_table_downloads_as_csv_without_private_text(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    for name in dashboard.CSV_TABLES:
        response = client.get(_url(org_a, f"{name}.csv"))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert re.fullmatch(
            rf'attachment; filename="{name}-alpha-\d{{4}}-\d{{2}}-\d{{2}}\.csv"', response["Content-Disposition"]
        )
        body = response.getvalue().decode("utf-8-sig")
        assert SUMMARY_MARKER not in body and AGENDA_MARKER not in body and "Bravo" not in body
    assert client.get(_url(org_a, "nonsense.csv")).status_code == 404


def test_the_overdue_csv_lists_every_overdue_pair(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    rows = _csv(client.get(_url(org_a, "overdue.csv")))
    assert rows[0] == [
        "mentor",
        "mentor email",
        "mentee",
        "mentee email",
        "program",
        "stage",
        "started on",
        "last held meeting",
        "due on",
        "days overdue",
    ]
    assert [(r[0], r[2], r[-1]) for r in rows[1:]] == [
        ("Olivia Overdue", "Oscar Late", "70"),
        ("Mona Missed", "Milo Absent", "30"),
    ]
    assert rows[1][7] == (timezone.localdate() - timedelta(days=100)).isoformat()
    first = _csv(client.get(_url(org_a, "first-meetings.csv")))
    assert [(r[0], r[-1]) for r in first[1:]] == [("Mona Missed", "30")]
    filtered = _csv(client.get(_url(org_a, "schedule.csv", program="society")))
    assert filtered[-1] == ["All programs", "3", "1", "2", "33.3"]


def test_csv_cells_cannot_run_as_formulas(client, org_a, coordinator_a, data):
    with scopes_disabled():
        get_user_model().objects.filter(pk=data["overdue"].mentor.user_id).update(full_name="=HYPERLINK(1)")
    client.force_login(coordinator_a.user)
    rows = _csv(client.get(_url(org_a, "overdue.csv")))
    assert rows[1][0] == "'=HYPERLINK(1)"
    records = _csv(client.get(_url(org_a, "redcap/records.csv")))
    assert "'=HYPERLINK(1)" in [cell for row in records for cell in row]


# --- REDCap -----------------------------------------------------------------------------------


def test_the_redcap_dictionary_follows_redcaps_format(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    response = client.get(_url(org_a, "redcap/dictionary.csv"))
    assert response.status_code == 200
    assert not response.content.startswith(b"\xef\xbb\xbf")  # no BOM in REDCap's header
    assert 'filename="redcap-dictionary-alpha-' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == redcap.DICTIONARY_HEADER and len(rows[0]) == 18
    assert rows[0][0] == "Variable / Field Name" and rows[0][-1] == "Field Annotation"
    fields = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert rows[1][0] == "record_id"
    for name, row in fields.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,25}", name), name
        assert row["Form Name"] == "mentorship"
        assert row["Field Type"] in {"text", "dropdown", "yesno"}
        if row["Field Type"] == "dropdown":
            assert re.fullmatch(r"\d+, [^|]+( \| \d+, [^|]+)*", row["Choices, Calculations, OR Slider Labels"]), name
    assert (
        fields["status"]["Choices, Calculations, OR Slider Labels"] == "1, Active | 2, Paused | 3, Concluded | 4, Ended"
    )
    assert fields["program"]["Choices, Calculations, OR Slider Labels"] == f"{data['program'].pk}, Society Program"
    for name in ("mentor_name", "mentor_email", "mentee_name", "mentee_email"):
        assert fields[name]["Identifier?"] == "y"
    assert fields["status"]["Identifier?"] == ""
    for name in ("started_on", "planned_end_on", "ended_on", "first_meeting_on", "last_meeting_on"):
        assert fields[name]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert fields["meetings_held"]["Text Validation Type OR Show Slider Number"] == "integer"


def test_redcap_records_match_the_dictionary(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    dictionary = _csv(client.get(_url(org_a, "redcap/dictionary.csv")))
    fields = {row[0]: dict(zip(dictionary[0], row, strict=True)) for row in dictionary[1:]}
    response = client.get(_url(org_a, "redcap/records.csv"))
    assert response.status_code == 200 and 'filename="redcap-records-alpha-' in response["Content-Disposition"]
    rows = _csv(response)
    header, records = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[0] == "record_id"
    assert all(column in fields for column in header)  # every column is a dictionary variable
    assert header == list(fields)  # in the dictionary's order
    for record in records:
        for name, value in record.items():
            if value == "":
                continue
            field = fields[name]
            if field["Field Type"] == "dropdown":
                codes = {c.split(",")[0].strip() for c in field["Choices, Calculations, OR Slider Labels"].split("|")}
                assert value in codes, (name, value)
            elif field["Field Type"] == "yesno":
                assert value in {"0", "1"}
            elif field["Text Validation Type OR Show Slider Number"] == "date_ymd":
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (name, value)
            elif field["Text Validation Type OR Show Slider Number"] == "integer":
                assert value.isdigit()
    by_id = {int(r["record_id"]): r for r in records}
    assert set(by_id) == {data[k].pk for k in ("overdue", "fine", "missed", "ended")}
    overdue = by_id[data["overdue"].pk]
    assert overdue["mentor_name"] == "Olivia Overdue" and overdue["status"] == "1" and overdue["stage"] == "2"
    assert overdue["meetings_held"] == "2" and overdue["on_schedule"] == "0" and overdue["days_overdue"] == "70"
    assert overdue["last_meeting_on"] == (timezone.localdate() - timedelta(days=100)).isoformat()
    assert overdue["first_meeting_on"] == (timezone.localdate() - timedelta(days=150)).isoformat()
    assert overdue["agreement_signed_on"] == (timezone.localdate() - timedelta(days=5)).isoformat()
    assert by_id[data["fine"].pk]["on_schedule"] == "1" and by_id[data["fine"].pk]["agreement_signed_on"] == ""
    ended = by_id[data["ended"].pk]
    assert ended["status"] == "4" and ended["end_reason"] == "1" and ended["on_schedule"] == ""
    assert ended["ended_on"] == (timezone.localdate() - timedelta(days=3)).isoformat()
    body = response.content.decode()
    assert SUMMARY_MARKER not in body and AGENDA_MARKER not in body


def test_the_redcap_page_explains_the_import(client, org_a, coordinator_a, data):
    client.force_login(coordinator_a.user)
    html = client.get(_url(org_a, "redcap/", program="society")).content.decode()
    assert "Upload the data dictionary first" in html
    assert "/o/alpha/health/redcap/dictionary.csv" in html
    assert "/o/alpha/health/redcap/records.csv?program=society" in html


# --- Bounded queries --------------------------------------------------------------------------

MAX_QUERIES = 24  # 19 today: session, user, membership, then the panels


def _grow(org, program, total: int) -> None:
    """Pairings up to ``total`` (mentors × mentees from bulk-created people), with a held
    meeting for every fifth one."""
    User = get_user_model()
    with scopes_disabled():
        existing = Mentorship.objects.filter(organization=org).count()
        missing = total - existing
        side = int(missing**0.5) + 1
        users = User.objects.bulk_create(
            [
                User(email=f"bulk{existing}-{i}@example.org", full_name=f"Bulk Person {existing}-{i}")
                for i in range(2 * side)
            ]
        )
        members = Membership.objects.bulk_create([Membership(organization=org, user=u) for u in users])
        mentors, mentees = members[:side], members[side:]
        today = timezone.localdate()
        pairs = [
            Mentorship(
                organization=org,
                program=program,
                mentor=mentor,
                mentee=mentee,
                origin="proposal",
                started_on=today - timedelta(days=(i % 90)),
                planned_end_on=today + timedelta(days=300),
            )
            for i, (mentor, mentee) in enumerate((m, e) for m in mentors for e in mentees)
            if i < missing
        ]
        pairs = Mentorship.objects.bulk_create(pairs, batch_size=2000)
        if not pairs[0].pk:
            pairs = list(Mentorship.objects.filter(organization=org).order_by("-pk")[: len(pairs)])
        Meeting.objects.bulk_create(
            [
                Meeting(
                    organization=org,
                    mentorship=pair,
                    starts_at=timezone.now() - timedelta(days=20 + i % 40),
                    status=MeetingStatus.HELD,
                )
                for i, pair in enumerate(pairs)
                if i % 5 == 0
            ],
            batch_size=2000,
        )
        assert Mentorship.objects.filter(organization=org).count() == total


def _count_queries(client, url) -> int:
    cache.clear()  # the panels are kept until the data changes: count a computed page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_runs_the_same_queries_at_10_and_10000_pairings(
    client, org_a, coordinator_a, django_assert_max_num_queries
):
    program = ProgramFactory(organization=org_a, slug="society", name="Society Program")
    client.force_login(coordinator_a.user)
    _grow(org_a, program, 10)
    small = _count_queries(client, _url(org_a))
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(_url(org_a, program="society"))
    _grow(org_a, program, 10_000)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(_url(org_a))
    assert response.status_code == 200
    assert _count_queries(client, _url(org_a)) == small
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(_url(org_a, "overdue.csv")).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        records = client.get(_url(org_a, "redcap/records.csv"))
    assert len(_csv(records)) == 10_001
    with scope(organization=org_a):
        assert dashboard.stages(org_a)["active"] == 10_000


def test_redcap_choice_labels_cannot_break_the_choice_list(org_a, data):
    ProgramFactory(organization=org_a, slug="odd", name="Research | Clinical\nTrack")
    with scope(organization=org_a):
        fields = {f.name: f for f in redcap.fields(org_a)}
    assert all(redcap.VARIABLE.fullmatch(name) for name in fields)
    assert fields["program"].choices_text().count("|") == 1
    assert "Research / Clinical/Track" in fields["program"].choices_text()
