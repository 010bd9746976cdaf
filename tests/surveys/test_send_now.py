"""A coordinator's "Send now" for a survey's scheduled wave: it opens the wave today and
emails its invitations at once, exactly once — a second click, and the next daily scan,
send nothing again."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from surveys.models import Reminder, SurveyWave
from surveys.services import send_now
from surveys.tasks import scan
from tests.factories import ProgramFactory
from tests.surveys.test_survey_waves import pair, survey

TODAY = date(2026, 3, 16)
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, six_month_assessment=False)


def test_send_now_sends_a_future_wave_today_exactly_once(
    client, org_a, coordinator_a, program, django_capture_on_commit_callbacks
):
    pairs = [pair(program), pair(program)]
    made = survey(org_a, opens_on=TODAY + timedelta(days=20))
    client.force_login(coordinator_a.user)
    url = reverse("survey_send_now", kwargs={"org_slug": org_a.slug, "pk": made.pk})
    edit = reverse("survey_edit", kwargs={"org_slug": org_a.slug, "pk": made.pk})
    assert "Send wave 1 now" in client.get(edit).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Wave 1 sent: 4 people invited" in response.content.decode()
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        person.user.email for p in pairs for person in (p.mentor, p.mentee)
    )
    with scopes_disabled():
        assert SurveyWave.objects.filter(survey=made).count() == 1
        assert Reminder.objects.filter(key__startswith="survey:").count() == 4

    # A second click: already sent, nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    page = response.content.decode()
    assert "was already sent on 16 March 2026" in page
    assert "Send wave 1 now" not in page
    assert len(mail.outbox) == 4

    # The daily scan, on the day and on the survey's own date, sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        scan(TODAY)
        scan(TODAY + timedelta(days=20))
    assert len(mail.outbox) == 4
    with scopes_disabled():
        assert SurveyWave.objects.filter(survey=made).count() == 1


def test_send_now_after_the_scan_says_already_sent(org_a, coordinator_a, program, django_capture_on_commit_callbacks):
    pair(program)
    made = survey(org_a, opens_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        scan(TODAY)
    sent = len(mail.outbox)
    assert sent == 2
    with scope(organization=org_a), pytest.raises(ServiceError, match="already sent"):
        send_now.wave_send_now(actor=coordinator_a, survey=made)
    assert len(mail.outbox) == sent


def test_a_recurring_survey_sends_the_current_period_wave(
    org_a, coordinator_a, program, django_capture_on_commit_callbacks
):
    pair(program)
    made = survey(org_a, schedule="every_n_months", interval_months=3, opens_on=TODAY - timedelta(days=100))
    with scope(organization=org_a):
        assert send_now.sendable_wave(made) == 2
        with django_capture_on_commit_callbacks(execute=True):
            sent = send_now.wave_send_now(actor=coordinator_a, survey=made)
        assert sent.wave.number == 2 and sent.invited == 2 and sent.emails == 2
        assert len(mail.outbox) == 2
        assert send_now.sendable_wave(made) is None


def test_only_coordinators_send_now(client, org_a, member_a, coordinator_b, program):
    made = survey(org_a, opens_on=TODAY + timedelta(days=5))
    client.force_login(member_a.user)
    url = reverse("survey_send_now", kwargs={"org_slug": org_a.slug, "pk": made.pk})
    assert client.post(url).status_code in (403, 404)
    with scopes_disabled():
        assert not SurveyWave.objects.filter(survey=made).exists()


def test_a_draft_or_per_pairing_survey_cannot_be_sent_now(org_a, coordinator_a, program):
    draft = survey(org_a, status="draft")
    per_pairing = survey(org_a, schedule="after_pairing", interval_months=6)
    with scope(organization=org_a):
        with pytest.raises(ServiceError, match="Only an active survey"):
            send_now.wave_send_now(actor=coordinator_a, survey=draft)
        with pytest.raises(ServiceError, match="each pairing"):
            send_now.wave_send_now(actor=coordinator_a, survey=per_pairing)
