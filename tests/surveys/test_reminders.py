"""The reminder scan: what is due, recorded once per period, sent once, caught up once."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus
from agreements.models.review import YearlyReview
from matching.models import MentorshipRequest, Proposal, ProposalStatus
from mentorship.freshness import is_freshness_hook
from relationships.models import Meeting, MeetingStatus, Mentorship
from surveys import tasks
from surveys.models import (
    QuarterlyReport,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Survey,
    SurveyInvitation,
    SurveyWave,
)
from surveys.services import reminders
from surveys.services.due import due_items, due_surveys
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

TODAY = date(2026, 11, 23)
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)  # the frozen clock
pytestmark = pytest.mark.clock(NOW)


def _pair(org, program, *, started_on, mentor=None, mentee=None, origin="proposal"):
    mentor = mentor or MembershipFactory(organization=org)
    mentee = mentee or MembershipFactory(organization=org)
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin=origin,
            started_on=started_on,
            planned_end_on=started_on + timedelta(days=700),
        )


def _held(mentorship, on: date):
    with scopes_disabled():
        return Meeting.objects.create(
            organization=mentorship.organization,
            mentorship=mentorship,
            starts_at=datetime(on.year, on.month, on.day, 15, tzinfo=UTC),
            status=MeetingStatus.HELD,
        )


def _scan(today, capture):
    with capture(execute=True):
        return tasks.scan(today)


def _checkin_mail():
    return [m for m in mail.outbox if "check in" in m.subject]


def _rows(**filters):
    with scopes_disabled():
        return list(Reminder.objects.filter(**filters).order_by("pk"))


@pytest.fixture
def society(db):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(
        organization=org,
        slug="society",
        name="Society Mentorship",
        first_meeting_days=30,
        meeting_cadence="quarterly",
        six_month_assessment=False,  # its survey is tested on its own below
    )
    return org, program


@pytest.mark.django_db
def test_it_reminds_both_parties_of_a_missed_first_meeting_once(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=40))
    run = _scan(TODAY, django_capture_on_commit_callbacks)
    assert run.recorded == 2
    rows = _rows()
    assert {r.kind for r in rows} == {ReminderKind.FIRST_MEETING_MISSED}
    assert {r.recipient_id for r in rows} == {pair.mentor_id, pair.mentee_id}
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.mentor.user.email, pair.mentee.user.email])
    message = mail.outbox[0]
    assert "first meeting" in message.subject.lower()
    assert f"/o/western/mentorships/{pair.pk}/meetings/" in message.body
    html = message.alternatives[0][0]
    assert f"/o/western/mentorships/{pair.pk}/meetings/" in html and "Schedule or log the meeting" in html
    assert message.extra_headers["Message-ID"] == reminders.message_id(rows[0].key) or message.extra_headers[
        "Message-ID"
    ] == reminders.message_id(rows[1].key)

    # Running again the same day, and the next days, sends nothing more.
    for day in (TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=2)):
        assert _scan(day, django_capture_on_commit_callbacks).recorded == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_missed_scans_catch_up_with_one_reminder_per_item_not_one_per_day(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=200))
    _held(pair, TODAY - timedelta(days=120))  # quarterly: the next contact was due 29 days ago
    other = _pair(org, program, started_on=TODAY - timedelta(days=200))
    _held(other, TODAY - timedelta(days=60))  # due in 31 days: nothing yet

    # No scan ran for three weeks; the first one back sends one check-in per person (and, the
    # pair having neither written nor met for longer than the cadence, a quiet nudge each).
    run = _scan(TODAY, django_capture_on_commit_callbacks)
    assert run.recorded == 4
    assert len(_rows(kind=ReminderKind.QUIET, mentorship=pair)) == 2
    checkins = _rows(kind=ReminderKind.CHECKIN)
    assert {r.recipient_id for r in checkins} == {pair.mentor_id, pair.mentee_id}
    assert {r.due_on for r in checkins} == {TODAY - timedelta(days=29)}
    assert len(_checkin_mail()) == 2
    assert "was due on" in _checkin_mail()[0].body

    for offset in range(1, 8):
        _scan(TODAY + timedelta(days=offset), django_capture_on_commit_callbacks)
    assert len(_checkin_mail()) == 2  # still overdue, still one reminder for that period

    # The other pair's check-in comes due (7 days ahead) once, after days of no scans.
    _scan(TODAY + timedelta(days=40), django_capture_on_commit_callbacks)
    later = _rows(kind=ReminderKind.CHECKIN, mentorship=other)
    assert len(later) == 2 and len(_checkin_mail()) == 4

    # Once they meet, the next period gets its own reminder in due course.
    _held(pair, TODAY + timedelta(days=41))
    _scan(TODAY + timedelta(days=41 + 91 - 7), django_capture_on_commit_callbacks)
    assert len(_rows(kind=ReminderKind.CHECKIN, mentorship=pair)) == 4


@pytest.mark.django_db
def test_a_scheduled_meeting_silences_the_check_in_nudge(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=200))
    _held(pair, TODAY - timedelta(days=88))
    with scopes_disabled():
        Meeting.objects.create(
            organization=org, mentorship=pair, starts_at=NOW + timedelta(days=10), status="scheduled"
        )
    _scan(TODAY, django_capture_on_commit_callbacks)
    assert _rows(kind=ReminderKind.CHECKIN) == []


@pytest.mark.django_db
def test_people_can_turn_off_nudges_but_not_their_obligations(society, client, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=200))
    _held(pair, TODAY - timedelta(days=100))
    client.force_login(pair.mentee.user)
    response = client.post("/o/western/notifications/", {"messages_email": "immediate", "nudges_email": "off"})
    assert response.status_code == 302
    pair.mentee.refresh_from_db()
    assert pair.mentee.nudges_enabled is False
    with scopes_disabled():
        Proposal.objects.create(
            organization=org,
            program=program,
            mentor=MembershipFactory(organization=org),
            mentee=pair.mentee,
            status=ProposalStatus.OFFERED,
            offered_at=NOW - timedelta(days=8),
        )

    _scan(TODAY, django_capture_on_commit_callbacks)
    skipped = _rows(recipient=pair.mentee, kind=ReminderKind.CHECKIN)
    assert [r.status for r in skipped] == [ReminderStatus.SKIPPED]
    consent = _rows(recipient=pair.mentee, kind=ReminderKind.CONSENT)
    assert [r.status for r in consent] == [ReminderStatus.SENT]
    to_mentee = [m for m in mail.outbox if m.to == [pair.mentee.user.email]]
    assert len(to_mentee) == 1 and "waiting for your answer" in to_mentee[0].subject
    assert "nudges" in next(m for m in mail.outbox if m.to == [pair.mentor.user.email]).body  # opt-out link
    page = client.get("/o/western/notifications/")
    assert page.status_code == 200 and "Pairing awaiting your answer" in page.content.decode()


@pytest.mark.django_db
def test_stale_signatures_drafts_and_requests_are_reminded(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=10))
    with scopes_disabled():
        agreement = Agreement.objects.create(
            organization=org, mentorship=pair, status=AgreementStatus.AWAITING, title="Mentoring agreement"
        )
        Agreement.objects.filter(pk=agreement.pk).update(updated_at=NOW - timedelta(days=6))
        from agreements.models import Signature

        Signature.objects.create(
            organization=org,
            agreement=agreement,
            signer=pair.mentor,
            role="mentor",
            typed_name="x",
            content_hash="0",
        )
        request = MentorshipRequest.objects.create(
            organization=org,
            program=program,
            mentor=pair.mentor,
            mentee=MembershipFactory(organization=org, user__full_name="Omar Haddad"),
            message="Hello",
            created_at=NOW - timedelta(days=8),
            expires_at=NOW + timedelta(days=6),
        )
    _scan(TODAY, django_capture_on_commit_callbacks)
    signature = _rows(kind=ReminderKind.SIGNATURE)
    assert [r.recipient_id for r in signature] == [pair.mentee_id]  # the mentor has signed
    assert [r.recipient_id for r in _rows(kind=ReminderKind.REQUEST)] == [pair.mentor_id]
    request_mail = next(m for m in mail.outbox if "Omar Haddad" in m.subject)
    assert "/o/western/requests/" in request_mail.body
    assert request.pk


@pytest.mark.django_db
def test_yearly_review_is_opened_and_both_reminded_until_they_answer(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=370))
    _held(pair, TODAY - timedelta(days=20))
    _scan(TODAY, django_capture_on_commit_callbacks)
    with scopes_disabled():
        review = YearlyReview.objects.get(mentorship=pair)
    assert review.due_on == TODAY - timedelta(days=5)
    rows = _rows(kind=ReminderKind.YEARLY_REVIEW)
    assert {r.recipient_id for r in rows} == {pair.mentor_id, pair.mentee_id}
    assert all(r.path == f"/o/western/mentorships/{pair.pk}/review/" for r in rows)
    _scan(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    with scopes_disabled():
        assert YearlyReview.objects.filter(mentorship=pair).count() == 1
    assert len(_rows(kind=ReminderKind.YEARLY_REVIEW)) == 2


@pytest.mark.django_db
def test_quarterly_report_reminds_the_party_who_has_not_confirmed(society, django_capture_on_commit_callbacks):
    org, program = society
    program.quarterly_reports = True
    program.save()
    pair = _pair(org, program, started_on=date(2026, 7, 1))
    _held(pair, date(2026, 11, 1))
    with scopes_disabled():
        QuarterlyReport.objects.create(
            organization=org,
            mentorship=pair,
            year=2026,
            quarter=4,
            goals_achieved="x",
            revision=2,
            mentor_confirmed_revision=2,
        )
    _scan(date(2026, 12, 10), django_capture_on_commit_callbacks)  # Q4 ends 31 Dec: within two weeks? no
    assert _rows(kind=ReminderKind.QUARTERLY_REPORT) == []
    _scan(date(2026, 12, 20), django_capture_on_commit_callbacks)
    rows = _rows(kind=ReminderKind.QUARTERLY_REPORT)
    assert [(r.recipient_id, r.period) for r in rows] == [(pair.mentee_id, "2026Q4")]
    assert rows[0].path == f"/o/western/mentorships/{pair.pk}/reports/"


@pytest.mark.django_db
def test_senior_mentor_review_every_six_months(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=date(2026, 6, 1), origin="senior")
    _scan(date(2026, 11, 10), django_capture_on_commit_callbacks)
    assert _rows(kind=ReminderKind.SENIOR_REVIEW) == []
    _scan(date(2026, 11, 20), django_capture_on_commit_callbacks)  # due 1 Dec, 14 days' notice
    rows = _rows(kind=ReminderKind.SENIOR_REVIEW)
    assert len(rows) == 2 and {r.due_on for r in rows} == {date(2026, 12, 1)}
    assert _rows(kind=ReminderKind.FIRST_MEETING_MISSED) == []  # senior pairings have their own rhythm
    _held(pair, date(2026, 11, 28))
    _scan(date(2027, 5, 10), django_capture_on_commit_callbacks)  # the next half-year: 1 Jun 2027
    assert len(_rows(kind=ReminderKind.SENIOR_REVIEW)) == 2
    _scan(date(2027, 5, 20), django_capture_on_commit_callbacks)
    assert len(_rows(kind=ReminderKind.SENIOR_REVIEW)) == 4


@pytest.mark.django_db
def test_survey_invitations_and_a_last_call_to_those_who_have_not_answered(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=20))
    _held(pair, TODAY - timedelta(days=10))
    with scopes_disabled():
        survey = Survey.objects.create(organization=org, program=program, title="Autumn feedback", status="active")
        wave = SurveyWave.objects.create(
            organization=org, survey=survey, opens_on=TODAY - timedelta(days=10), closes_on=TODAY + timedelta(days=4)
        )
        invited = SurveyInvitation.objects.create(organization=org, wave=wave, membership=pair.mentor, role="mentor")
        answered = SurveyInvitation.objects.create(
            organization=org, wave=wave, membership=pair.mentee, role="mentee", answered=True
        )
        SurveyInvitation.objects.filter(pk__in=[invited.pk, answered.pk]).update(created_at=NOW - timedelta(days=10))
    _scan(TODAY, django_capture_on_commit_callbacks)
    assert [r.recipient_id for r in _rows(kind=ReminderKind.SURVEY)] == [pair.mentor_id]
    assert _rows(kind=ReminderKind.SURVEY_LAST_CALL) == []
    _scan(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    last_call = _rows(kind=ReminderKind.SURVEY_LAST_CALL)
    assert [r.recipient_id for r in last_call] == [pair.mentor_id]
    assert last_call[0].path == f"/o/western/surveys/answer/{invited.token}/"
    _scan(TODAY + timedelta(days=2), django_capture_on_commit_callbacks)
    assert len(_rows(kind__in=[ReminderKind.SURVEY, ReminderKind.SURVEY_LAST_CALL])) == 2


@pytest.mark.django_db
def test_a_claim_is_exclusive_and_a_dead_workers_claim_lapses(society):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=40))
    with scopes_disabled():
        reminders.record(due_items(TODAY))
        ids = list(Reminder.objects.values_list("pk", flat=True))
        first = reminders.claim(ids)
        second = reminders.claim(ids)
        assert Reminder.objects.filter(claim_token=first).count() == 2
        assert Reminder.objects.filter(claim_token=second).count() == 0
        assert reminders.send(ids) == 0  # a second task on the same ids sends nothing
        assert mail.outbox == []
        # The first worker "died"; after the lease the rows are handed out again and sent.
        Reminder.objects.update(claimed_at=NOW - timedelta(hours=1))
        assert sorted(reminders.ids_to_send()) == sorted(ids)
        assert reminders.send(ids) == 2
        assert reminders.send(ids) == 0
    assert len(mail.outbox) == 2 and pair.pk


@pytest.mark.django_db
def test_a_mail_server_error_releases_the_reminder_for_a_later_try(society, monkeypatch):
    org, program = society
    _pair(org, program, started_on=TODAY - timedelta(days=40))

    class Broken:
        def send_messages(self, messages):
            raise OSError("connection refused")

        def close(self):
            pass

    with scopes_disabled():
        reminders.record(due_items(TODAY))
        ids = list(Reminder.objects.values_list("pk", flat=True))
        monkeypatch.setattr(reminders, "get_connection", lambda: Broken())
        assert reminders.send(ids) == 0
        assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.PENDING}
        assert "connection refused" in Reminder.objects.first().error
        Reminder.objects.update(attempts=reminders.MAX_ATTEMPTS - 1)
        reminders.send(ids)
        assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.FAILED}


@pytest.mark.django_db
def test_the_email_link_opens_the_page_for_its_recipient(society, client, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=40))
    _scan(TODAY, django_capture_on_commit_callbacks)
    row = _rows(recipient=pair.mentee)[0]
    client.force_login(pair.mentee.user)
    assert client.get(row.path).status_code == 200


@pytest.mark.django_db
def test_scans_ignore_other_statuses_and_removed_people(society, django_capture_on_commit_callbacks):
    org, program = society
    ended = _pair(org, program, started_on=TODAY - timedelta(days=40))
    with scopes_disabled():
        Mentorship.objects.filter(pk=ended.pk).update(status="ended")
    live = _pair(org, program, started_on=TODAY - timedelta(days=40))
    live.mentor.is_active = False
    live.mentor.save()
    _scan(TODAY, django_capture_on_commit_callbacks)
    assert [r.recipient_id for r in _rows()] == [live.mentee_id]


# --- The coordinators' record ------------------------------------------------------------------


def _reminder(org, recipient, **extra):
    with scopes_disabled():
        return Reminder.objects.create(
            organization=org,
            recipient=recipient,
            kind=extra.pop("kind", ReminderKind.CHECKIN),
            key=str(uuid.uuid4()),
            path="/",
            status=extra.pop("status", ReminderStatus.SENT),
            sent_at=NOW,
            **extra,
        )


@pytest.mark.django_db
def test_coordinators_see_what_was_sent_to_whom_and_when(client, coordinator_a, member_a, org_b):
    _reminder(coordinator_a.organization, member_a, kind=ReminderKind.SURVEY)
    other = MembershipFactory(organization=org_b, user__email="bravo-person@example.org")
    _reminder(org_b, other)
    client.force_login(coordinator_a.user)
    page = client.get("/o/alpha/reminders/").content.decode()
    assert member_a.user.email in page and "Survey" in page
    assert "bravo-person@example.org" not in page
    csv = client.get("/o/alpha/reminders.csv?kind=survey").content.decode()
    assert member_a.user.email in csv and "bravo-person" not in csv
    assert client.get("/o/alpha/reminders.csv?kind=checkin").content.decode().count("\n") == 1


@pytest.mark.django_db
def test_the_reminder_record_is_for_coordinators_only(client, member_a, coordinator_b):
    client.force_login(member_a.user)
    assert client.get("/o/alpha/reminders/").status_code == 403
    assert client.get("/o/alpha/reminders.csv").status_code == 403
    client.force_login(coordinator_b.user)
    assert client.get("/o/alpha/reminders/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 200])
def test_the_reminder_record_runs_a_bounded_number_of_queries(
    client, coordinator_a, member_a, count, django_assert_max_num_queries
):
    with scopes_disabled():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    organization=coordinator_a.organization,
                    recipient=member_a,
                    kind=ReminderKind.CHECKIN,
                    key=f"k{i}",
                    path="/",
                    status=ReminderStatus.SENT,
                )
                for i in range(count)
            ]
        )
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(12):
        assert client.get("/o/alpha/reminders/").status_code == 200


@override_settings(REMINDER_CLAIM_LEASE_SECONDS=60)
@pytest.mark.django_db
def test_a_reminder_handed_out_moments_ago_is_not_handed_out_again(society, django_capture_on_commit_callbacks):
    org, program = society
    _pair(org, program, started_on=TODAY - timedelta(days=40))
    with scopes_disabled():
        reminders.record(due_items(TODAY))
        ids = reminders.ids_to_send()
        assert len(ids) == 2  # recorded, never handed out
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            tasks.enqueue(ids)  # the task is queued, not run yet
        assert len([c for c in callbacks if not is_freshness_hook(c)]) == 1
        assert reminders.ids_to_send() == []  # a sweep now leaves them to their task
        Reminder.objects.update(handed_out_at=NOW - timedelta(minutes=5))
        assert sorted(reminders.ids_to_send()) == sorted(ids)  # that task was lost


@pytest.mark.django_db
def test_a_send_that_runs_out_of_time_stops_and_releases_what_it_has_not_sent(society, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    org, program = society
    for _ in range(2):
        _pair(org, program, started_on=TODAY - timedelta(days=40))

    class Slow:
        sent = 0

        def send_messages(self, messages):
            if Slow.sent == 1:
                raise SoftTimeLimitExceeded()
            Slow.sent += 1

        def close(self):
            pass

    with scopes_disabled():
        reminders.record(due_items(TODAY))
        ids = list(Reminder.objects.values_list("pk", flat=True))
        monkeypatch.setattr(reminders, "get_connection", lambda: Slow())
        with pytest.raises(SoftTimeLimitExceeded):
            reminders.send(ids)
        statuses = sorted(Reminder.objects.values_list("status", flat=True))
        assert statuses == ["pending", "pending", "pending", "sent"]  # nothing left claimed
        assert not Reminder.objects.filter(claim_token__isnull=False, status="sending").exists()


@pytest.mark.django_db
def test_a_survey_closed_after_the_scan_gets_no_reminder(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=20))
    with scopes_disabled():
        survey = Survey.objects.create(organization=org, program=program, title="Winter", status="active")
        wave = SurveyWave.objects.create(
            organization=org, survey=survey, opens_on=TODAY - timedelta(days=1), closes_on=TODAY + timedelta(days=13)
        )
        SurveyInvitation.objects.create(organization=org, wave=wave, membership=pair.mentor, role="mentor")
        reminders.record(due_surveys(TODAY))
        Survey.objects.filter(pk=survey.pk).update(status="closed")
        ids = list(Reminder.objects.values_list("pk", flat=True))
        assert reminders.send(ids) == 0
        assert Reminder.objects.get().status == ReminderStatus.SKIPPED
        assert reminders.record(due_surveys(TODAY)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_paused_pairing_gets_no_meeting_nudges(society, django_capture_on_commit_callbacks):
    org, program = society
    pair = _pair(org, program, started_on=TODAY - timedelta(days=40))
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="paused")
    _scan(TODAY, django_capture_on_commit_callbacks)
    assert _rows() == []


@pytest.mark.django_db
def test_the_six_month_assessment_is_sent_six_months_into_each_pairing(society, django_capture_on_commit_callbacks):
    org, program = society
    program.six_month_assessment = True
    program.save()
    due = _pair(org, program, started_on=TODAY - timedelta(days=190))
    _held(due, TODAY - timedelta(days=30))
    young = _pair(org, program, started_on=TODAY - timedelta(days=100))
    _held(young, TODAY - timedelta(days=30))
    _scan(TODAY, django_capture_on_commit_callbacks)
    rows = _rows(kind=ReminderKind.ASSESSMENT)
    assert {r.recipient_id for r in rows} == {due.mentor_id, due.mentee_id}
    assert all(r.path.startswith("/o/western/surveys/answer/") for r in rows)
    assert any("6-month assessment" in m.subject for m in mail.outbox)
    _scan(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    assert len(_rows(kind=ReminderKind.ASSESSMENT)) == 2


@pytest.mark.django_db
def test_dashboard_and_reminders_agree_on_a_senior_mentors_half_yearly_review(society):
    from surveys.dashboard import due_state

    org, program = society
    pair = _pair(org, program, started_on=date(2026, 6, 1), origin="senior")
    # No first-meeting deadline for a senior pairing: due at six months, not overdue before.
    state = due_state(
        started_on=pair.started_on,
        first_meeting_days=30,
        cadence="monthly",
        last_held=None,
        today=date(2026, 11, 20),
        origin="senior",
    )
    assert state["due_on"] == date(2026, 12, 1) and not state["overdue"]
    late = due_state(
        started_on=pair.started_on,
        first_meeting_days=30,
        cadence="monthly",
        last_held=None,
        today=date(2026, 12, 11),
        origin="senior",
    )
    assert late["overdue"] and late["days_overdue"] == 10
    held = due_state(
        started_on=pair.started_on,
        first_meeting_days=30,
        cadence="monthly",
        last_held=datetime(2026, 11, 28, 12, tzinfo=UTC),
        today=date(2026, 12, 11),
        origin="senior",
    )
    assert held["due_on"] == date(2027, 6, 1) and not held["overdue"]
