import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.demo import DEMO_PASSWORD, MULTI_ORG_EMAIL
from programs.models import Membership, MemberStatus, Organization

pytestmark = pytest.mark.django_db


def _counts():
    with scopes_disabled():
        return (Organization.objects.count(), User.objects.count(), Membership.objects.count())


def test_seed_demo_builds_three_program_models_and_is_idempotent(capsys, client):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    out = capsys.readouterr().out
    assert "coordinator@western-surgical.example.org" in out and DEMO_PASSWORD in out

    assert set(Organization.objects.values_list("slug", flat=True)) == {
        "western-surgical",
        "lakeshore-anesthesiology",
        "radonc-alumni",
    }
    with scopes_disabled():
        for org in Organization.objects.all():
            members = Membership.objects.filter(organization=org)
            assert members.filter(is_coordinator=True).exists(), org
            assert members.count() >= 30, org
        society = Membership.objects.filter(organization__slug="western-surgical")
        assert society.filter(is_committee=True).count() >= 3
        assert set(society.values_list("status", flat=True)) == {MemberStatus.MEMBER, MemberStatus.CANDIDATE}
        alumni = Membership.objects.filter(organization__slug="radonc-alumni")
        assert set(alumni.values_list("status", flat=True)) == {MemberStatus.ALUMNI, MemberStatus.TRAINEE}
        assert Membership.objects.filter(user__email=MULTI_ORG_EMAIL).count() == 3
    assert not EmailAddress.objects.filter(verified=False).exists()

    # The printed sign-ins work.
    response = client.post("/accounts/login/", {"login": MULTI_ORG_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    home = client.get("/").content
    assert b"Western Surgical Society" in home and b"Radiation Oncology Alumni Mentoring Network" in home
