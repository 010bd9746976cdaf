"""Regression tests for defects found in review: bad input, files, leaks, filters."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, Membership, Program, ProgramModel, Role
from programs.roster import MAX_BLANK_ROWS, MAX_ROWS, read_table
from programs.services import applications as apps
from tests.factories import ApplicationFactory, GoalAreaFactory, MembershipFactory, ProfileFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PROGRAM_POST = {
    "name": "Program",
    "slug": "program",
    "model": "committee",
    "min_commitment_months": 12,
    "meeting_cadence": "quarterly",
    "first_meeting_days": 30,
    "default_mentees_per_mentor": 1,
    "max_mentees_per_mentor": 2,
    "committee_rule": "coordinator",
    "max_open_requests": 3,
    "request_response_days": 14,
    "principles": "P",
    "goal_areas": "A",
}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"slug": "my_program"}, b"Use lowercase letters"),
        ({"slug": "-ab"}, b"Use lowercase letters"),
        ({"min_commitment_months": 40000}, b"less than or equal to 120"),
        ({"max_mentees_per_mentor": 0}, b"greater than or equal to 1"),
        ({"mentor_attestations": "x" * 301}, b"under 300 characters"),
    ],
)
def test_bad_program_settings_are_messages_not_500s(client, coordinator_a, change, message):
    client.force_login(coordinator_a.user)
    response = client.post("/o/alpha/programs/new/", {**PROGRAM_POST, **change})
    assert response.status_code == 200
    assert message in response.content
    with scopes_disabled():
        assert not Program.objects.exists()


def test_a_refused_edit_keeps_the_guide(client, coordinator_a):
    program = ProgramFactory(organization=coordinator_a.organization, slug="program")
    area = GoalAreaFactory(program=program, name="In use")
    ApplicationFactory(program=program).goal_areas.add(area)
    client.force_login(coordinator_a.user)
    with scopes_disabled():
        program.guide.save("guide.pdf", io.BytesIO(b"%PDF-1.4 original"))
    response = client.post(
        "/o/alpha/programs/program/edit/",
        {
            **PROGRAM_POST,
            "goal_areas": "Something else",  # removing an area in use is refused
            "guide_file": SimpleUploadedFile("new.pdf", b"%PDF-1.4 new"),
            "is_published": "on",
        },
    )
    assert response.status_code == 200 and b"already chosen in applications" in response.content
    download = client.get("/o/alpha/programs/program/guide/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 original"


def test_a_workbook_declaring_a_million_empty_rows_is_read_only_up_to_the_cap():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["email", "name"])
    sheet.cell(row=1_048_576, column=1, value="far@example.org")
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_table(filename="bomb.xlsx", data=buffer.getvalue())
    assert len(rows) <= MAX_ROWS + 1 + MAX_BLANK_ROWS


def test_removed_mentors_leave_the_directory(client, org_a):
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    mentor = ApplicationFactory(program=program, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
    ProfileFactory(membership=mentor.membership, institution="Mount Sinai")
    mentee = ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    client.force_login(mentee.membership.user)
    assert b"Mount Sinai" in client.get("/o/alpha/programs/alumni/mentors/").content
    with scopes_disabled():
        Membership.objects.filter(pk=mentor.membership_id).update(is_active=False)
    assert b"Mount Sinai" not in client.get("/o/alpha/programs/alumni/mentors/").content


def test_a_coordinator_cannot_decide_their_own_application(coordinator_a):
    program = ProgramFactory(organization=coordinator_a.organization)
    application = ApplicationFactory(program=program, membership=coordinator_a, status=ApplicationStatus.ELIGIBLE)
    with scope(organization=coordinator_a.organization), pytest.raises(ServiceError) as error:
        apps.application_decide(actor=coordinator_a, application=application, decision="accepted", message="")
    assert "Another coordinator" in error.value.message


def test_one_malformed_filter_does_not_drop_the_others(client, coordinator_a):
    program = ProgramFactory(organization=coordinator_a.organization, slug="program")
    ApplicationFactory(program=program, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
    ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/program/applications/?role=mentor&status=bogus")
    assert b"1 application" in response.content and b"2 applications" not in response.content


def test_a_member_is_never_shown_another_persons_application_through_the_review_url(client, org_a):
    program = ProgramFactory(organization=org_a, slug="program")
    application = ApplicationFactory(program=program, status=ApplicationStatus.ELIGIBLE)
    member = MembershipFactory(organization=org_a)
    client.force_login(member.user)
    assert client.get(f"/o/alpha/programs/program/applications/{application.pk}/").status_code == 403
