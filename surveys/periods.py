"""Calendar periods the periodic work is keyed on."""

import calendar
from datetime import date, timedelta

from mentorship.dates import add_months

__all__ = [
    "REPORT_GRACE_DAYS",
    "add_months",
    "months_between",
    "open_report_quarters",
    "previous_quarter",
    "quarter_bounds",
    "quarter_of",
]


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of ``day``; quarters are calendar quarters."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


REPORT_GRACE_DAYS = 30  # a quarter's report may still be written this long after it ends


def open_report_quarters(today: date, started_on: date) -> list[tuple[int, int]]:
    """Quarters whose joint report can be written today: the current one, and the previous
    one during the first REPORT_GRACE_DAYS of a new quarter (if the pairing had begun)."""
    current = quarter_of(today)
    quarters = [current]
    previous = previous_quarter(*current)
    first, last = quarter_bounds(*previous)
    if today - timedelta(days=REPORT_GRACE_DAYS) <= last and started_on <= last:
        quarters.insert(0, previous)
    return quarters
