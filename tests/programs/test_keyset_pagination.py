"""Keyset pagination of the coordinators' application list (mentorship/keyset.py): walking
the Next links (and back with Previous, and from Last) lists every application once, in the
order of ``listing.sort`` (the sort column, empty values last, then the primary key), for
every column in both directions; a tampered, foreign or outdated cursor gives the first
page and a message, never a server error; the deepest page runs the same queries as the
first one."""

import random
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.models import Application, ApplicationStatus, Role
from programs.views import applications as views
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00", tick=False)]

LIST = "/o/alpha/programs/mentorship/applications/"
PER_PAGE = 4
NAMES = ["ann lee", "Ann Lee", "bo", "Cy", "", "dee", "Éva", "bo"]


@pytest.fixture
def office(client, coordinator_a, org_a, monkeypatch):
    monkeypatch.setattr(views, "APPLICATIONS_PER_PAGE", PER_PAGE)
    program = ProgramFactory(organization=org_a, name="Mentorship Program", slug="mentorship")
    rng = random.Random(17)
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED]
    for i in range(23):
        ApplicationFactory(
            program=program,
            membership__user__full_name=rng.choice(NAMES),
            membership__user__email=f"applicant{i:02d}@example.org",
            role=rng.choice([Role.MENTEE, Role.MENTOR]),
            status=rng.choice(statuses),
            eligible=rng.choice([True, False, None]),
            # Ties and empty values in the sort columns: the primary key decides.
            submitted_at=rng.choice([None, timezone.now() - timedelta(days=rng.randint(0, 3))]),
        )
    ApplicationFactory(program=program, status=ApplicationStatus.DRAFT)  # never listed
    client.force_login(coordinator_a.user)
    return client


