"""Issue 15, time: one time zone per person (on the account), defaulting from the
organization; every time of day names its zone; emails read in the recipient's zone;
invitations are for times to come and logs for times past."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.mail import recipient_time_zone, render_email
from mentorship.middleware import UserTimezoneMiddleware
from mentorship.models import User
from mentorship.timezones import organization_zone, with_zone, zone_name_for
from programs.models import Organization, Profile
from programs.services import profiles as profile_services
from relationships.models import Meeting, MeetingStatus
from relationships.services import meetings as meeting_services
from tests.factories import MembershipFactory, dana_and_nia

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2027-01-10 09:00")]

# 14 January 2027, 15:00 in London (GMT, winter) = 15:00 UTC = 10:00 in New York = 00:00 (15th) in Tokyo.
AT = datetime(2027, 1, 14, 15, 0, tzinfo=UTC)


# --- One time zone per person -------------------------------------------------------------------


def test_a_profile_has_no_time_zone_of_its_own_and_reads_the_account(member_a):
    assert "time_zone" not in {f.name for f in Profile._meta.get_fields()}
    member_a.user.time_zone = "Asia/Tokyo"
    member_a.user.save()
    with scope(organization=member_a.organization):
        profile = profile_services.profile_save(actor=member_a, specialty="General surgery")
        assert profile.time_zone == "Asia/Tokyo"


def test_the_profile_form_edits_the_account_time_zone_for_every_organization(client, member_a, org_b):
    other = MembershipFactory(organization=org_b, user=member_a.user)
    client.force_login(member_a.user)
    url = reverse("my_profile", kwargs={"org_slug": member_a.organization.slug})
    page = client.get(url)
    assert 'data-browser-time-zone="suggest"' in page.content.decode()
    assert "js/timezone" in page.content.decode()
    response = client.post(url, {"specialty": "Surgery", "time_zone": "America/Toronto"})
    assert response.status_code == 302
    member_a.user.refresh_from_db()
    assert member_a.user.time_zone == "America/Toronto"
    # The same person's profile in the other organization reads the same zone.
    with scope(organization=org_b):
        profile = profile_services.profile_save(actor=other, specialty="Anesthesiology")
        assert profile.time_zone == "America/Toronto"
    # The account page shows it too; an unknown zone is refused on either form.
    assert client.get(reverse("profile")).context["form"]["time_zone"].value() == "America/Toronto"
    bad = client.post(url, {"specialty": "Surgery", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200 and bad.context["profile_form"].errors["time_zone"]
    member_a.user.refresh_from_db()
    assert member_a.user.time_zone == "America/Toronto"


def test_the_account_time_zone_can_be_left_unset(client, member_a):
    member_a.user.time_zone = "Europe/Paris"
    member_a.user.save()
    client.force_login(member_a.user)
    response = client.post(reverse("profile"), {"full_name": "Ines Dubois", "time_zone": ""})
    assert response.status_code == 302
    member_a.user.refresh_from_db()
    assert member_a.user.time_zone == ""
    # A new account has none until the person (or their browser, at sign-up) gives one.
    assert User.objects.create_user("new@example.org", "x" * 12, full_name="New").time_zone == ""


# --- Defaults from the organization -------------------------------------------------------------


def _zone_seen(user, organization=None) -> str:
    middleware = UserTimezoneMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    request.user = user
    request.organization = organization
    middleware.process_view(request, None, (), {})
    return timezone.get_current_timezone_name()


def test_someone_without_a_zone_reads_the_organizations_zone_else_utc(member_a):
    org = member_a.organization
    org.time_zone = "Asia/Tokyo"
    org.save()
    member_a.user.time_zone = ""
    try:
        assert _zone_seen(member_a.user, org) == "Asia/Tokyo"
        assert organization_zone.get() == "Asia/Tokyo"
        assert zone_name_for(member_a.user) == "UTC"
        member_a.user.time_zone = "Europe/London"
        assert _zone_seen(member_a.user, org) == "Europe/London"
    finally:
        timezone.deactivate()
        organization_zone.set("")


def test_pages_show_times_in_the_organizations_zone_until_the_person_chooses(client, org_a):
    org_a.time_zone = "Asia/Tokyo"
    org_a.save()
    pair = dana_and_nia(org_a, mentee={"user__time_zone": ""}, started_on=timezone.localdate())
    with scopes_disabled():
        meeting = Meeting.objects.create(
            organization=org_a, mentorship=pair, scheduled_by=pair.mentee, starts_at=AT, duration_minutes=60
        )
    client.force_login(pair.mentee.user)
    url = reverse("meeting_detail", kwargs={"org_slug": org_a.slug, "pk": pair.pk, "meeting_pk": meeting.pk})
    assert "15 January 2027, 00:00 (Asia/Tokyo)" in client.get(url).content.decode()
    pair.mentee.user.time_zone = "America/New_York"
    pair.mentee.user.save()
    assert "14 January 2027, 10:00 (America/New York)" in client.get(url).content.decode()


def test_coordinators_set_the_organizations_zone_from_the_list(client, coordinator_a, member_a):
    org = coordinator_a.organization
    url = reverse("organization_settings", kwargs={"org_slug": org.slug})
    data = {"name": org.name, "contact_email": org.contact_email, "description": ""}
    client.force_login(coordinator_a.user)
    bad = client.post(url, {**data, "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200 and "valid choice" in str(bad.context["form"].errors["time_zone"])
    assert client.post(url, {**data, "time_zone": "America/Chicago"}).status_code == 302
    assert Organization.objects.get(pk=org.pk).time_zone == "America/Chicago"
    # Left out of a post (older forms), it stays.
    client.post(url, data)
    assert Organization.objects.get(pk=org.pk).time_zone == "America/Chicago"
    client.force_login(member_a.user)
    assert client.post(url, {**data, "time_zone": "Asia/Tokyo"}).status_code == 403
    assert Organization.objects.get(pk=org.pk).time_zone == "America/Chicago"


# --- Shown next to every time -------------------------------------------------------------------


def test_the_filter_names_the_zone_it_shows_the_time_in():
    template = Template('{{ when|with_zone }} · {{ when|with_zone:"H:i" }} · {{ nothing|with_zone|default:"—" }}')
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert (
            template.render(Context({"when": AT}))
            == "14 January 2027, 15:00 (Europe/London) · 15:00 (Europe/London) · —"
        )
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert with_zone(AT + timedelta(days=180), "j M, H:i") == "13 Jul, 11:00 (America/New York)"  # summer time
    assert with_zone(None) == ""


def test_no_template_shows_a_time_of_day_without_its_zone():
    import re
    from pathlib import Path

    from django.conf import settings

    bare = re.compile(r"\|date:[\"'][^\"']*[HGgi][^\"']*[\"']")
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in bare.finditer(line):
                fmt = match.group(0).split(":", 1)[1].strip("\"'")
                named = re.fullmatch(r"[A-Z_]+", fmt)  # a named format: SHORT_DATE_FORMAT
                # The zone named by the format itself (T, e) or a machine-readable datetime attribute.
                if not named and not re.search(r"[Te]", fmt) and "datetime=" not in line[: match.start()][-40:]:
                    offenders.append(f"{path.name}:{number}: {fmt}")
    assert offenders == []


# --- Emails in the recipient's zone -------------------------------------------------------------


def test_an_email_reads_in_its_recipients_zone(org_a):
    tokyo = MembershipFactory(organization=org_a, user__time_zone="Asia/Tokyo").user
    unset = MembershipFactory(organization=org_a, user__time_zone="").user
    context = {"name": "Nia Mensah", "withdrawn_at": AT, "open_versions": []}
    message = render_email("email/agreement_consent_withdrawn", context, to=[tokyo.email])
    assert "15 January 2027, 00:00 JST" in message.body  # the template names the zone ("e")
    assert recipient_time_zone([unset.email]) == "UTC"
    token = organization_zone.set("America/Chicago")  # sent from one of the organization's pages
    try:
        assert recipient_time_zone([unset.email]) == "America/Chicago"
        assert recipient_time_zone([tokyo.email, unset.email]) == "America/Chicago"
    finally:
        organization_zone.reset(token)


def test_a_meeting_invitation_reads_in_the_organizations_zone_for_someone_without_one(
    org_a, django_capture_on_commit_callbacks
):
    org_a.time_zone = "Asia/Tokyo"
    org_a.save()
    pair = dana_and_nia(
        org_a,
        mentor={"user__time_zone": "Europe/London"},
        mentee={"user__time_zone": ""},
        started_on=timezone.localdate(),
    )
    with scope(organization=org_a), django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_schedule(
            actor=pair.mentee, mentorship=pair, starts_at=AT, duration_minutes=60, mode="video"
        )
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[pair.mentor.user.email] == "Meeting scheduled: 14 January 2027, 15:00 (Europe/London)"
    assert subjects[pair.mentee.user.email] == "Meeting scheduled: 15 January 2027, 00:00 (Asia/Tokyo)"


# --- Invitations for times to come, logs for times past -----------------------------------------


@pytest.fixture
def pair(org_a):
    return dana_and_nia(
        org_a, started_on=timezone.localdate() - timedelta(days=30), mentee={"user__time_zone": "Europe/London"}
    )


def test_an_invitation_refuses_a_past_time_and_points_to_the_log(client, pair):
    client.force_login(pair.mentee.user)
    url = reverse("meeting_list", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    page = client.get(url).content.decode()
    assert 'min="2027-01-10T09:00"' in page and 'max="2027-01-10T09:00"' in page  # London = UTC in January
    response = client.post(url, {"starts_at": "2027-01-09T15:00", "duration_minutes": "60", "mode": "video"})
    assert response.status_code == 400
    error = response.context["form"].errors["starts_at"][0]
    assert "already passed" in error and "log a meeting that already took place" in error
    with scopes_disabled():
        assert not Meeting.objects.filter(mentorship=pair).exists()
    assert mail.outbox == []


def test_a_log_refuses_a_future_time_and_takes_a_past_one(client, pair):
    client.force_login(pair.mentee.user)
    url = reverse("meeting_list", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    fields = {"action": "record", "held_minutes": "30", "mode": "phone", "summary": ""}
    response = client.post(url, {**fields, "starts_at": "2027-01-11T10:00"})
    assert response.status_code == 400
    assert "still to come" in response.context["past_form"].errors["starts_at"][0]
    assert client.post(url, {**fields, "starts_at": "2027-01-08T10:00"}).status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get(mentorship=pair)
    assert meeting.status == MeetingStatus.HELD
    assert meeting.starts_at == datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # 10:00 in London


def test_sign_up_keeps_the_browsers_zone_when_it_is_on_the_list(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'data-browser-time-zone="fill"' in page and "js/timezone" in page
    password = "correct-horse-battery-9"
    fields = {"full_name": "Ines Dubois", "password1": password, "password2": password}
    client.post(reverse("account_signup"), {**fields, "email": "ines@example.org", "time_zone": "Europe/Paris"})
    assert User.objects.get(email="ines@example.org").time_zone == "Europe/Paris"
    client.logout()
    client.post(reverse("account_signup"), {**fields, "email": "olu@example.org", "time_zone": "Mars/Olympus"})
    assert User.objects.get(email="olu@example.org").time_zone == ""
