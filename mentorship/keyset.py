"""Keyset (seek) pagination for long lists sorted by their columns (``listing.sort``).

A numbered page (``?page=500``) makes the database read and skip every row before it
(``OFFSET 24950``). Here a page starts where the previous one ended instead: the link
carries the sort values and the primary key of the boundary row, and the query asks for
the rows after it (``WHERE (key, pk) > (...) ORDER BY key, pk LIMIT 51``), which an index
answers as fast on the 500th page as on the first.

The cursor in the address (``?after=`` / ``?before=``) is signed (``django.core.signing``):
opaque to people, and a tampered, truncated or outdated one (another sort, another list) is
refused with a message and the first page, never a server error. ``?last=1`` is the last
page (the order reversed). Empty values sort last in both directions, as ``listing.sort``
orders them, and the primary key breaks ties, so pages never overlap or skip a row.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import BaseExpression, OrderBy

from mentorship import listing

AFTER, BEFORE, LAST = "after", "before", "last"
CURSOR_PARAMS = (AFTER, BEFORE, LAST, "page")
MAX_CURSOR_LENGTH = 2000
BAD_CURSOR = "That page link is not valid any more (the list or its order changed); showing the first page."


@dataclass
class KeysetPage:
    object_list: list
    per_page: int
    count: int
    has_next: bool = False
    has_previous: bool = False
    next_query: str = ""
    previous_query: str = ""
    first_query: str = ""
    last_query: str = ""
    is_last: bool = False
    error: str = ""
    base_query: str = ""

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _parts(spec: listing.OrderSpec) -> list:
    return list(spec) if isinstance(spec, tuple) else [spec]


def _expression(part) -> tuple[BaseExpression, bool | None]:
    """(expression, fixed direction) of one part of a column's order: an ``OrderBy`` keeps
    its own direction (True: descending); a field name or an expression follows the column."""
    if isinstance(part, OrderBy):
        return part.expression, part.descending
    return (F(part) if isinstance(part, str) else part), None


def _encode(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        raise ValueError("unknown value")
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError("unknown value")
    return value


def _after(name: str, value, descending: bool) -> Q | None:
    """Rows whose ``name`` comes after ``value`` in this direction, empty values last;
    None when nothing can (after an empty value come only rows equal on it)."""
    if value is None:
        return None
    beyond = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
    return beyond | Q(**{f"{name}__isnull": True})


def _before(name: str, value, descending: bool) -> Q:
    if value is None:
        return Q(**{f"{name}__isnull": False})
    return Q(**{f"{name}__gt" if descending else f"{name}__lt": value})


def _equal(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def paginate(
    request,
    queryset: QuerySet,
    columns: dict[str, listing.OrderSpec],
    sorting: listing.Sorting,
    *,
    per_page: int,
    name: str,
    count: int | None = None,
) -> KeysetPage:
    """The page of ``queryset`` (not yet ordered: ``sorting`` says how) the request's cursor
    points at. ``name`` tells the lists apart (a cursor of one list is refused by another);
    ``count``: the number of rows when the caller has it (cached), else counted here."""
    keys = []  # (annotation name, direction: True descending)
    annotations = {}
    for index, part in enumerate(_parts(columns[sorting.key])):
        expression, fixed = _expression(part)
        alias = f"keyset_{index}"
        annotations[alias] = expression
        keys.append((alias, sorting.descending if fixed is None else fixed))
    keys.append(("pk", sorting.descending))
    ordered = queryset.annotate(**annotations)
    forward = [_order(alias, descending) for alias, descending in keys]
    backward = [_order(alias, not descending, nulls_first=True) for alias, descending in keys]
    salt = f"keyset:{name}:{sorting.value}"

    error = ""
    mode, values = None, None
    for param in (AFTER, BEFORE):
        raw = request.GET.get(param)
        if raw:
            values = _read_cursor(raw, salt, len(keys))
            if values is None:
                error = BAD_CURSOR
            else:
                mode = param
            break
    if not mode and not error and request.GET.get(LAST):
        mode = LAST

    total = queryset.count() if count is None else count
    if mode == AFTER:
        rows = list(ordered.filter(_seek(keys, values, forward=True)).order_by(*forward)[: per_page + 1])
        first, value = keys[0][0], values[0]
        if len(rows) <= per_page and first != "pk" and value is not None:
            # The seek left out the rows whose first key is empty (they sort after every value).
            rest = ordered.filter(**{f"{first}__isnull": True}).order_by(*forward)
            rows += list(rest[: per_page + 1 - len(rows)])
        has_next, has_previous = len(rows) > per_page, True
        rows = rows[:per_page]
    elif mode in (BEFORE, LAST):
        condition = _seek(keys, values, forward=False) if mode == BEFORE else Q()
        rows = list(ordered.filter(condition).order_by(*backward)[: per_page + 1])
        has_previous, has_next = len(rows) > per_page, mode == BEFORE
        rows = rows[:per_page][::-1]
    else:
        rows = []
    if mode is None or (mode == AFTER and not rows) or (mode == BEFORE and len(rows) < per_page):
        # The first page; also when the rows around a cursor went away or new ones came in.
        rows = list(ordered.order_by(*forward)[: per_page + 1])
        has_next, has_previous = len(rows) > per_page, False
        rows = rows[:per_page]

    base = listing.without_sort(sorting.base_query)
    base = listing.join_query(base, urlencode({listing.SORT_PARAM: sorting.value}))
    page = KeysetPage(
        object_list=rows,
        per_page=per_page,
        count=total,
        has_next=has_next,
        has_previous=has_previous,
        is_last=not has_next,
        error=error,
        base_query=base,
    )
    page.first_query = base
    page.last_query = listing.join_query(base, urlencode({LAST: 1}))
    if rows and has_next:
        page.next_query = listing.join_query(base, urlencode({AFTER: _cursor(rows[-1], keys, salt)}))
    if rows and has_previous:
        page.previous_query = listing.join_query(base, urlencode({BEFORE: _cursor(rows[0], keys, salt)}))
    return page


def _order(alias: str, descending: bool, *, nulls_first: bool = False) -> OrderBy:
    expression = F(alias)
    if alias == "pk":
        return expression.desc() if descending else expression.asc()
    if nulls_first:
        return expression.desc(nulls_first=True) if descending else expression.asc(nulls_first=True)
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


def _seek(keys: Sequence[tuple[str, bool]], values: Sequence, *, forward: bool) -> Q:
    """Rows after (``forward``) or before the row whose sort values are ``values``, except,
    going forward from a row whose first key has a value, the rows whose first key is empty
    (``paginate`` reads those apart).

    The condition is an OR over the keys, which a database cannot use to start an index scan
    at the cursor; so when the first key has a value it is ANDed with a plain range on that
    key (``key <= value`` for a descending key going forward), which it implies, and an
    index on (..., key, pk) begins at the boundary row: page 500 reads as few rows as page 1.
    """
    condition = Q(pk__in=[])
    equal = Q()
    for (alias, descending), value in zip(keys, values, strict=True):
        step = _after(alias, value, descending) if forward else _before(alias, value, descending)
        if alias == "pk":
            step = Q(pk__lt=value) if descending == forward else Q(pk__gt=value)
        if step is not None:
            condition |= equal & step
        equal &= _equal(alias, value)
    first, descending = keys[0]
    if first != "pk" and values[0] is not None:
        towards_end = descending == forward  # the direction in which values fall
        condition &= Q(**{f"{first}__lte" if towards_end else f"{first}__gte": values[0]})
    return condition


def _cursor(row, keys, salt: str) -> str:
    values = [_encode(getattr(row, alias)) for alias, _ in keys]
    return signing.dumps(values, salt=salt, compress=True)


def _read_cursor(raw: str, salt: str, length: int) -> list | None:
    """The cursor's values, or None for anything not written by ``_cursor`` for this list."""
    if len(raw) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = signing.loads(raw, salt=salt)
        if not isinstance(values, list) or len(values) != length:
            return None
        values = [_decode(value) for value in values]
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(values[-1], int) or isinstance(values[-1], bool):
        return None
    return values
