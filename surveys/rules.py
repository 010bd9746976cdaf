"""Due-date rules shared by the reminders, the program-health dashboard and the REDCap
export, so a pair the dashboard calls overdue is a pair the reminders chase."""

from datetime import date

from surveys.periods import add_months, months_between

SENIOR_REVIEW_MONTHS = 6  # seed 002: the senior mentor meets each hub mentor every 6 months


def display_name(full_name: str, email: str) -> str:
    """How a person is named in lists built from ``.values()`` rows (as ``str(user)``)."""
    return full_name or email


def senior_review_due(started_on: date, last_held_on: date | None, today: date) -> date:
    """When a senior mentor's review with a hub mentor is next due: every 6 months from
    the pairing's start; a meeting held in the half-year before a due date settles it."""
    period = months_between(started_on, today) // SENIOR_REVIEW_MONTHS
    if period < 1:
        return add_months(started_on, SENIOR_REVIEW_MONTHS)
    due_on = add_months(started_on, SENIOR_REVIEW_MONTHS * period)
    if last_held_on is not None and last_held_on > add_months(due_on, -SENIOR_REVIEW_MONTHS):
        return add_months(started_on, SENIOR_REVIEW_MONTHS * (period + 1))
    return due_on
