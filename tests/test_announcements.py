"""Announcements: a coordinator writes to a program's active participants (all, mentors or
mentees); one email each, greeted by name, through the Celery task; the announcement is
recorded with who sent it, when and to how many, and listed on the program's page."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import Announcement, ApplicationStatus, AuditEvent, Role
from programs.services import messaging
from tests.conftest import wait_for
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory


def _world(org):
    program = ProgramFactory(organization=org, name="Surgical Mentoring", slug="surgical")

    def person(name, role, status=ApplicationStatus.ACCEPTED, **membership):
        member = MembershipFactory(organization=org, user__full_name=name, **membership)
        ApplicationFactory(program=program, membership=member, role=role, status=status)
        return member

    people = {
        "mentor": person("Dana Reyes", Role.MENTOR),
        "mentee": person("Nia Okafor", Role.MENTEE),
        "both": person("Sam Both", Role.MENTOR),
        "waitlisted": person("Wai Listed", Role.MENTEE, ApplicationStatus.WAITLISTED),
        "left": person("Gone Away", Role.MENTEE, is_active=False),
    }
    ApplicationFactory(program=program, membership=people["both"], role=Role.MENTEE, status=ApplicationStatus.ACCEPTED)
    other = ProgramFactory(organization=org, slug="other")
    ApplicationFactory(program=other, membership__organization=org, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED)
    return program, people


@pytest.mark.django_db
@pytest.mark.parametrize(
    "audience, names",
    [
        ("all", {"Dana Reyes", "Nia Okafor", "Sam Both"}),
        ("mentors", {"Dana Reyes", "Sam Both"}),
        ("mentees", {"Nia Okafor", "Sam Both"}),
    ],
)
def test_recipients_by_audience_one_email_each(
    client, org_a, coordinator_a, audience, names, django_capture_on_commit_callbacks
):
    program, people = _world(org_a)
    client.force_login(coordinator_a.user)
    url = reverse("program_announcements", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"audience": audience, "subject": "Spring meetup", "body": "Join us on Friday.\nhttps://example.org"}
        )
    assert response.status_code == 302
    by_name = {m.body.splitlines()[0].removeprefix("Hello ").rstrip(","): m for m in mail.outbox}
    assert set(by_name) == names
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = next(iter(by_name.values()))
    assert message.subject == "[Surgical Mentoring] Spring meetup"
    assert "Join us on Friday." in message.body
    assert message.reply_to == [org_a.contact_email]
    with scopes_disabled():
        announcement = Announcement.objects.get()
        assert announcement.recipient_count == len(names)
        assert announcement.sent_by == coordinator_a.user
        assert announcement.audience == audience
        assert AuditEvent.objects.filter(action="announcement.sent").exists()
    page = client.get(reverse("program_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug}))
    assert "Spring meetup" in page.content.decode()
    assert f"{len(names)} recipients" in page.content.decode()


@pytest.mark.django_db
def test_bad_input_is_shown_on_the_form(client, org_a, coordinator_a):
    program, _ = _world(org_a)
    client.force_login(coordinator_a.user)
    url = reverse("program_announcements", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    for data, message in (
        ({"audience": "all", "subject": "", "body": "x"}, "This field is required."),
        ({"audience": "all", "subject": "Hi", "body": "   "}, "This field is required."),
        ({"audience": "everyone", "subject": "Hi", "body": "x"}, "Select a valid choice."),
        ({"audience": "all", "subject": "x" * 201, "body": "x"}, "at most 200 characters"),
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    empty = ProgramFactory(organization=org_a, slug="empty")
    response = client.post(
        reverse("program_announcements", kwargs={"org_slug": org_a.slug, "program_slug": empty.slug}),
        {"audience": "mentors", "subject": "Hi", "body": "x"},
    )
    assert "nobody would receive it" in response.content.decode()
    with scopes_disabled():
        assert not Announcement.objects.exists()
    assert not mail.outbox


@pytest.mark.django_db
def test_only_coordinators_of_the_organization_announce(client, org_a, member_a, coordinator_b):
    program, _ = _world(org_a)
    url = reverse("program_announcements", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    client.force_login(member_a.user)
    assert client.post(url, {"audience": "all", "subject": "Hi", "body": "x"}).status_code == 403
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        messaging.announcement_send(actor=member_a, program=program, audience="all", subject="Hi", body="x")
    with scope(organization=coordinator_b.organization), pytest.raises(PermissionDenied):
        messaging.announcement_send(actor=coordinator_b, program=program, audience="all", subject="Hi", body="x")
    with scopes_disabled():
        assert not Announcement.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_subject_on_two_lines(org_a, coordinator_a):
    program, _ = _world(org_a)
    with scope(organization=org_a), pytest.raises(ServiceError, match="one line"):
        messaging.announcement_send(
            actor=coordinator_a, program=program, audience="all", subject="Hi\nBcc: x", body="x"
        )


@pytest.mark.django_db(transaction=True)
def test_announcement_emails_go_through_a_real_worker(client, celery_worker, org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    program, _ = _world(org_a)
    client.force_login(coordinator.user)
    url = reverse("program_announcements", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    response = client.post(url, {"audience": "mentees", "subject": "Reading list", "body": "Chapter 3."})
    assert response.status_code == 302
    wait_for(lambda: len(mail.outbox) == 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in _mentees(org_a, program))


def _mentees(org, program):
    with scopes_disabled():
        from programs.models import Membership

        ids = messaging.announcement_recipients(program, "mentees")
        return list(Membership.objects.filter(pk__in=ids).select_related("user"))
