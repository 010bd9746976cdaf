"""Journey (issue 15, time): a person sets their time zone in the account settings and
reads a meeting's time with that zone named; someone who has none is offered the
browser's zone, pre-selected on the form."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from relationships.models import Meeting
from tests.factories import PASSWORD, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_the_chosen_zone_is_named_next_to_a_meeting_time(make_page):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    mentorship = dana_and_nia(society, mentee={"user__time_zone": ""})
    starts_at = datetime.combine(timezone.localdate() + timedelta(days=7), time(15, 0), tzinfo=zoneinfo.ZoneInfo("UTC"))
    with scopes_disabled():
        meeting = Meeting.objects.create(
            organization=society,
            mentorship=mentorship,
            scheduled_by=mentorship.mentee,
            starts_at=starts_at,
            duration_minutes=60,
        )
    tokyo = date_format(starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")), "j F Y, H:i")

    page = make_page()
    _sign_in(page, mentorship.mentee.user.email)
    page.goto(f"/o/western/mentorships/{mentorship.pk}/meetings/{meeting.pk}/")
    # No zone of her own yet: the organization's (UTC), named.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{date_format(starts_at, 'j F Y, H:i')} (UTC)")
    page.goto("/accounts/profile/")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved")
    page.goto(f"/o/western/mentorships/{mentorship.pk}/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{tokyo} (Asia/Tokyo)")
    page.goto(f"/o/western/mentorships/{mentorship.pk}/meetings/")
    expect(page.get_by_role("link", name=f"{tokyo} (Asia/Tokyo)")).to_be_visible()


def test_the_browsers_zone_is_offered_when_none_is_set(make_page):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    mentorship = dana_and_nia(society, mentee={"user__time_zone": ""}, mentor={"user__time_zone": "Europe/Paris"})

    page = make_page(timezone_id="America/Toronto")
    _sign_in(page, mentorship.mentee.user.email)
    page.goto("/accounts/profile/")
    field = page.get_by_label("Time zone")
    expect(field).to_have_value("America/Toronto")
    expect(page.get_by_text("Suggested from your browser: America/Toronto")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved")
    mentorship.mentee.user.refresh_from_db()
    assert mentorship.mentee.user.time_zone == "America/Toronto"

    # A zone already chosen is left as it is, whatever the browser says.
    other = make_page(timezone_id="America/Toronto")
    _sign_in(other, mentorship.mentor.user.email)
    other.goto("/o/western/profile/")
    expect(other.get_by_label("Time zone")).to_have_value("Europe/Paris")
    expect(other.get_by_text("Suggested from your browser")).to_have_count(0)
