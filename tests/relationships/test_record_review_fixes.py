"""Regression tests from the record's review: endings cancel meetings, logs, the access log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from relationships.models import Goal, GoalNote, Meeting, Mentorship
from relationships.services import endings as relationship_endings
from relationships.services import meetings as meeting_services
from relationships.services import record as record_services
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.clock("2026-11-20 09:00")


@pytest.fixture
def pair(org_a):
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org_a,
            program=ProgramFactory(organization=org_a, slug="society"),
            mentor=MembershipFactory(organization=org_a, user__full_name="Dana Whitfield"),
            mentee=MembershipFactory(organization=org_a, user__full_name="Nia Mensah"),
            origin="proposal",
            planned_end_on="2030-01-01",
        )


def meeting(pair, days):
    with scopes_disabled():
        return Meeting.objects.create(
            organization=pair.organization,
            mentorship=pair,
            starts_at=timezone.now() + timedelta(days=days),
            location="12 Elm Street, door code 4821",
        )


@pytest.mark.django_db
def test_ending_a_mentorship_cancels_its_upcoming_meetings(pair, django_capture_on_commit_callbacks):
    upcoming, past = meeting(pair, 7), meeting(pair, -7)
    with scope(organization=pair.organization), django_capture_on_commit_callbacks(execute=True):
        relationship_endings.mentorship_end_no_fault(actor=pair.mentee, mentorship=pair)
    with scopes_disabled():
        assert Meeting.objects.get(pk=upcoming.pk).status == "cancelled"
        assert Meeting.objects.get(pk=upcoming.pk).sequence == 1
        assert Meeting.objects.get(pk=past.pk).status == "scheduled"  # to be logged, not cancelled
    cancellations = [m for m in mail.outbox if any(a[0].endswith(".ics") for a in m.attachments)]
    assert len(cancellations) == 2 and all(b"METHOD:CANCEL" in m.attachments[0][1] for m in cancellations)


@pytest.mark.django_db
def test_a_meeting_cannot_be_logged_after_the_mentorship_ended(pair):
    past = meeting(pair, -2)
    with scope(organization=pair.organization):
        relationship_endings.mentorship_end_no_fault(actor=pair.mentor, mentorship=pair)
        pair.refresh_from_db()
        with pytest.raises(ServiceError):
            meeting_services.meeting_log(actor=pair.mentor, meeting=past, held=True, held_minutes=30, summary="x")


@pytest.mark.django_db
def test_the_place_is_encrypted_at_rest(pair):
    m = meeting(pair, 3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT location FROM relationships_meeting WHERE id = %s", [m.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "Elm" not in raw


@pytest.mark.django_db
def test_reading_the_other_persons_goal_notes_appears_in_the_access_log_once_a_day(pair):
    with scopes_disabled():
        goal = Goal.objects.create(organization=pair.organization, mentorship=pair, title="First grant")
        GoalNote.objects.create(organization=pair.organization, goal=goal, author=pair.mentee, text="Draft done")
    with scope(organization=pair.organization):
        for _ in range(3):
            record_services.record_notes_read(actor=pair.mentor, goal=goal)
        entries = meeting_services.access_log(pair, pair.mentee)
    assert len([e for e in entries if "goal progress note" in e.label]) == 1


@pytest.mark.django_db
def test_the_admin_refuses_lookups_on_other_fields(client, pair):
    from mentorship.models import User

    admin = User.objects.create_superuser(email="root@example.org", password="x-long-password", full_name="Root")
    client.force_login(admin)
    assert client.get("/admin/relationships/meeting/?status=scheduled").status_code == 200
    assert client.get("/admin/relationships/meeting/?summary__isnull=True").status_code == 400
    assert client.get("/admin/relationships/meeting/?location__icontains=Elm").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 20])
def test_the_meetings_list_logs_reads_in_a_bounded_number_of_queries(
    client, pair, count, django_assert_max_num_queries
):
    from relationships.models import FollowUpTask

    with scopes_disabled():
        FollowUpTask.objects.bulk_create(
            FollowUpTask(
                organization=pair.organization,
                mentorship=pair,
                description=f"Task {i}",
                owner=pair.mentee,
                created_by=pair.mentee,
            )
            for i in range(count)
        )
    client.force_login(pair.mentor.user)
    url = f"/o/alpha/mentorships/{pair.pk}/meetings/"
    with django_assert_max_num_queries(11):  # the same at 2 and 20 tasks (was ~50 at 20)
        assert client.get(url).status_code == 200
    with scopes_disabled():
        from relationships.models import ContentRead

        assert ContentRead.objects.filter(reader=pair.mentor, kind="task").count() == count
