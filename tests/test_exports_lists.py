"""The lists' own CSV exports (issue 15): applicants, members and a program's mentorships,
with the list's filters and order, every page. Coordinators only, one organization only,
and for mentorships metadata only: nothing the pair wrote (meeting notes, agendas, goals,
check-ins) ever reaches the file."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django_scopes import scopes_disabled

from programs.models import ApplicationStatus, HubMentor, ProgramModel, Role
from relationships.models import Conversation, Goal, GoalNote, Meeting, Message, PrivateNote
from tests.factories import (
    ApplicationFactory,
    HubFactory,
    MembershipFactory,
    MentorshipFactory,
    ProgramFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

SECRETS = [
    "SECRET-MEETING-SUMMARY",
    "SECRET-AGENDA",
    "SECRET-GOAL-TITLE",
    "SECRET-GOAL-NOTE",
    "SECRET-PRIVATE-NOTE",
    "SECRET-LOCATION",
    "SECRET-MESSAGE",
    "SECRET-REPLY",
]


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def society(coordinator_a):
    return ProgramFactory(organization=coordinator_a.organization, slug="society", model=ProgramModel.HUBS)


@pytest.fixture
def pair_with_a_record(society):
    org = society.organization
    mentorship = MentorshipFactory(
        program=society,
        mentor__user__full_name="Dana Whitfield",
        mentor__user__email="dana@example.org",
        mentee__user__full_name="Nia Mensah",
        mentee__user__email="nia@example.org",
        started_on=date(2024, 3, 1),
        stage="understanding",
    )
    hub = HubFactory(affinity_group__program=society, name="Hub of trauma surgery")
    with scopes_disabled():
        HubMentor.objects.create(organization=org, hub=hub, membership=mentorship.mentor)
        held = Meeting.objects.create(
            organization=org,
            mentorship=mentorship,
            starts_at=datetime(2024, 4, 1, 9, tzinfo=UTC),
            status="held",
            summary="SECRET-MEETING-SUMMARY",
            agenda="SECRET-AGENDA",
            location="SECRET-LOCATION",
        )
        Meeting.objects.create(organization=org, mentorship=mentorship, starts_at=datetime(2024, 5, 1, 9, tzinfo=UTC))
        PrivateNote.objects.create(organization=org, meeting=held, author=mentorship.mentee, text="SECRET-PRIVATE-NOTE")
        goal = Goal.objects.create(organization=org, mentorship=mentorship, title="SECRET-GOAL-TITLE")
        Goal.objects.create(organization=org, mentorship=mentorship, title="Another goal", status="achieved")
        GoalNote.objects.create(organization=org, goal=goal, author=mentorship.mentee, text="SECRET-GOAL-NOTE")
        conversation = Conversation.objects.create(
            organization=org,
            mentorship=mentorship,
            message_count=2,
            last_message_at=datetime(2024, 5, 2, 9, tzinfo=UTC),
        )
        for text in ("SECRET-MESSAGE", "SECRET-REPLY"):
            Message.objects.create(organization=org, conversation=conversation, author=mentorship.mentee, body=text)
    return mentorship


def test_the_mentorships_csv_is_metadata_only(client, coordinator_a, society, pair_with_a_record, coordinator_b):
    other = MentorshipFactory(program=ProgramFactory(organization=coordinator_b.organization, slug="society"))
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/society/mentorships/export.csv")
    rows = _rows(response)
    assert rows[0] == [
        "Mentor",
        "Mentor email",
        "Mentee",
        "Mentee email",
        "Status",
        "Stage",
        "Started",
        "Planned end",
        "Ended",
        "Hub",
        "Meetings held",
        "Goals",
        "Goals achieved",
        "Messages",
        "Last message",
    ]
    assert len(rows) == 2
    mentorship = pair_with_a_record
    assert rows[1] == [
        "Dana Whitfield",
        "dana@example.org",
        "Nia Mensah",
        "nia@example.org",
        "Active",
        "Understanding",
        "2024-03-01",
        mentorship.planned_end_on.isoformat(),
        "",
        "Hub of trauma surgery",
        "1",
        "2",
        "1",
        "2",
        "2024-05-02",
    ]
    body = response.content.decode("utf-8-sig")
    for secret in SECRETS:
        assert secret not in body
    assert other.mentor.user.email not in body


def test_the_mentorships_csv_follows_the_list(client, coordinator_a, society):
    for mentor, status in (("Ann Ended", "ended"), ("Bea Active", "active"), ("Cal Paused", "paused")):
        MentorshipFactory(program=society, mentor__user__full_name=mentor, status=status)
    client.force_login(coordinator_a.user)
    live = _rows(client.get("/o/alpha/programs/society/mentorships/export.csv?sort=-mentor"))
    assert [row[0] for row in live[1:]] == ["Cal Paused", "Bea Active"]
    everything = _rows(client.get("/o/alpha/programs/society/mentorships/export.csv?all=1&sort=mentor"))
    assert [row[0] for row in everything[1:]] == ["Ann Ended", "Bea Active", "Cal Paused"]
    # The page links to the export with its filter and order.
    html = client.get("/o/alpha/programs/society/mentorships/?all=1&sort=-started").content.decode()
    assert "/o/alpha/programs/society/mentorships/export.csv?all=1&amp;sort=-started" in html


def test_the_applicants_csv(client, coordinator_a, society, coordinator_b):
    org = coordinator_a.organization
    for name, role, status in (
        ("Ada Mentee", Role.MENTEE, ApplicationStatus.SUBMITTED),
        ("Bo Mentor", Role.MENTOR, ApplicationStatus.ACCEPTED),
        ("Cy Mentee", Role.MENTEE, ApplicationStatus.WAITLISTED),
    ):
        ApplicationFactory(
            program=society,
            membership__user__full_name=name,
            role=role,
            status=status,
            eligible=True,
            submitted_at=datetime(2024, 1, 5, tzinfo=UTC),
            goals_statement="SECRET-GOALS-STATEMENT",
        )
    ApplicationFactory(program=society, membership__user__full_name="Dee Draft")  # a draft is not listed
    ApplicationFactory(
        program=ProgramFactory(organization=coordinator_b.organization, slug="society"),
        membership__user__full_name="Bravo Person",
        status=ApplicationStatus.SUBMITTED,
    )
    assert org.slug == "alpha"
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/society/applications/export.csv?role=mentee&sort=-applicant")
    rows = _rows(response)
    assert rows[0] == ["Name", "Email", "Role", "Status", "Eligibility", "Overridden", "Submitted", "Decided"]
    assert [row[0] for row in rows[1:]] == ["Cy Mentee", "Ada Mentee"]
    assert rows[1][2:] == ["Mentee", "Waitlisted", "eligible", "no", "2024-01-05", ""]
    body = response.content.decode("utf-8-sig")
    assert "SECRET-GOALS-STATEMENT" not in body and "Bravo Person" not in body and "Dee Draft" not in body
    everyone = _rows(client.get("/o/alpha/programs/society/applications/export.csv"))
    assert sorted(row[0] for row in everyone[1:]) == ["Ada Mentee", "Bo Mentor", "Cy Mentee"]


def test_the_members_csv(client, coordinator_a, coordinator_b):
    org = coordinator_a.organization
    MembershipFactory(organization=org, user__full_name="Zoe Trainee", user__email="zoe@example.org", status="trainee")
    MembershipFactory(organization=org, user__full_name="Al Faculty", user__email="al@example.org", status="faculty")
    MembershipFactory(organization=org, user__full_name="Rex Removed", status="trainee", is_active=False)
    MembershipFactory(organization=coordinator_b.organization, user__full_name="Bravo Member", status="trainee")
    client.force_login(coordinator_a.user)
    rows = _rows(client.get("/o/alpha/members/export.csv?status=trainee"))
    assert rows[0] == ["Name", "Email", "Member status", "Coordinator", "Committee", "Active", "Joined"]
    assert [row[:3] for row in rows[1:]] == [["Zoe Trainee", "zoe@example.org", "Trainee"]]
    with_removed = _rows(client.get("/o/alpha/members/export.csv?status=trainee&removed=1&sort=-name"))
    assert [row[0] for row in with_removed[1:]] == ["Zoe Trainee", "Rex Removed"]
    assert with_removed[2][5] == "no"
    everyone = _rows(client.get("/o/alpha/members/export.csv?sort=email"))
    emails = [row[1] for row in everyone[1:]]
    assert emails == sorted(emails) and "al@example.org" in emails
    assert all("Bravo" not in row[0] for row in everyone)


def test_a_bad_filter_refuses_the_export(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/members/export.csv?status=emperor")
    assert response.status_code == 400
    assert b"filter" in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/o/alpha/members/export.csv",
        "/o/alpha/programs/society/applications/export.csv",
        "/o/alpha/programs/society/mentorships/export.csv",
    ],
)
def test_only_coordinators_export(client, coordinator_a, society, coordinator_b, url):
    committee = MembershipFactory(organization=coordinator_a.organization, is_committee=True)
    member = MembershipFactory(organization=coordinator_a.organization)
    for person in (committee, member):
        client.force_login(person.user)
        assert client.get(url).status_code == 403
    client.force_login(coordinator_b.user)  # a coordinator of another organization
    assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get(url).status_code in (302, 403)
