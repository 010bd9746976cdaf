"""The notification centre (issue 18): the bell and its count, the list (own only, bounded
queries), opening (marks read, local paths only), mark read and mark all read; the email
preferences page; and the events that notify (offers, agreements, meetings)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement
from agreements.services import agreement as agreement_services
from matching.models import ProposalStatus
from matching.services import proposals as proposal_services
from programs.models import ApplicationStatus, AuditEvent, Notification, Role
from programs.services import notifications
from relationships.services import meetings as meeting_services
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory, dana_and_nia

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 10:00")]


def _url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def _notify(member, n=1, *, key_prefix="k", path=None):
    made = []
    with scope(organization=member.organization):
        for i in range(n):
            made.append(
                notifications.notify(
                    recipient=member,
                    kind="meeting",
                    category="obligation",
                    title=f"Meeting {i} moved",
                    path=path or f"/o/{member.organization.slug}/programs/",
                    key=f"{key_prefix}:{i}",
                )[0]
            )
    return made


def _unread(member):
    with scopes_disabled():
        return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


# --- The bell -----------------------------------------------------------------------------------


def test_the_bell_count_is_in_the_badges_and_on_the_dashboard(client, member_a):
    _notify(member_a, 3)
    client.force_login(member_a.user)
    badges = client.get(_url("nav_badges", member_a.organization)).json()
    assert badges["notifications"] == {"count": 3, "text": "3 unread"}
    page = client.get(_url("organization_dashboard", member_a.organization)).content.decode()
    assert "data-live-notifications" in page and 'data-badge="notifications"' in page
    # The accessible name: "Notifications (3 unread)".
    assert '<span class="visually-hidden d-none d-xl-inline">Notifications</span>' in page
    assert '<span class="visually-hidden">(3 unread)</span>' in page
    other = client.get(_url("program_list", member_a.organization)).content.decode()
    assert 'data-badge="notifications"></span>' in other  # filled once the page has loaded


def test_another_organizations_notifications_are_not_counted(client, member_a, org_b):
    elsewhere = MembershipFactory(organization=org_b, user=member_a.user)
    _notify(elsewhere, 2)
    client.force_login(member_a.user)
    assert client.get(_url("nav_badges", member_a.organization)).json()["notifications"]["count"] == 0


# --- The list -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_unread_emphasized_with_links_to_open(client, member_a, _clock):
    old = _notify(member_a, 1, key_prefix="old")[0]
    _clock.shift(timedelta(minutes=5))
    new = _notify(member_a, 1, key_prefix="new")[0]
    with scope(organization=member_a.organization):
        notifications.notification_mark_read(actor=member_a, notification=old)
    client.force_login(member_a.user)
    html = client.get(_url("notification_list", member_a.organization)).content.decode()
    assert html.index(f'id="notification-{new.pk}"') < html.index(f'id="notification-{old.pk}"')
    assert "1 unread" in html and "Mark all read" in html
    assert _url("notification_open", member_a.organization, pk=new.pk) in html
    assert 'class="fw-semibold"' in html  # the unread one
    assert html.count("Mark read<span") == 1


def test_the_empty_list_says_what_comes_here(client, member_a):
    client.force_login(member_a.user)
    html = client.get(_url("notification_list", member_a.organization)).content.decode()
    assert "Nothing here yet" in html and _url("notification_settings", member_a.organization) in html


def _list_queries(client, member):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url("notification_list", member.organization)).status_code == 200
    return len(queries.captured_queries)


def test_the_list_costs_the_same_queries_for_5_or_50(client, org_a, django_assert_max_num_queries):
    few, many = MembershipFactory(organization=org_a), MembershipFactory(organization=org_a)
    _notify(few, 5)
    _notify(many, 50)
    client.force_login(few.user)
    _list_queries(client, few)  # warm the navigation's cache
    cost_few = _list_queries(client, few)
    client.force_login(many.user)
    _list_queries(client, many)
    cost_many = _list_queries(client, many)
    assert cost_few == cost_many
    with django_assert_max_num_queries(10):
        client.get(_url("notification_list", org_a) + "?page=2")


# --- Opening and marking read -------------------------------------------------------------------


def test_opening_marks_read_and_goes_to_its_page(client, member_a):
    [notification] = _notify(member_a, 1, path="/o/alpha/programs/?tab=mine")
    client.force_login(member_a.user)
    response = client.get(_url("notification_open", member_a.organization, pk=notification.pk))
    assert response.status_code == 302 and response["Location"] == "/o/alpha/programs/?tab=mine"
    assert _unread(member_a) == 0


@pytest.mark.parametrize("path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_a_stored_path_off_the_site_is_never_followed(client, member_a, path):
    with scopes_disabled():
        notification = Notification.objects.create(
            organization=member_a.organization, recipient=member_a, kind="other", category="nudge", title="x", path=path
        )
    client.force_login(member_a.user)
    response = client.get(_url("notification_open", member_a.organization, pk=notification.pk))
    assert response.status_code == 302
    assert response["Location"] == _url("notification_list", member_a.organization)
    assert _unread(member_a) == 0


def test_mark_read_and_mark_all_read(client, member_a, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("mentorship.realtime.send_now", lambda ids, event: sent.append((list(ids), event)))
    first, *_ = _notify(member_a, 3)
    client.force_login(member_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("notification_read", member_a.organization, pk=first.pk), {"page": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?page=1")
    assert _unread(member_a) == 2
    assert sent == [([member_a.pk], {"event": "notifications"})]
    response = client.post(_url("notifications_read_all", member_a.organization), {"page": "http://evil.example"})
    assert response["Location"] == _url("notification_list", member_a.organization)
    assert _unread(member_a) == 0
    assert client.get(_url("notification_read", member_a.organization, pk=first.pk)).status_code == 405


def test_another_persons_notification_is_404(client, org_a, org_b, member_a):
    [mine] = _notify(member_a, 1)
    [theirs] = _notify(MembershipFactory(organization=org_b), 1)
    intruder = MembershipFactory(organization=org_a, is_coordinator=True)
    client.force_login(intruder.user)
    assert client.get(_url("notification_open", org_a, pk=mine.pk)).status_code == 404
    assert client.post(_url("notification_read", org_a, pk=mine.pk)).status_code == 404
    client.force_login(member_a.user)
    assert client.get(_url("notification_open", org_a, pk=theirs.pk)).status_code == 404
    client.post(_url("notifications_read_all", org_a))
    assert _unread(member_a) == 0
    with scopes_disabled():
        assert Notification.objects.get(pk=theirs.pk).read_at is None


# --- Email preferences --------------------------------------------------------------------------


def test_the_preferences_page_saves_both_choices_audited_and_keeps_nudges_in_step(client, member_a):
    client.force_login(member_a.user)
    url = _url("notification_settings", member_a.organization)
    page = client.get(url).content.decode()
    assert "always sent at once" in page and "In a daily digest" in page
    assert client.post(url, {"messages_email": "digest", "nudges_email": "off"}).status_code == 302
    member_a.refresh_from_db()
    assert (member_a.messages_email, member_a.nudges_email, member_a.nudges_enabled) == ("digest", "off", False)
    assert client.post(url, {"messages_email": "digest", "nudges_email": "digest"}).status_code == 302
    member_a.refresh_from_db()
    assert (member_a.nudges_email, member_a.nudges_enabled) == ("digest", True)
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="member.email_preferences").count() == 2


@pytest.mark.parametrize(
    "data", [{}, {"messages_email": "weekly", "nudges_email": "off"}, {"messages_email": ["x"] * 3}]
)
def test_bad_preferences_are_a_form_error_not_a_500(client, member_a, data):
    client.force_login(member_a.user)
    response = client.post(_url("notification_settings", member_a.organization), data)
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    member_a.refresh_from_db()
    assert member_a.messages_email == "immediate"


def test_turning_nudges_on_again_from_off_means_at_once(member_a):
    from surveys.services import reminders

    with scope(organization=member_a.organization):
        reminders.nudges_set(actor=member_a, enabled=False)
        member_a.refresh_from_db()
        assert (member_a.nudges_enabled, member_a.nudges_email) == (False, "off")
        reminders.nudges_set(actor=member_a, enabled=True)
    member_a.refresh_from_db()
    assert (member_a.nudges_enabled, member_a.nudges_email) == (True, "immediate")


# --- The events that notify ---------------------------------------------------------------------


def _keys(member):
    with scopes_disabled():
        return dict(Notification.objects.filter(recipient=member).values_list("key", "read_at"))


def test_an_offer_notifies_both_and_each_answer_marks_it_read(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentor = ApplicationFactory(program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED).membership
    mentee = ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED).membership
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(actor=coordinator_a, program=program, mentor=mentor, mentee=mentee)
        if proposal.status == ProposalStatus.PROPOSED:
            proposal = proposal_services.proposal_finalize(actor=coordinator_a, proposal=proposal, approve=True)
    key = f"offer:{proposal.pk}"
    with scopes_disabled():
        rows = Notification.objects.filter(key=key)
        assert {n.recipient_id for n in rows} == {mentor.pk, mentee.pk}
        assert all(n.category == "obligation" and n.emailed_at and n.path == "/o/alpha/offers/" for n in rows)
    with scope(organization=org_a):
        proposal_services.proposal_respond(actor=mentor, proposal=proposal, accept=True)
    assert _keys(mentor)[key] is not None and _keys(mentee)[key] is None
    with scope(organization=org_a):
        proposal_services.proposal_respond(actor=mentee, proposal=proposal, accept=False)
    assert _keys(mentee)[key] is not None


def test_a_declined_or_withdrawn_offer_no_longer_waits_for_the_other(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society", model="self_select")
    people = [
        ApplicationFactory(program=program, role=role, status=ApplicationStatus.ACCEPTED).membership
        for role in (Role.MENTOR, Role.MENTEE)
    ]
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(
            actor=coordinator_a, program=program, mentor=people[0], mentee=people[1]
        )
        assert proposal.status == ProposalStatus.OFFERED
        proposal_services.proposal_withdraw(actor=coordinator_a, proposal=proposal)
    assert all(_keys(person)[f"offer:{proposal.pk}"] is not None for person in people)


def _sign(actor, agreement):
    with scope(organization=agreement.organization):
        agreement_services.consent_to_sign(actor=actor, request_meta={"ip": "203.0.113.7", "user_agent": "t"})
        current = Agreement.objects.get(pk=agreement.pk)
        return agreement_services.agreement_sign(
            actor=actor, agreement=agreement, typed_name=actor.user.full_name, confirm=True, revision=current.revision
        )


def test_the_first_signature_asks_the_other_and_their_signature_marks_it_read(org_a):
    pair = dana_and_nia(org_a, program={"slug": "society"})
    with scope(organization=org_a):
        agreement = agreement_services.agreement_start(actor=pair.mentee, mentorship=pair)
        content = {s["key"]: "Ours." for s in agreement.sections if s.get("editable")}
        agreement = agreement_services.draft_save(
            actor=pair.mentee, agreement=agreement, content=content, revision=agreement.revision
        )
    _sign(pair.mentee, agreement)
    key = f"agreement:{agreement.pk}"
    assert key in _keys(pair.mentor) and _keys(pair.mentor)[key] is None
    assert key not in _keys(pair.mentee)
    with scopes_disabled():
        notification = Notification.objects.get(key=key)
    assert notification.path == f"/o/alpha/mentorships/{pair.pk}/agreement/"
    assert "needs your signature" in notification.title
    _sign(pair.mentor, agreement)
    assert _keys(pair.mentor)[key] is not None


def test_a_meeting_notifies_the_other_person_once_however_often_it_moves(org_a):
    pair = dana_and_nia(org_a, program={"slug": "society"})
    day = (timezone.now() + timedelta(days=10)).date()
    starts = datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
    with scope(organization=org_a):
        meeting = meeting_services.meeting_schedule(
            actor=pair.mentee, mentorship=pair, starts_at=starts, duration_minutes=60, mode="video", location=""
        )
        meeting_services.meeting_reschedule(
            actor=pair.mentee,
            meeting=meeting,
            starts_at=starts + timedelta(hours=1),
            duration_minutes=60,
            mode="video",
            location="",
        )
    key = f"meeting:{meeting.pk}"
    assert key not in _keys(pair.mentee)
    with scopes_disabled():
        notification = Notification.objects.get(key=key)
    assert notification.recipient_id == pair.mentor_id and notification.count == 2
    assert notification.title.endswith("moved your meeting")
    assert notification.path == f"/o/alpha/mentorships/{pair.pk}/meetings/{meeting.pk}/"
    with scope(organization=org_a):
        meeting_services.meeting_cancel(actor=pair.mentor, meeting=meeting)
    with scopes_disabled():
        cancelled = Notification.objects.get(key=key, recipient=pair.mentee)
    assert cancelled.title.endswith("cancelled your meeting")
