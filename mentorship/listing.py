"""Sorting a list page by its columns (``?sort=name`` / ``?sort=-name``).

A view names its sortable columns: a public key (what the address carries) for each, and
the ORM order it stands for (a field path, an expression, or a tuple of them). ``sort``
reads the key from the query string, checks it against those columns (an unknown or
malformed key falls back to the view's default: never a server error), orders the
queryset with the primary key as the last tie-breaker (so pages never overlap or skip a
row) and returns a ``Sorting`` for the template: each column's link that toggles the
direction and its ``aria-sort`` state (``includes/sort_th.html``), and the query string
the page links and exports carry (the valid filters and the sort, never the page).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.db.models import F, QuerySet
from django.db.models.expressions import BaseExpression, OrderBy

SORT_PARAM = "sort"

OrderSpec = str | BaseExpression | tuple


@dataclass(frozen=True)
class SortColumn:
    """One sortable column as the template sees it."""

    key: str
    href: str  # "?<filters>&sort=<key or -key>": the link of the column's header
    aria_sort: str  # "ascending", "descending" or "" (not the sorted column)

    @property
    def is_sorted(self) -> bool:
        return bool(self.aria_sort)


@dataclass(frozen=True)
class Sorting:
    key: str  # the column sorted by
    descending: bool
    base_query: str  # the valid filters, without sort or page
    columns: dict[str, SortColumn] = field(default_factory=dict)

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    @property
    def querystring(self) -> str:
        """The filters and the sort: for the page links and the export link."""
        return join_query(self.base_query, urlencode({SORT_PARAM: self.value}))

    def options(self, labels: Mapping[str, str]) -> list[tuple[str, str, bool]]:
        """For a "Sort by" select (card lists): (value, label, selected) for each value in
        ``labels`` (``{"name": "Name, A to Z", "-sent": "Newest first"}``)."""
        return [(value, label, value == self.value) for value, label in labels.items()]


def join_query(*parts: str) -> str:
    return "&".join(part for part in parts if part)


def without_sort(query: str) -> str:
    """``query`` without its sort (and page): a filter form with a sort field lists it too."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(name, value) for name, value in pairs if name not in (SORT_PARAM, "page")])


def sort_field(labels: Mapping[str, str], *, label: str = "Sort by") -> forms.ChoiceField:
    """The "Sort by" select of a card list's filter form (``{"-sent": "Newest first", ...}``):
    a value not in the list is reported on the page like any other filter."""
    return forms.ChoiceField(label=label, choices=[("", "Default order"), *labels.items()], required=False)


def parse(value: str | None, columns: Mapping[str, OrderSpec], default: str) -> tuple[str, bool]:
    """(key, descending) for ``value`` if it names a column, else for ``default``."""
    for candidate in (value, default):
        if not isinstance(candidate, str):
            continue
        candidate = candidate.strip()
        descending = candidate.startswith("-")
        key = candidate[1:] if descending else candidate
        if key in columns:
            return key, descending
    raise ValueError(f"The default sort {default!r} is not one of the columns.")


def order_expressions(spec: OrderSpec, *, descending: bool) -> list[OrderBy]:
    """The ORM order for one column, in one direction; empty values sort last either way.
    A part that is already an ``OrderBy`` (``F("created_at").desc()``) keeps its own
    direction: a secondary order that does not flip with the column's."""
    parts = spec if isinstance(spec, tuple) else (spec,)
    out = []
    for part in parts:
        if isinstance(part, OrderBy):
            out.append(part)
            continue
        expression = F(part) if isinstance(part, str) else part
        out.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
    return out


def sort(
    request,
    queryset: QuerySet,
    columns: Mapping[str, OrderSpec],
    *,
    default: str,
    base_query: str = "",
) -> tuple[QuerySet, Sorting]:
    """Order ``queryset`` by the column the request asks for (``?sort=``), or ``default``.

    ``base_query`` is the query string of the page's valid filters (``FilterForm.querystring()``):
    the headers' links keep it, and drop the page number (a new order starts on page 1)."""
    base_query = without_sort(base_query)
    raw = request.GET.get(SORT_PARAM) if request is not None else None
    key, descending = parse(raw, columns, default)
    ordering = [*order_expressions(columns[key], descending=descending), "-pk" if descending else "pk"]
    sorting = Sorting(
        key=key,
        descending=descending,
        base_query=base_query,
        columns={
            name: SortColumn(
                key=name,
                href="?"
                + join_query(
                    base_query, urlencode({SORT_PARAM: f"-{name}" if name == key and not descending else name})
                ),
                aria_sort=("descending" if descending else "ascending") if name == key else "",
            )
            for name in columns
        },
    )
    return queryset.order_by(*ordering), sorting