def _ids(html: str) -> list[int]:
    return list(dict.fromkeys(int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', html)))


def _link(html: str, which: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)" (?:rel|data-page)="{which}"', html)
    return LIST + unescape(found.group(1)) if found else None


def _expected(sort: str) -> list[int]:
    from django.test import RequestFactory

    from mentorship import listing

    request = RequestFactory().get(LIST, {"sort": sort})
    with scopes_disabled():
        queryset = Application.objects.filter(program__slug="mentorship").exclude(status=ApplicationStatus.DRAFT)
        ordered, _ = listing.sort(request, queryset, views.APPLICATION_SORTS, default="-submitted")
        return list(ordered.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "sort", ["applicant", "-applicant", "role", "-status", "eligibility", "-eligibility", "submitted", "-submitted"]
)
def test_next_and_previous_walk_every_row_once_in_order(office, sort):
    expected = _expected(sort)
    assert len(expected) == 23
    url, seen, pages = f"{LIST}?sort={sort}", [], []
    while url:
        html = office.get(url).content.decode()
        assert "23 applications" in html
        pages.append(_ids(html))
        seen += pages[-1]
        url = _link(html, "next")
    assert seen == expected
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 3]
    # Back from the last page with Previous: the same pages, in reverse.
    html = office.get(f"{LIST}?sort={sort}&last=1").content.decode()
    back = [_ids(html)]
    while url := _link(html, "prev"):
        html = office.get(url).content.decode()
        back.append(_ids(html))
    # Back at the start, the first page is the full first page (it may repeat a row or two).
    assert list(dict.fromkeys(sum(reversed(back), []))) == expected
    assert back[0] == expected[-PER_PAGE:] and back[-1] == expected[:PER_PAGE]


@pytest.mark.parametrize(
    "query",
    [
        "after=nonsense",
        "after=",
        "before=W1sxXSwxXQ:1x:bad",
        "after=" + "x" * 5000,
        "after=%00%ff",
        "last=yes&before=abc",
    ],
)
def test_a_bad_cursor_gives_the_first_page_with_a_message(office, query):
    response = office.get(f"{LIST}?sort=role&{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert _ids(html) == _expected("role")[:PER_PAGE]
    if query.split("=")[1] and not query.startswith("last"):
        assert "That page link is not valid any more" in html


def test_a_cursor_of_another_order_is_refused(office):
    html = office.get(f"{LIST}?sort=role").content.decode()
    nxt = _link(html, "next")
    other = nxt.replace("sort=role", "sort=-submitted")
    html = office.get(other).content.decode()
    assert "That page link is not valid any more" in html
    assert _ids(html) == _expected("-submitted")[:PER_PAGE]


def test_the_filters_travel_with_the_cursor(office):
    html = office.get(f"{LIST}?role=mentee&sort=applicant").content.decode()
    nxt = _link(html, "next")
    assert "role=mentee" in nxt and "sort=applicant" in nxt
    with scopes_disabled():
        mentees = set(Application.objects.filter(role=Role.MENTEE).values_list("pk", flat=True))
    assert set(_ids(office.get(nxt).content.decode())) <= mentees


def test_the_last_page_runs_the_same_queries_as_the_first(office):
    office.get(LIST)  # warm: the first request of a test reads what later ones keep

    def page_queries(url: str) -> tuple[list, str]:
        with CaptureQueriesContext(connection) as captured:
            html = office.get(url).content.decode()
        # The session's own reads and writes (its activity stamp is renewed once a minute, so a
        # slow run may write it in one request and not the other) are not the page's work.
        return [q["sql"] for q in captured.captured_queries if "django_session" not in q["sql"]], html

    def fewest(url: str) -> tuple[list, str]:
        # A read kept in the cache for a while may expire between two requests on a slow run
        # and cost one query more; the fewer of two measurements is the page's own work.
        return min((page_queries(url) for _ in range(2)), key=lambda measured: len(measured[0]))

    first, _html = fewest(f"{LIST}?sort=applicant")
    last, html = fewest(f"{LIST}?sort=applicant&last=1")
    assert len(last) == len(first), "\n".join(sorted(set(last) ^ set(first)))
    assert not any("OFFSET" in sql for sql in last)
    assert _link(html, "next") is None and _link(html, "prev")


def _list_query(client, url: str) -> str:
    """The SQL of the list's rows query (the one with the keyset columns and a LIMIT)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    rows = [q["sql"] for q in queries.captured_queries if "keyset_0" in q["sql"] and "LIMIT" in q["sql"]]
    assert rows, "the list ran no keyset query"
    return rows[0]


def _plan(sql: str) -> str:
    """PostgreSQL's plan for ``sql`` when it may not scan the table or sort: what an index can
    give (on a 24-row table the planner would rightly read it whole)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's (migration 0015)")
def test_the_default_order_reads_the_index_from_the_cursor(office):
    """Newest submitted first: the first page, the last page and the page after a cursor come
    straight out of ``application_list_submitted`` in order (no sort of the program), and
    after a cursor the scan starts at the boundary row (an index condition on submitted_at),
    not at the top of the list: page 500 reads as few rows as page 1."""
    first = _plan(_list_query(office, LIST))
    assert "application_list_submitted" in first and "Sort" not in first, first
    last = _plan(_list_query(office, f"{LIST}?last=1"))
    assert "Index Scan Backward using application_list_submitted" in last and "Sort" not in last, last
    html = office.get(LIST).content.decode()
    middle = _plan(_list_query(office, _link(html, "next")))
    assert "application_list_submitted" in middle and "Sort" not in middle, middle
    condition = next(line for line in middle.splitlines() if "Index Cond" in line)
    assert "submitted_at <=" in condition, middle


def test_the_paged_list_keeps_the_html_rules(office):
    from tests import html_rules

    html = office.get(f"{LIST}?sort=role").content.decode()
    nxt = _link(html, "next")
    middle = office.get(nxt).content.decode()
    assert _link(middle, "prev") and _link(middle, "first") and _link(middle, "last")
    refused = office.get(f"{LIST}?sort=role&after=tampered").content.decode()
    for page in (html, middle, refused):
        assert html_rules.problems(page) == []


@pytest.mark.parametrize("sort", ["name", "-email", "status", "-joined"])
def test_the_member_list_pages_by_keyset_too(client, coordinator_a, org_a, monkeypatch, sort):
    from programs.models import Membership
    from programs.views import organizations
    from tests.factories import MembershipFactory

    monkeypatch.setattr(organizations, "MEMBERS_PER_PAGE", 3)
    for i in range(10):
        MembershipFactory(
            organization=org_a, user__full_name=NAMES[i % len(NAMES)], user__email=f"m{i:02d}@example.org"
        )
    client.force_login(coordinator_a.user)
    url, seen = f"/o/alpha/members/?sort={sort}", []
    while url:
        html = client.get(url).content.decode()
        seen += _emails(html)
        found = re.search(r'href="(\?[^"]*)" rel="next"', html)
        url = "/o/alpha/members/" + unescape(found.group(1)) if found else None
    with scopes_disabled():
        everyone = Membership.objects.filter(organization=org_a, is_active=True).count()
    assert len(seen) == len(set(seen)) == everyone


def _emails(html: str) -> list[str]:
    # Each row links the address twice (small screens and wide ones): once per row here.
    return list(dict.fromkeys(re.findall(r'<td class="d-none d-md-table-cell"><a href="mailto:([^"]+)"', html)))
