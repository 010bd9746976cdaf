"""mentorship/listing.py: ?sort= is read against the view's columns, an unknown key falls
back to the default (never a 500), the order is stable, and the links keep the filters."""

import pytest
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_scopes import scopes_disabled

from mentorship import listing
from programs.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory

COLUMNS = {"name": Lower("user__full_name"), "email": "user__email", "joined": "joined_at"}


def _sort(query: str, base_query: str = "q=ann&status=member"):
    request = RequestFactory().get("/o/alpha/members/" + query)
    return listing.sort(request, Membership.objects.none(), COLUMNS, default="name", base_query=base_query)


@pytest.mark.parametrize(
    ("query", "key", "descending"),
    [
        ("?sort=email", "email", False),
        ("?sort=-email", "email", True),
        ("?sort=-joined", "joined", True),
        ("", "name", False),
        ("?sort=nope", "name", False),
        ("?sort=-nope", "name", False),
        ("?sort=--email", "name", False),
        ("?sort=user__password", "name", False),
        ("?sort=%00", "name", False),
        ("?sort=" + "x" * 5000, "name", False),
    ],
)
def test_the_key_is_read_against_the_columns(query, key, descending):
    _queryset, sorting = _sort(query)
    assert (sorting.key, sorting.descending) == (key, descending)


def test_the_order_ends_on_the_primary_key_in_the_column_direction():
    queryset, _sorting = _sort("?sort=-email")
    order = [str(part) for part in queryset.query.order_by]
    assert "descending=True" in order[0] and "user__email" in order[0]
    assert order[-1] == "-pk"
    queryset, _sorting = _sort("?sort=email")
    assert [str(part) for part in queryset.query.order_by][-1] == "pk"


def test_the_links_toggle_the_direction_and_keep_the_filters_not_the_page():
    _queryset, sorting = _sort("?q=ann&status=member&sort=email&page=3")
    assert sorting.columns["email"].href == "?q=ann&status=member&sort=-email"
    assert sorting.columns["email"].aria_sort == "ascending"
    assert sorting.columns["name"].href == "?q=ann&status=member&sort=name"
    assert sorting.columns["name"].aria_sort == ""
    assert sorting.querystring == "q=ann&status=member&sort=email"
    _queryset, sorting = _sort("?sort=-email")
    assert sorting.columns["email"].href == "?q=ann&status=member&sort=email"
    assert sorting.columns["email"].aria_sort == "descending"


def test_without_filters_the_links_carry_the_sort_only():
    _queryset, sorting = _sort("?sort=-joined", base_query="")
    assert sorting.columns["joined"].href == "?sort=joined"
    assert sorting.querystring == "sort=-joined"


def test_a_default_that_is_not_a_column_is_a_programming_error():
    request = RequestFactory().get("/")
    with pytest.raises(ValueError):
        listing.sort(request, Membership.objects.none(), COLUMNS, default="nope")


def test_the_sort_options_of_a_card_list():
    _queryset, sorting = _sort("?sort=-joined")
    options = sorting.options({"name": "Name", "-joined": "Newest first"})
    assert options == [("name", "Name", False), ("-joined", "Newest first", True)]


def test_the_header_include_renders_aria_sort_and_the_link():
    _queryset, sorting = _sort("?sort=email")
    html = render_to_string("includes/sort_th.html", {"col": sorting.columns["email"], "label": "Email"})
    assert 'aria-sort="ascending"' in html
    assert 'href="?q=ann&amp;status=member&amp;sort=-email"' in html
    assert ">Email" in html
    html = render_to_string("includes/sort_th.html", {"col": sorting.columns["name"], "label": "Name"})
    assert "aria-sort" not in html
    assert 'href="?q=ann&amp;status=member&amp;sort=name"' in html


@pytest.mark.django_db
def test_rows_with_equal_keys_keep_one_order_across_pages():
    org = OrganizationFactory(slug="stable")
    members = [MembershipFactory(organization=org, status="member", user__full_name="Same Name") for _ in range(5)]
    request = RequestFactory().get("/?sort=-name")
    with scopes_disabled():
        queryset, _sorting = listing.sort(request, Membership.objects.filter(organization=org), COLUMNS, default="name")
        assert [m.pk for m in queryset] == sorted((m.pk for m in members), reverse=True)


@pytest.mark.django_db
def test_the_pagination_include_numbers_the_pages_and_keeps_the_query():
    from django.core.paginator import Paginator

    page = Paginator(list(range(200)), 10).get_page(7)
    html = render_to_string("includes/pagination.html", {"page": page, "querystring": "q=a&sort=-email"})
    assert 'href="?q=a&amp;sort=-email&amp;page=1"' in html  # the first page
    assert 'href="?q=a&amp;sort=-email&amp;page=20"' in html  # the last
    for number in (5, 6, 8, 9):  # the window around the current page
        assert f'page={number}"' in html
    assert 'page=3"' not in html and 'page=11"' not in html
    assert html.count("…") == 2
    assert 'aria-current="page"' in html and "Page 7 of 20, current page" in html
    assert 'aria-label="Pages"' in html
    single = render_to_string("includes/pagination.html", {"page": Paginator([1], 10).get_page(1)})
    assert "<nav" not in single
