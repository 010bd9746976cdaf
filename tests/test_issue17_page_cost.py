"""Issue 17, cheaper pages: the portal home and the relationship page read a bounded number of
queries that does not grow with the data, the organization switcher reuses the memberships the
tenancy middleware read, and the relationship page's record summary counts held meetings from
the meeting list it already has (same figures as counting them apart)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from relationships.models import Goal, Meeting, MeetingStatus, Mentorship
from relationships.services import record as record_services
from relationships.services.meetings import overview
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

# Session, user, memberships (one query for the URL's organization and the switcher), then the
# page's own reads; the same with 1 and with 6 pairings, meetings and goals.
HOME_MAX_QUERIES = 16
RELATIONSHIP_MAX_QUERIES = 13


def pairing(org, program, mentor, mentee=None) -> Mentorship:
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee or MembershipFactory(organization=org),
            origin="proposal",
            started_on=timezone.localdate() - timedelta(days=200),
            planned_end_on="2030-01-01",
        )


def add_record(pair, *, held: int, upcoming: int = 1, goals: int = 2) -> None:
    now = timezone.now()
    with scopes_disabled():
        for n in range(held):
            Meeting.objects.create(
                organization=pair.organization,
                mentorship=pair,
                starts_at=now - timedelta(days=30 * (n + 1)),
                status=MeetingStatus.HELD,
            )
        for n in range(upcoming):
            Meeting.objects.create(
                organization=pair.organization, mentorship=pair, starts_at=now + timedelta(days=n + 3)
            )
        for n in range(goals):
            Goal.objects.create(organization=pair.organization, mentorship=pair, title=f"Goal {n}")


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, slug="society")


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("pairings", [1, 6])
def test_the_portal_home_reads_a_bounded_number_of_queries(
    client, org_a, program, pairings, django_assert_max_num_queries
):
    mentor = MembershipFactory(organization=org_a)
    for _ in range(pairings):
        add_record(pairing(org_a, program, mentor), held=pairings, upcoming=pairings, goals=pairings)
    MembershipFactory(user=mentor.user, organization=OrganizationFactory(slug="bravo"))  # the switcher lists two
    client.force_login(mentor.user)
    url = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    get(client, url)  # the first request stamps the session
    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        get(client, url)


def test_a_coordinators_portal_home_reads_a_bounded_number_of_queries(
    client, org_a, program, coordinator_a, django_assert_max_num_queries
):
    for _ in range(4):
        add_record(pairing(org_a, program, MembershipFactory(organization=org_a)), held=2)
    client.force_login(coordinator_a.user)
    url = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    get(client, url)
    with django_assert_max_num_queries(HOME_MAX_QUERIES + 4):  # member counts, invitations, activity
        get(client, url)


@pytest.mark.parametrize("meetings", [1, 8])
def test_the_relationship_page_reads_a_bounded_number_of_queries(
    client, org_a, program, meetings, django_assert_max_num_queries
):
    pair = pairing(org_a, program, MembershipFactory(organization=org_a))
    add_record(pair, held=meetings, upcoming=meetings, goals=meetings)
    url = reverse("mentorship_detail", kwargs={"org_slug": org_a.slug, "pk": pair.pk})
    for who in (pair.mentee.user, pair.mentor.user):
        client.force_login(who)
        get(client, url)
        with django_assert_max_num_queries(RELATIONSHIP_MAX_QUERIES):
            get(client, url)


def test_the_switcher_lists_every_organization_and_follows_a_membership_change(client, org_a):
    member = MembershipFactory(organization=org_a)
    other = MembershipFactory(user=member.user, organization=OrganizationFactory(name="Zulu Society", slug="zulu"))
    client.force_login(member.user)
    url = reverse("program_list", kwargs={"org_slug": org_a.slug})
    html = get(client, url).content.decode()
    assert "Zulu Society" in html and org_a.name in html
    assert html.index(org_a.name) < html.index("Zulu Society")  # by organization name
    with scopes_disabled():
        other.is_active = False
        other.save()
    html = get(client, url).content.decode()
    assert "Zulu Society" not in html
    response = client.get(reverse("program_list", kwargs={"org_slug": "zulu"}))
    assert response.status_code == 404  # no longer a member there


def test_the_record_summary_counts_held_meetings_from_the_list_as_it_would_apart(org_a, program):
    pair = pairing(org_a, program, MembershipFactory(organization=org_a))
    add_record(pair, held=4, upcoming=2)
    with scopes_disabled():
        Meeting.objects.create(
            organization=org_a,
            mentorship=pair,
            starts_at=timezone.now() - timedelta(days=3),
            status=MeetingStatus.CANCELLED,
        )
    with scope(organization=org_a):
        pair = Mentorship.objects.select_related("program").get(pk=pair.pk)
        meetings = overview(pair).meetings
        from_list = record_services.record_summary(pair, meetings=meetings)
        apart = record_services.record_summary(pair)
    assert from_list == apart
    assert from_list["suggested_stage"] == "Action planning"
    assert from_list["cadence"]["last_held_on"] == (timezone.now() - timedelta(days=30)).date()


def test_the_relationship_page_shows_a_newly_held_meeting_at_once(client, org_a, program):
    pair = pairing(org_a, program, MembershipFactory(organization=org_a))
    add_record(pair, held=1, upcoming=0)
    client.force_login(pair.mentee.user)
    url = reverse("mentorship_detail", kwargs={"org_slug": org_a.slug, "pk": pair.pk})
    before = get(client, url).context["record_summary"]
    add_record(pair, held=3, upcoming=0, goals=0)
    after = get(client, url).context["record_summary"]
    assert before["suggested_stage"] == "Exploration" and after["suggested_stage"] == "Action planning"
    assert before["goals_total"] == 2 and after["goals_total"] == 2


def test_the_byte_search_finds_exactly_the_code_points_html_forbids():
    from mentorship.middleware import FORBIDDEN_IN_HTML, may_hold_forbidden

    points = [
        *range(0x3000),
        *range(0xFD00, 0x10000),
        *(p * 0x10000 + o for p in range(1, 17) for o in (0, 0xFFFD, 0xFFFE, 0xFFFF)),
    ]
    for point in points:
        if 0xD800 <= point <= 0xDFFF:
            continue
        text = f"<p>a{chr(point)}b · é</p>"
        assert may_hold_forbidden(text.encode()) == bool(FORBIDDEN_IN_HTML.search(text)), hex(point)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>Plain · café — fine</p>", "<p>Plain · café — fine</p>"),
        ("<p>a\x01b\x85c\ufdd0d\U0001ffffe</p>", "<p>a\ufffdb\ufffdc\ufffdd\ufffde</p>"),
    ],
)
def test_the_middleware_replaces_forbidden_code_points_and_leaves_other_pages_alone(body, expected):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from mentorship.middleware import HtmlCodePointMiddleware

    original = HttpResponse(body)
    response = HtmlCodePointMiddleware(lambda request: original)(RequestFactory().get("/"))
    assert response.content.decode() == expected
