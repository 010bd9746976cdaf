"""Every coordinator list sorts by each of its columns, both ways (issue 15): the rows come
in the column's order, ties broken by creation (the primary key), the other way round with
``-key``; an unknown key shows the default order, never an error."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django_scopes import scopes_disabled

from matching.models import MentorshipRequest, Proposal
from programs.models import ApplicationStatus, ProgramModel, Role
from surveys.models import Feedback, Reminder, Survey
from tests.factories import (
    ApplicationFactory,
    InvitationFactory,
    MembershipFactory,
    MentorshipFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

NAMES = ["Aaron Able", "Bella Brook", "Cyrus Cole"]


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, 9, 0, tzinfo=UTC)


def _order(html: str, markers: list[str]) -> list[str]:
    missing = [m for m in markers if m not in html]
    assert not missing, f"rows missing from the page: {missing}"
    return sorted(markers, key=html.index)


def _check(client, url: str, rows: list[tuple[str, dict]], *, joiner: str = "?"):
    """``rows``: (marker, {column: value}) in creation order. Each column both ways."""
    markers = [marker for marker, _ in rows]
    for column in rows[0][1]:
        expected = [m for _, (m, _v) in sorted(enumerate(rows), key=lambda item: (item[1][1][column], item[0]))]
        for key, want in ((column, expected), (f"-{column}", expected[::-1])):
            response = client.get(f"{url}{joiner}sort={key}")
            assert response.status_code == 200, key
            assert _order(response.content.decode(), markers) == want, f"{url} sorted by {key}"


def _people(org, **extra):
    return [MembershipFactory(organization=org, user__full_name=name, **extra) for name in NAMES]


def test_members(client, coordinator_a):
    org = coordinator_a.organization
    data = [
        ("c-aaron@example.org", "trainee", _at(2)),
        ("a-bella@example.org", "alumni", _at(3)),
        ("b-cyrus@example.org", "faculty", _at(1)),
    ]
    rows = []
    for name, (email, status, joined) in zip(NAMES, data, strict=True):
        MembershipFactory(organization=org, user__full_name=name, user__email=email, status=status, joined_at=joined)
        rows.append((name, {"name": name.lower(), "email": email, "status": status, "joined": joined}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/members/", rows)
    # With a filter, the header links keep it.
    html = client.get("/o/alpha/members/?q=example&sort=-email").content.decode()
    assert 'aria-sort="descending"' in html and 'href="?q=example&amp;sort=email"' in html


def test_applications(client, coordinator_a):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, slug="society")
    data = [
        (Role.MENTEE, ApplicationStatus.SUBMITTED, True, _at(2)),
        (Role.MENTOR, ApplicationStatus.ACCEPTED, False, _at(3)),
        (Role.MENTEE, ApplicationStatus.WAITLISTED, True, _at(1)),
    ]
    rows = []
    for name, (role, status, eligible, submitted) in zip(NAMES, data, strict=True):
        ApplicationFactory(
            program=program,
            membership__user__full_name=name,
            role=role,
            status=status,
            eligible=eligible,
            submitted_at=submitted,
        )
        rows.append(
            (
                name,
                {
                    "applicant": name.lower(),
                    "role": role,
                    "status": status,
                    "eligibility": eligible,
                    "submitted": submitted,
                },
            )
        )
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/programs/society/applications/", rows)


def test_invitations(client, coordinator_a):
    org = coordinator_a.organization
    data = [("c-inv@example.org", "trainee", "pending"), ("a-inv@example.org", "alumni", "accepted")]
    data.append(("b-inv@example.org", "faculty", "revoked"))
    rows = []
    for email, member_status, status in data:
        InvitationFactory(organization=org, email=email, member_status=member_status, status=status)
        rows.append((email, {"email": email, "invited_as": member_status, "status": status}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/invitations/", rows)


def test_program_mentorships(client, coordinator_a):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, slug="society")
    data = [
        ("Zed Zane", date(2024, 2, 1), "understanding", "active"),
        ("Yara Young", date(2024, 3, 1), "exploration", "ended"),
        ("Xena Xu", date(2024, 1, 1), "action_planning", "paused"),
    ]
    rows = []
    for name, (mentee, started, stage, status) in zip(NAMES, data, strict=True):
        MentorshipFactory(
            program=program,
            mentor__user__full_name=name,
            mentee__user__full_name=mentee,
            started_on=started,
            stage=stage,
            status=status,
        )
        rows.append(
            (
                name,
                {
                    "mentor": name.lower(),
                    "mentee": mentee.lower(),
                    "started": started,
                    "stage": stage,
                    "status": status,
                    "meetings": 0,
                },
            )
        )
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/programs/society/mentorships/?all=1", rows, joiner="&")


def test_program_pairings(client, coordinator_a):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, slug="society")
    data = [("Zed Zane", "offered", _at(2)), ("Yara Young", "confirmed", _at(3)), ("Xena Xu", "declined", _at(1))]
    rows = []
    for name, (mentee, status, created) in zip(NAMES, data, strict=True):
        with scopes_disabled():
            Proposal.objects.create(
                organization=org,
                program=program,
                mentor=MembershipFactory(organization=org, user__full_name=name),
                mentee=MembershipFactory(organization=org, user__full_name=mentee),
                status=status,
                created_at=created,
            )
        rows.append((name, {"mentor": name.lower(), "mentee": mentee.lower(), "status": status, "proposed": created}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/programs/society/pairings/", rows)


def test_program_requests(client, coordinator_a):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, slug="alumni", model=ProgramModel.SELF_SELECT)
    data = [("Zed Zane", "open", _at(2)), ("Yara Young", "accepted", _at(3)), ("Xena Xu", "declined", _at(1))]
    rows = []
    for name, (mentor, status, created) in zip(NAMES, data, strict=True):
        with scopes_disabled():
            MentorshipRequest.objects.create(
                organization=org,
                program=program,
                mentee=MembershipFactory(organization=org, user__full_name=name),
                mentor=MembershipFactory(organization=org, user__full_name=mentor),
                status=status,
                created_at=created,
                expires_at=created + timedelta(days=14),
            )
        rows.append((name, {"mentee": name.lower(), "mentor": mentor.lower(), "status": status, "sent": created}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/programs/alumni/requests/", rows)
    html = client.get("/o/alpha/programs/alumni/requests/?sort=-mentee").content.decode()
    assert '<option value="-mentee" selected>' in html


def test_mentor_directory(client, coordinator_a):
    org = coordinator_a.organization
    program = ProgramFactory(organization=org, slug="alumni", model=ProgramModel.SELF_SELECT)
    data = [
        ("Surgery", "Zenith Hospital", 2001, 3),
        ("Anesthesia", "Mercy", 1999, 1),
        ("Pediatrics", "Avalon", 2010, 2),
    ]
    rows = []
    for name, (specialty, institution, year, capacity) in zip(NAMES, data, strict=True):
        application = ApplicationFactory(
            program=program,
            membership__user__full_name=name,
            role=Role.MENTOR,
            status=ApplicationStatus.ACCEPTED,
            capacity=capacity,
        )
        ProfileFactory(
            membership=application.membership, specialty=specialty, institution=institution, graduation_year=year
        )
        rows.append(
            (
                name,
                {
                    "name": name.lower(),
                    "specialty": specialty.lower(),
                    "institution": institution.lower(),
                    "graduated": year,
                    "places": capacity,
                },
            )
        )
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/programs/alumni/mentors/", rows)


def test_survey_list(client, coordinator_a):
    org = coordinator_a.organization
    data = [
        ("Kestrel check", "mentors", "closed"),
        ("Alder poll", "both", "active"),
        ("Marsh exit", "mentees", "draft"),
    ]
    rows = []
    with scopes_disabled():
        for title, audience, status in data:
            Survey.objects.create(organization=org, title=title, audience=audience, status=status)
            rows.append((title, {"title": title.lower(), "audience": audience, "status": status, "questions": 0}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/surveys/", rows)


def test_reminder_log(client, coordinator_a):
    org = coordinator_a.organization
    programs = [ProgramFactory(organization=org, name=n) for n in ("Program Beta", "Program Gamma", "Program Alpha")]
    data = [
        ("first_meeting", "sent", _at(2), date(2024, 2, 9), _at(5)),
        ("checkin", "failed", _at(3), date(2024, 2, 7), _at(4)),
        ("survey", "pending", _at(1), date(2024, 2, 8), _at(6)),
    ]
    rows = []
    people = _people(org)
    with scopes_disabled():
        for i, (name, person, program, (kind, status, created, due, sent)) in enumerate(
            zip(NAMES, people, programs, data, strict=True)
        ):
            Reminder.objects.create(
                organization=org,
                recipient=person,
                program=program,
                kind=kind,
                key=f"sorting-{i}",
                path="/",
                status=status,
                created_at=created,
                due_on=due,
                sent_at=sent,
            )
            rows.append(
                (
                    name,
                    {
                        "recorded": created,
                        "what": kind,
                        "to": name.lower(),
                        "program": program.name.lower(),
                        "due": due,
                        "status": status,
                        "sent": sent,
                    },
                )
            )
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/reminders/", rows)


@pytest.mark.parametrize("sort", ["nope", "-", "", "name;drop", "user__password", "%00"])
def test_an_unknown_sort_shows_the_default_order(client, coordinator_a, sort):
    for name in NAMES[::-1]:
        MembershipFactory(organization=coordinator_a.organization, user__full_name=name)
    client.force_login(coordinator_a.user)
    response = client.get(f"/o/alpha/members/?sort={sort}")
    assert response.status_code == 200
    assert _order(response.content.decode(), NAMES) == NAMES


def test_feedback_inbox(client, coordinator_a):
    org = coordinator_a.organization
    data = [("Kestrel remark", "Program Beta", _at(2)), ("Alder remark", "Program Gamma", _at(3))]
    data.append(("Marsh remark", "Program Alpha", _at(1)))
    rows = []
    with scopes_disabled():
        for text, program_name, created in data:
            program = ProgramFactory(organization=org, name=program_name)
            Feedback.objects.create(organization=org, program=program, text=text, created_at=created)
            rows.append((text, {"received": created, "program": program_name.lower()}))
    client.force_login(coordinator_a.user)
    _check(client, "/o/alpha/feedback/inbox/?show=all", rows, joiner="&")
    html = client.get("/o/alpha/feedback/inbox/?show=all&sort=nope").content.decode()
    assert "Sort by: Choose one of the options in the list." in html
