"""A meeting that already took place can be logged without having been scheduled here
(issue 15: past dates for a log, future dates for an invitation)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from relationships.models import Meeting, MeetingStatus, Stage
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org_a):
    return dana_and_nia(
        org_a,
        started_on=timezone.localdate() - timedelta(days=40),
        mentor={"user__time_zone": "America/New_York"},
        mentee={"user__time_zone": "Europe/London"},
    )


def _local(days_ago: int, hour: int = 10) -> str:
    """A datetime-local value that many days back (whatever the person's zone, it is past)."""
    return (timezone.localdate() - timedelta(days=days_ago)).strftime(f"%Y-%m-%dT{hour:02d}:00")


def _post(client, pair, person, **data):
    client.force_login(person.user)
    url = reverse("meeting_list", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    fields = {"action": "record", "held_minutes": "45", "mode": "phone", "summary": "Talked about the fellowship."}
    return client.post(url, {**fields, **data})


def test_either_party_logs_a_meeting_that_already_took_place(client, pair):
    response = _post(client, pair, pair.mentee, starts_at=_local(3))
    with scopes_disabled():
        meeting = Meeting.objects.get(mentorship=pair)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/meetings/{meeting.pk}/")
    assert meeting.status == MeetingStatus.HELD and meeting.held_minutes == 45 and meeting.mode == "phone"
    assert meeting.summary == "Talked about the fellowship." and meeting.logged_by == pair.mentee
    assert meeting.starts_at < timezone.now()
    assert mail.outbox == []  # nothing to invite anyone to
    _post(client, pair, pair.mentor, starts_at=_local(2))
    with scopes_disabled():
        pair.refresh_from_db()
        assert Meeting.objects.filter(mentorship=pair, status=MeetingStatus.HELD).count() == 2
    assert pair.stage == Stage.UNDERSTANDING  # seed 001: two meetings held, exploration is done


def test_a_time_to_come_is_for_an_invitation_and_a_day_before_the_start_is_refused(client, pair):
    future = (timezone.localdate() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    response = _post(client, pair, pair.mentee, starts_at=future)
    assert response.status_code == 400
    assert "schedule the meeting instead" in response.context["past_form"].errors["starts_at"][0]
    response = _post(client, pair, pair.mentee, starts_at=_local(60))
    assert "since the mentorship started" in response.context["past_form"].errors["starts_at"][0]
    response = _post(client, pair, pair.mentee, starts_at=_local(3), held_minutes="0")
    assert response.context["past_form"].errors["held_minutes"]
    # The typed text is still there after a refusal.
    assert response.context["past_form"]["summary"].value() == "Talked about the fellowship."
    with scopes_disabled():
        assert not Meeting.objects.filter(mentorship=pair).exists()


def test_only_the_pair_log_and_not_after_the_end(client, pair, org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    assert _post(client, pair, coordinator, starts_at=_local(3)).status_code == 404
    with scopes_disabled():
        type(pair).objects.filter(pk=pair.pk).update(status="ended")
    response = _post(client, pair, pair.mentee, starts_at=_local(3))
    assert response.status_code == 302
    with scopes_disabled():
        assert not Meeting.objects.filter(mentorship=pair).exists()


def test_scheduling_still_refuses_a_past_time(client, pair):
    client.force_login(pair.mentee.user)
    url = reverse("meeting_list", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    response = client.post(url, {"starts_at": _local(3), "duration_minutes": "60", "mode": "video"})
    assert response.status_code == 400
    assert "in the future" in response.context["form"].errors["starts_at"][0]
