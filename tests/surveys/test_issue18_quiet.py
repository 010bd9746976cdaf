"""Issue 18, quiet mentorships: the program-health dashboard's panel (metadata only, a fixed
number of queries whatever the number of pairs) and the reminder scan's nudge to the quiet
side (whoever owes a reply, or both before their first message), once per quiet spell."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship import mail as mail_path
from relationships.models import Mentorship, MentorshipStatus
from surveys import dashboard, tasks
from surveys.models import NON_ESSENTIAL_KINDS, Reminder, ReminderKind, ReminderStatus
from surveys.services import reminders
from surveys.services.due import QUIET_URL_NAME, due_quiet
from surveys.services.quiet import quiet_copy, still_quiet
from tests.factories import MembershipFactory, ProgramFactory, dana_and_nia
from tests.relationships.test_issue18_responsiveness import SECRET, held, say

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
TODAY = NOW.date()
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]


def _at(days_ago: int) -> datetime:
    return NOW.replace(hour=12) - timedelta(days=days_ago)


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, slug="society", name="Society Mentorship", meeting_cadence="monthly")


def _pair(org, program, **kwargs) -> Mentorship:
    return dana_and_nia(org, program=program, started_on=TODAY - timedelta(days=200), **kwargs)


def _other_pair(org, program, days_ago: int) -> Mentorship:
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=MembershipFactory(organization=org),
            mentee=MembershipFactory(organization=org),
            origin="proposal",
            started_on=TODAY - timedelta(days=days_ago),
            planned_end_on=TODAY + timedelta(days=400),
        )


def _url(org, name="") -> str:
    return f"/o/{org.slug}/health/{name}"


def _quiet_reminders(**filters) -> list[Reminder]:
    with scopes_disabled():
        return list(Reminder.objects.filter(kind=ReminderKind.QUIET, **filters).order_by("pk"))


def _quiet_mail() -> list:
    """The emails of the quiet nudges (a pair without a meeting also gets other reminders)."""
    ids = {reminders.message_id(r.key) for r in _quiet_reminders()}
    return [m for m in mail.outbox if m.extra_headers["Message-ID"] in ids]


def _scan(today, capture):
    with capture(execute=True):
        return tasks.scan(today)


# --- The dashboard's panel ------------------------------------------------------------------------


def test_the_panel_lists_quiet_pairs_with_their_last_contact_and_nothing_they_wrote(
    client, org_a, program, coordinator_a
):
    quiet = _pair(org_a, program)
    say(quiet, quiet.mentee, _at(45), body=SECRET)
    held(quiet, _at(50))
    fine = _other_pair(org_a, program, days_ago=200)
    held(fine, _at(3))
    paused = _other_pair(org_a, program, days_ago=200)
    with scopes_disabled():
        Mentorship.objects.filter(pk=paused.pk).update(status=MentorshipStatus.PAUSED)
    client.force_login(coordinator_a.user)
    page = client.get(_url(org_a)).content.decode()
    assert "Quiet mentorships (1)" in page
    panel = page[page.index('id="quiet-mentorships"') :]
    panel = panel[: panel.index("</section>")]
    assert "Dana Whitfield" in panel and "Nia Mensah" in panel and "Society Mentorship" in panel
    last = TODAY - timedelta(days=45)
    assert f"{last.day} {last:%b %Y}" in panel and '<td class="text-end">45</td>' in panel
    assert reverse("mentorship_detail", kwargs={"org_slug": org_a.slug, "pk": quiet.pk}) in panel
    assert SECRET not in page and "orchid" not in page
    with scope(organization=org_a):
        data = dashboard.quiet(org_a)
    assert data["count"] == 1 and [p["pk"] for p in data["shown"]] == [quiet.pk]
    assert data["shown"][0]["last_contact"] == "message" and data["shown"][0]["days_quiet"] == 45


def test_the_panel_says_what_an_empty_list_means(client, org_a, program, coordinator_a):
    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(2))
    client.force_login(coordinator_a.user)
    page = client.get(_url(org_a)).content.decode()
    assert "Quiet mentorships (0)" in page
    assert "No quiet mentorships: every active pair has written or met within their program" in page


def test_only_coordinators_see_the_dashboard(client, org_a, program):
    pair = _pair(org_a, program)
    client.force_login(pair.mentor.user)
    response = client.get(_url(org_a))
    assert response.status_code in (403, 404)
    assert "Quiet mentorships" not in response.content.decode()


def test_the_csv_has_every_quiet_pair_longest_quiet_first(client, org_a, program, coordinator_a):
    first = _other_pair(org_a, program, days_ago=40)
    second = _other_pair(org_a, program, days_ago=100)
    say(second, second.mentor, _at(60), body=SECRET)
    client.force_login(coordinator_a.user)
    response = client.get(_url(org_a, "quiet.csv"))
    assert response.status_code == 200
    body = response.getvalue().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body))
    assert header[-2:] == ["last contact", "days quiet"]
    assert [(row[0], row[-1]) for row in rows] == [
        (second.mentor.user.full_name, "60"),
        (first.mentor.user.full_name, "40"),
    ]
    assert SECRET not in body


def _count(client, url) -> int:
    cache.clear()  # the panels are kept until the data changes: count a computed page
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_panel_reads_as_many_queries_for_3_quiet_pairs_as_for_30(
    client, org_a, program, coordinator_a, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(dashboard, "QUIET_SHOWN", 10)
    client.force_login(coordinator_a.user)
    for n in range(3):
        pair = _other_pair(org_a, program, days_ago=200)
        say(pair, pair.mentor, _at(40 + n))
        held(pair, _at(50 + n))
    client.get(_url(org_a))
    small = _count(client, _url(org_a))
    for n in range(27):
        pair = _other_pair(org_a, program, days_ago=200)
        say(pair, pair.mentee, _at(35 + n))
        held(pair, _at(60 + n))
    cache.clear()
    with django_assert_max_num_queries(small):
        page = client.get(_url(org_a)).content.decode()
    assert _count(client, _url(org_a)) == small
    assert "Quiet mentorships (30)" in page
    assert "The 10 quiet the longest of 30 are shown" in page


# --- The reminder scan ----------------------------------------------------------------------------


def test_the_side_that_owes_a_reply_is_nudged_once_per_quiet_spell(
    org_a, program, django_capture_on_commit_callbacks, time_machine
):
    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(50))
    say(pair, pair.mentee, _at(45))
    say(pair, pair.mentor, _at(31), body=SECRET)  # Dana wrote last: Nia owes the reply
    last = TODAY - timedelta(days=31)

    for _ in range(2):
        _scan(TODAY, django_capture_on_commit_callbacks)
    [nudge] = _quiet_reminders()
    assert nudge.recipient_id == pair.mentee_id
    assert nudge.key == f"quiet:{pair.pk}:{pair.mentee_id}:{last}"
    assert nudge.period == str(last) and nudge.status == ReminderStatus.SENT
    assert nudge.context["owes_reply"] is True and nudge.context["other"] == "Dana Whitfield"
    assert [m.to for m in _quiet_mail()] == [[pair.mentee.user.email]]

    time_machine.move_to(NOW + timedelta(days=1))
    _scan(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    assert len(_quiet_reminders()) == 1 and len(_quiet_mail()) == 1  # the same spell: no second nudge

    # Nia answers; a month later the pair is quiet again and now Dana owes the reply.
    say(pair, pair.mentee, NOW + timedelta(days=1, hours=1))
    time_machine.move_to(NOW + timedelta(days=32))
    _scan(TODAY + timedelta(days=32), django_capture_on_commit_callbacks)
    nudges = _quiet_reminders()
    assert [n.recipient_id for n in nudges] == [pair.mentee_id, pair.mentor_id]
    assert nudges[1].key == f"quiet:{pair.pk}:{pair.mentor_id}:{TODAY + timedelta(days=1)}"
    assert [m.to for m in _quiet_mail()] == [[pair.mentee.user.email], [pair.mentor.user.email]]
    assert all(SECRET not in m.body for m in mail.outbox)


def test_both_are_nudged_before_their_first_message(org_a, program, django_capture_on_commit_callbacks):
    pair = _pair(org_a, program)
    held(pair, _at(31))
    _scan(TODAY, django_capture_on_commit_callbacks)
    nudges = _quiet_reminders()
    assert {n.recipient_id for n in nudges} == {pair.mentor_id, pair.mentee_id}
    assert all(n.context["owes_reply"] is False and n.context["last_contact"] == "meeting" for n in nudges)
    assert {n.status for n in nudges} == {ReminderStatus.SENT}
    assert sorted(m.to[0] for m in _quiet_mail()) == sorted([pair.mentor.user.email, pair.mentee.user.email])


def test_a_pair_in_touch_within_the_cadence_is_not_nudged(org_a, program, django_capture_on_commit_callbacks):
    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(30))
    with scopes_disabled():
        assert list(due_quiet(TODAY)) == []
        assert [d.recipient_id for d in due_quiet(TODAY + timedelta(days=1))] == [pair.mentee_id]
    _scan(TODAY, django_capture_on_commit_callbacks)
    assert _quiet_reminders() == []


def test_the_nudge_respects_turning_nudges_off(org_a, program, django_capture_on_commit_callbacks):
    assert ReminderKind.QUIET in NON_ESSENTIAL_KINDS
    pair = _pair(org_a, program, mentee={"nudges_enabled": False, "nudges_email": "off"})
    held(pair, _at(40))
    _scan(TODAY, django_capture_on_commit_callbacks)
    by_recipient = {n.recipient_id: n.status for n in _quiet_reminders()}
    assert by_recipient == {pair.mentor_id: ReminderStatus.SENT, pair.mentee_id: ReminderStatus.SKIPPED}
    assert [m.to for m in _quiet_mail()] == [[pair.mentor.user.email]]


# --- The email ------------------------------------------------------------------------------------


def test_the_nudge_email_renders_with_its_link_and_the_one_click_opt_out(
    org_a, program, django_capture_on_commit_callbacks
):
    pair = _pair(org_a, program)
    say(pair, pair.mentee, _at(40), body=SECRET)
    _scan(TODAY, django_capture_on_commit_callbacks)
    [message] = _quiet_mail()
    assert message.to == [pair.mentor.user.email]
    path = reverse(QUIET_URL_NAME, kwargs={"org_slug": org_a.slug, "pk": pair.pk})
    html = message.alternatives[0][0]
    assert path in message.body and path in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert SECRET not in message.body and SECRET not in html


def _reminder(pair, recipient, **context) -> Reminder:
    with scopes_disabled():
        return Reminder.objects.create(
            organization=pair.organization,
            recipient=recipient,
            program=pair.program,
            mentorship=pair,
            kind=ReminderKind.QUIET,
            key=f"quiet:{pair.pk}:{recipient.pk}:{context.get('last_contact_on', '')}",
            path=reverse("mentorship_detail", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk}),
            context={"program": pair.program.name, **context},
        )


@pytest.mark.parametrize("owes_reply", [True, False])
def test_the_quiet_wording_renders_in_the_reminder_email(org_a, program, owes_reply):
    pair = _pair(org_a, program)
    last = TODAY - timedelta(days=40)
    reminder = _reminder(
        pair,
        pair.mentee,
        other="Dana Whitfield",
        last_contact_on=str(last),
        interval_days=30,
        owes_reply=owes_reply,
    )
    copy = quiet_copy(reminder)
    rendered = mail_path.render_email(
        "email/reminder",
        {**copy, "organization": org_a.name, "link": "https://example.test/x", "essential": False},
        to=[pair.mentee.user.email],
        organization=org_a,
        recipient_name="Nia Mensah",
    )
    if owes_reply:
        assert rendered.subject == f"[{org_a.name}] Dana Whitfield is waiting for your reply"
        assert "Reply to Dana Whitfield: https://example.test/x" in rendered.body
    else:
        assert rendered.subject == f"[{org_a.name}] It has been quiet between you and Dana Whitfield"
        assert "Write to Dana Whitfield: https://example.test/x" in rendered.body
    assert f"since {last.day} {last:%B %Y} (40 days)" in rendered.body
    assert "Society Mentorship asks pairs to be in touch at least every 30 days." in rendered.body
    assert "Dana Whitfield" in rendered.html


def test_the_reminder_email_uses_the_quiet_wording(org_a, program):
    pair = _pair(org_a, program)
    reminder = _reminder(pair, pair.mentee, other="Dana Whitfield", last_contact_on=str(TODAY), owes_reply=True)
    message = reminders.build_message(reminder)
    assert "Dana Whitfield is waiting for your reply" in message.subject


def test_a_nudge_is_no_longer_wanted_once_the_pair_is_in_touch_again(org_a, program):
    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(40))
    reminder = _reminder(pair, pair.mentee, last_contact_on=str(TODAY - timedelta(days=40)))
    with scopes_disabled():
        assert still_quiet([reminder]) == {reminder.pk}
        say(pair, pair.mentee, _at(0))
        assert still_quiet([reminder]) == set()


def test_a_worker_skips_a_quiet_nudge_when_the_pair_wrote_since_the_scan(org_a, program):
    from django.core import mail

    from surveys.models import ReminderStatus

    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(40))
    still = _reminder(pair, pair.mentee, last_contact_on=str(TODAY - timedelta(days=40)), owes_reply=True)
    assert reminders.send([still.pk]) == 1
    assert len(mail.outbox) == 1
    with scopes_disabled():
        Reminder.objects.filter(pk=still.pk).delete()  # the same spell, asked again below
    answered = _reminder(pair, pair.mentee, last_contact_on=str(TODAY - timedelta(days=40)), owes_reply=True)
    say(pair, pair.mentee, _at(0))
    assert reminders.send([answered.pk]) == 0
    with scopes_disabled():
        answered.refresh_from_db()
    assert (answered.status, answered.error) == (ReminderStatus.SKIPPED, "in touch again")
    assert len(mail.outbox) == 1


def test_after_a_meeting_both_are_nudged_even_if_one_wrote_last(org_a, program):
    """A held meeting after the last message answered it: nobody owes a reply, both are quiet."""
    pair = _pair(org_a, program)
    say(pair, pair.mentor, _at(45))
    held(pair, _at(40))
    with scopes_disabled():
        dues = list(due_quiet(TODAY))
    assert {d.recipient_id for d in dues} == {pair.mentor_id, pair.mentee_id}
    assert all(d.context["owes_reply"] is False for d in dues)
