"""The tests' clock: no test depends on the day it runs.

Three ways to set it, all through time-machine (which moves ``time.time``, ``datetime.now``,
``date.today`` and Django's ``timezone.now``/``localdate`` for every thread of the process):

* ``@pytest.mark.clock("2026-11-23 09:00")`` (or a ``date``/``datetime``; naive means UTC)
  freezes the clock for one test, a class or, as ``pytestmark``, a module. The clock ticks
  from that moment unless ``tick=False`` is given. Every test that writes a calendar date
  runs on such a clock (tests/test_clock_rules.py checks it).
* ``TEST_CLOCK_SHIFT_DAYS=N`` moves the whole run's clock N days from today; CI runs the
  tests that are not frozen a second time a year ahead (``.ci/run``), so a test that only
  passes near the day it was written fails there.
* ``TEST_CLOCK_AT=2027-02-28T23:59:30`` starts the whole run's clock at that moment (to
  reproduce a failure seen on a given day, or to try the last minute before midnight).

Processes a test starts follow the test's clock: tests/settings.py calls
``start_process_clock()``, so a Celery worker, beat or ``manage.py`` run with the test
settings inherits ``TEST_CLOCK_SHIFT_DAYS``; ``subprocess_env()`` also passes the test's
current moment as ``TEST_CLOCK_AT``, so a frozen test's worker starts on the frozen day.
The in-process Celery worker and the live server (browser tests) are threads and share it.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

SHIFT_ENV = "TEST_CLOCK_SHIFT_DAYS"
AT_ENV = "TEST_CLOCK_AT"

_process_traveller = None


def moment(value: str | date | datetime) -> datetime:
    """An aware datetime from a marker's or the environment's value (naive means UTC; a
    date alone means 09:00 UTC that day, well away from midnight in any time zone users have
    in the tests)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, 9)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def process_destination(environ=os.environ) -> datetime | None:
    """Where this process's clock starts, from the environment; None for the real clock."""
    if environ.get(AT_ENV):
        return moment(environ[AT_ENV])
    if environ.get(SHIFT_ENV):
        return datetime.now(UTC) + timedelta(days=int(environ[SHIFT_ENV]))
    return None


def start_process_clock() -> datetime | None:
    """Move this whole process's clock as the environment asks (once; it keeps ticking)."""
    global _process_traveller
    destination = process_destination()
    if destination is None or _process_traveller is not None:
        return destination
    import time_machine

    _process_traveller = time_machine.travel(destination, tick=True)
    _process_traveller.start()
    return destination


def subprocess_env(environ=None, **extra: str) -> dict[str, str]:
    """The environment for a process a test starts: it begins at this process's current
    moment (frozen, shifted or real), then ticks on its own."""
    env = dict(os.environ if environ is None else environ)
    env[AT_ENV] = datetime.now(UTC).isoformat()
    env.update(extra)
    return env


def marker_travel(marker):
    """time-machine's traveller for a ``clock`` marker."""
    import time_machine

    if len(marker.args) != 1:
        raise TypeError("pytest.mark.clock takes one moment: a date, a datetime or an ISO string")
    return time_machine.travel(moment(marker.args[0]), tick=marker.kwargs.get("tick", True))
