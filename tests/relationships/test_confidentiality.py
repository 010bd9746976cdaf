"""What the pair writes about their meetings stays between them: not coordinators, not the
committee, not other members or organizations, not site staff in the admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.models import User
from relationships.models import ContentRead, FollowUpTask, Meeting, Mentorship, PrivateNote
from relationships.services import meetings as services
from tests.factories import MembershipFactory, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

AGENDA = "SECRET-AGENDA my burnout and the grant"
SUMMARY = "SECRET-SUMMARY we talked about leaving the department"
TASK = "SECRET-TASK ask the chair about the vacancy"
MENTOR_NOTE = "SECRET-MENTOR-NOTE seems overwhelmed"
MENTEE_NOTE = "SECRET-MENTEE-NOTE I trust her"
SECRETS = (AGENDA, SUMMARY, TASK, MENTOR_NOTE, MENTEE_NOTE)


@pytest.fixture
def record(org_a):
    mentorship = dana_and_nia(org_a, program={"slug": "society"})
    mentor, mentee = mentorship.mentor, mentorship.mentee
    with scope(organization=org_a):
        meeting = services.meeting_schedule(
            actor=mentee,
            mentorship=mentorship,
            starts_at=timezone.now() + timedelta(days=3),
            duration_minutes=60,
            mode="video",
            location="",
        )
        services.agenda_save(actor=mentee, meeting=meeting, agenda=AGENDA)
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
        meeting.refresh_from_db()
        meeting = services.meeting_log(actor=mentor, meeting=meeting, held=True, held_minutes=55, summary=SUMMARY)
        task = services.task_add(actor=mentor, mentorship=mentorship, meeting=meeting, description=TASK, owner=mentee)
        services.private_note_save(actor=mentor, meeting=meeting, text=MENTOR_NOTE)
        services.private_note_save(actor=mentee, meeting=meeting, text=MENTEE_NOTE)
        note = PrivateNote.objects.get(author=mentor)
    return mentorship, meeting, task, note


def _urls(mentorship, meeting, slug="alpha"):
    base = f"/o/{slug}/mentorships/{mentorship.pk}/meetings/"
    return [base, f"{base}{meeting.pk}/", f"{base}{meeting.pk}/invite.ics"]


def _assert_no_secret(response):
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "committee", "other_mentor", "other_org"])
def test_outsiders_get_404_and_never_the_text(client, record, who, org_a):
    mentorship, meeting, task, note = record
    if who == "coordinator":
        viewer = MembershipFactory(organization=org_a, is_coordinator=True)
    elif who == "committee":
        viewer = MembershipFactory(organization=org_a, is_committee=True)
    elif who == "other_mentor":
        viewer = MembershipFactory(organization=org_a)
        other_mentee = MembershipFactory(organization=org_a)
        with scopes_disabled():
            Mentorship.objects.create(
                organization=org_a,
                program=mentorship.program,
                mentor=viewer,
                mentee=other_mentee,
                origin="proposal",
                planned_end_on="2030-12-01",
            )
    else:
        viewer = MembershipFactory(organization=OrganizationFactory(slug="bravo"), is_coordinator=True)
    client.force_login(viewer.user)
    slug = "bravo" if who == "other_org" else "alpha"
    for url in _urls(mentorship, meeting, slug):
        response = client.get(url)
        assert response.status_code == 404, url
        _assert_no_secret(response)
    if who == "other_org":
        for url in _urls(mentorship, meeting, "alpha"):
            response = client.get(url)
            assert response.status_code == 404
            _assert_no_secret(response)
    # POSTs are refused too and change nothing.
    base = f"/o/{slug}/mentorships/{mentorship.pk}/meetings/{meeting.pk}/"
    for path, data in [
        ("agenda/", {"agenda": "x"}),
        ("log/", {"held": "yes", "summary": "x"}),
        ("note/", {"text": "x"}),
    ]:
        assert client.post(base + path, data).status_code == 404
    with scopes_disabled():
        assert Meeting.objects.get(pk=meeting.pk).agenda == AGENDA
    # The mentorship page itself shows a coordinator metadata only.
    if who == "coordinator":
        response = client.get(f"/o/alpha/mentorships/{mentorship.pk}/")
        assert response.status_code == 200
        _assert_no_secret(response)


@pytest.mark.django_db
def test_coordinators_see_the_metadata_only(client, record, org_a):
    mentorship, meeting, task, note = record
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    client.force_login(coordinator.user)
    page = client.get(f"/o/alpha/mentorships/{mentorship.pk}/").content.decode()
    assert 'id="meetings-metadata"' in page
    assert meeting.starts_at.strftime("%Y") in page
    assert "Video" in page and "Held" in page and "Exploration" in page
    assert 'id="meetings-held">1<' in page
    for secret in SECRETS:
        assert secret not in page


@pytest.mark.django_db
def test_the_admin_shows_metadata_only(client, record):
    mentorship, meeting, task, note = record
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 20, full_name="Root")
    client.force_login(superuser)
    for model, obj in (("meeting", meeting), ("followuptask", task), ("privatenote", note)):
        for url in (f"/admin/relationships/{model}/", f"/admin/relationships/{model}/{obj.pk}/change/"):
            response = client.get(url)
            assert response.status_code == 200, url
            _assert_no_secret(response)
        assert client.get(f"/admin/relationships/{model}/add/").status_code == 403


@pytest.mark.django_db
def test_the_database_holds_ciphertext(record):
    mentorship, meeting, task, note = record
    queries = [
        (f"SELECT agenda, summary FROM {Meeting._meta.db_table} WHERE id = %s", meeting.pk, (AGENDA, SUMMARY)),
        (f"SELECT description FROM {FollowUpTask._meta.db_table} WHERE id = %s", task.pk, (TASK,)),
        (f"SELECT text FROM {PrivateNote._meta.db_table} WHERE id = %s", note.pk, (MENTOR_NOTE,)),
    ]
    with connection.cursor() as cursor:
        for sql, pk, plain in queries:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
            for value, text in zip(row, plain, strict=True):
                assert value.startswith("enc1:")
                assert text not in value and text.split()[0] not in value


@pytest.mark.django_db
def test_the_other_party_cannot_read_a_private_note(client, record):
    mentorship, meeting, task, note = record
    url = f"/o/alpha/mentorships/{mentorship.pk}/meetings/{meeting.pk}/"
    client.force_login(mentorship.mentee.user)
    page = client.get(url).content.decode()
    assert MENTEE_NOTE in page and MENTOR_NOTE not in page
    assert SUMMARY in page and AGENDA in page and TASK in page
    client.force_login(mentorship.mentor.user)
    page = client.get(url).content.decode()
    assert MENTOR_NOTE in page and MENTEE_NOTE not in page


@pytest.mark.django_db
def test_reading_the_other_persons_content_is_logged_once_a_day(client, record):
    mentorship, meeting, task, note = record
    url = f"/o/alpha/mentorships/{mentorship.pk}/meetings/{meeting.pk}/"
    client.force_login(mentorship.mentor.user)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    with scopes_disabled():
        reads = list(ContentRead.objects.filter(reader=mentorship.mentor).values_list("kind", "object_id"))
    # The mentor wrote the summary and the task, so only the agenda counts.
    assert reads == [("agenda", meeting.pk)]
    client.force_login(mentorship.mentee.user)
    client.get(url)
    with scopes_disabled():
        kinds = sorted(ContentRead.objects.filter(reader=mentorship.mentee).values_list("kind", flat=True))
    assert kinds == ["summary", "task"]
    page = client.get(f"/o/alpha/mentorships/{mentorship.pk}/meetings/").content.decode()
    assert "Dana Whitfield read your agenda for" in page
