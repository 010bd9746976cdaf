"""The circles pages: the program's list in a bounded number of queries, the circle page's
access (its people and coordinators; a coordinator sees metadata, never the record's
text), the forms keeping what was typed, joining with a waitlist position shown."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from circles.models import CircleMeeting, CircleNote, CircleRsvp
from circles.services import circles as services
from circles.services.agreement import agreement_sign
from programs.models import Role
from tests.circles.support import accepted, circles_program, make_circle
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(name, program, **kwargs):
    return reverse(name, kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs})


def _add_circles(coordinator, program, n, start=0):
    for i in range(start, start + n):
        circle = make_circle(coordinator, program, name=f"Circle {i}", capacity=4)
        with scope(organization=program.organization):
            services.member_add(actor=coordinator, circle=circle, membership=accepted(program, Role.MENTOR))
            for _ in range(2):
                services.circle_join(actor=accepted(program), circle=circle)
            CircleMeeting.objects.create(
                organization=program.organization, circle=circle, starts_at=datetime(2026, 3, 1, 9, tzinfo=UTC)
            )


def test_the_circles_list_runs_the_same_queries_for_more_circles(
    client, org_a, coordinator_a, django_assert_max_num_queries
):
    program = circles_program(org_a)
    member = accepted(program)
    _add_circles(coordinator_a, program, 2)
    url = _url("circle_list", program)
    counts = {}
    for who in (coordinator_a, member):
        client.force_login(who.user)
        client.get(url)  # warm the per-person caches
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        counts[who.pk] = len(small)
    _add_circles(coordinator_a, program, 6, start=2)
    for who in (coordinator_a, member):
        client.force_login(who.user)
        with django_assert_max_num_queries(counts[who.pk]):
            page = client.get(url)
        assert page.status_code == 200
    client.force_login(coordinator_a.user)
    page = client.get(url).content.decode()
    assert "Circle 7" in page and "2 / 4" in page


def test_empty_states_say_what_to_do(client, org_a, coordinator_a, member_a):
    program = circles_program(org_a)
    client.force_login(coordinator_a.user)
    assert "Create the first circle" in client.get(_url("circle_list", program)).content.decode()
    client.force_login(member_a.user)
    page = client.get(_url("circle_list", program)).content.decode()
    assert "Apply to" in page
    mentee = accepted(program)
    client.force_login(mentee.user)
    page = client.get(_url("circle_list", program)).content.decode()
    assert "No circle is open to join right now" in page


def test_a_coordinator_sees_the_circles_metadata_never_its_text(client, org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    mentor, mentee = accepted(program, Role.MENTOR, name="Dana Whitfield"), accepted(program, name="Nia Mensah")
    with scope(organization=org_a):
        services.member_add(actor=coordinator_a, circle=circle, membership=mentor)
        place = services.member_add(actor=coordinator_a, circle=circle, membership=mentee)
        agreement_sign(actor=mentee, circle=circle, typed_name="Nia Mensah", consent=True)
        meeting = CircleMeeting.objects.create(
            organization=org_a,
            circle=circle,
            starts_at=datetime(2026, 2, 20, 15, tzinfo=UTC),
            location="CIRCLE-SECRET-LOCATION",
            agenda="CIRCLE-SECRET-AGENDA",
            summary="CIRCLE-SECRET-SUMMARY",
            created_by=mentor,
        )
        CircleRsvp.objects.create(organization=org_a, meeting=meeting, member=place, response="yes", attended=True)
        CircleNote.objects.create(
            organization=org_a, circle=circle, author=mentee, meeting=meeting, text="CIRCLE-SECRET-NOTE"
        )
    url = _url("circle_detail", program, pk=circle.pk)
    client.force_login(coordinator_a.user)
    page = client.get(url).content.decode()
    assert "CIRCLE-SECRET" not in page
    assert "Meetings held or planned" in page and "Attendances recorded" in page
    assert '<time datetime="2026-02-20T15:00:00+0000">' in page
    # Its people see the circle; anyone else gets a 404.
    client.force_login(mentee.user)
    assert client.get(url).status_code == 200
    client.force_login(MembershipFactory(organization=org_a).user)
    assert client.get(url).status_code == 404
    client.force_login(accepted(program).user)
    assert client.get(url).status_code == 404


def test_joining_a_full_circle_shows_the_waitlist_position(client, org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3, description="For new faculty; monthly, by video.")
    with scope(organization=org_a):
        for _ in range(3):
            services.circle_join(actor=accepted(program), circle=circle)
    late = accepted(program)
    client.force_login(late.user)
    page = client.get(_url("circle_list", program)).content.decode()
    assert "Join the waitlist" in page and "For new faculty; monthly, by video." in page
    response = client.post(_url("circle_join", program, pk=circle.pk), follow=True)
    assert "number 1 on its waitlist" in response.content.decode()
    page = client.get(_url("circle_detail", program, pk=circle.pk)).content.decode()
    assert "number 1 on its waitlist" in page


def test_the_circle_form_keeps_the_typed_text_on_errors(client, org_a, coordinator_a):
    program = circles_program(org_a)
    client.force_login(coordinator_a.user)
    response = client.post(
        _url("circle_create", program),
        {
            "name": "Kept name",
            "theme": "Kept theme",
            "capacity": "20",
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kept name" in page and "Kept theme" in page
    assert "end on or after" in page
    response = client.post(
        _url("circle_create", program),
        {"name": "Writers", "theme": "Grants", "capacity": "6", "starts_on": "2026-03-01", "ends_on": "2026-09-01"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert program.circles.get().name == "Writers"


def test_the_program_page_links_its_circles(client, org_a, coordinator_a):
    program = circles_program(org_a)
    client.force_login(coordinator_a.user)
    page = client.get(reverse("program_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug}))
    assert _url("circle_list", program) in page.content.decode()
