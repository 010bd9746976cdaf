"""Retention: an organization's period, a notice first, then anonymization; coming back cancels."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from privacy.models import PrivacySettings, RetentionNotice
from privacy.services import retention
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-10 10:00")]

SETTINGS_URL = "/o/{slug}/privacy/settings/"


def _old_member(org, name, email):
    joined = timezone.now() - timedelta(days=800)
    member = MembershipFactory(organization=org, user__full_name=name, user__email=email, joined_at=joined)
    member.user.last_login = joined
    member.user.save()
    return member


def test_the_coordinator_sets_the_period(client, org_a, coordinator_a, member_a):
    url = SETTINGS_URL.format(slug=org_a.slug)
    client.force_login(coordinator_a.user)
    assert "off (members are kept" in client.get(url).content.decode()
    response = client.post(url, {"retention_months": "0", "notice_days": "30"})
    assert response.status_code == 400 and "at least 1 month" in response.content.decode()
    response = client.post(url, {"retention_months": "24", "notice_days": "abc"})
    assert response.status_code == 400 and "whole number of days" in response.content.decode()
    assert client.post(url, {"retention_months": "24", "notice_days": "14"}).status_code == 302
    with scopes_disabled():
        settings = PrivacySettings.objects.get(organization=org_a)
    assert (settings.retention_months, settings.notice_days) == (24, 14)
    client.force_login(member_a.user)
    assert client.get(url).status_code in (403, 404)


def test_notice_then_anonymization_and_a_sign_in_cancels(
    org_a, org_b, coordinator_a, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        PrivacySettings.objects.create(organization=org_a, retention_months=12, notice_days=30)
    gone = _old_member(org_a, "Gone Member", "gone@example.org")
    back = _old_member(org_a, "Back Member", "back@example.org")
    _old_member(org_b, "Other Org Member", "other@example.org")  # no period set in org B
    fresh = MembershipFactory(organization=org_a, user__full_name="Fresh Member")
    fresh.user.last_login = timezone.now()
    fresh.user.save()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.scan() == {"noticed": 2, "cancelled": 0, "erased": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["back@example.org", "gone@example.org"]
    assert "will be anonymized" in mail.outbox[0].subject
    assert retention.scan() == {"noticed": 0, "cancelled": 0, "erased": 0}  # idempotent

    with time_machine.travel(timezone.now() + timedelta(days=10)):
        back.user.last_login = timezone.now()
        back.user.save()
        assert retention.scan() == {"noticed": 0, "cancelled": 1, "erased": 0}

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert retention.scan() == {"noticed": 0, "cancelled": 0, "erased": 1}
        assert retention.scan() == {"noticed": 0, "cancelled": 0, "erased": 0}
    gone.user.refresh_from_db()
    back.user.refresh_from_db()
    assert gone.user.full_name == f"Erased member #{gone.user.pk}" and not gone.user.is_active
    assert back.user.full_name == "Back Member"
    with scopes_disabled():
        notices = {n.membership_id: n for n in RetentionNotice.objects.all()}
    assert notices[gone.pk].erased_at and notices[back.pk].cancelled_at


def test_the_scan_is_a_few_queries_for_many_members(org_a, django_assert_max_num_queries):
    with scopes_disabled():
        PrivacySettings.objects.create(organization=org_a, retention_months=12, notice_days=30)
    for i in range(40):
        _old_member(org_a, f"Member {i}", f"m{i}@example.org")
    with django_assert_max_num_queries(60):
        # One query for the settings, a few for the organization, one per email's lookup.
        assert retention.scan()["noticed"] == 40
