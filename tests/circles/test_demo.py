"""The department demo's circles (demo/circles.py): a circles program with three circles,
their people, signed agreements with sealed PDFs, and meetings; a second run adds nothing."""

import pytest
from django_scopes import scopes_disabled

from agreements.pdf import verify_pdf
from circles.models import Circle, CircleAgreementSignature, CircleMeeting, CircleMember
from demo.circles import seed_circles
from programs.models import MemberStatus
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def test_the_demo_circles(org_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True, user__email="office@example.org")
    for i in range(40):
        MembershipFactory(organization=org_a, user__email=f"faculty{i:02d}@example.org", status=MemberStatus.FACULTY)
    created = {"programs": 0}
    with scopes_disabled():
        seed_circles(org_a, coordinator.user.email, created)
        seed_circles(org_a, coordinator.user.email, created)
        assert created["programs"] == 1
        assert Circle.objects.filter(organization=org_a).count() == 3
        assert CircleMember.objects.filter(circle__organization=org_a).count() == 8 + 6 + 4
        signatures = CircleAgreementSignature.objects.filter(circle__organization=org_a)
        assert signatures.count() == 18 - 3
        assert verify_pdf(signatures.first().pdf.read())[0]
        meetings = CircleMeeting.objects.filter(circle__organization=org_a)
        assert meetings.count() == 9 and any(m.summary for m in meetings) and all(m.agenda for m in meetings)
