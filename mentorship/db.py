"""Database helpers shared by every app."""

import functools
import time

from django.db import OperationalError, connection

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE for a transaction it chose to abort
ATTEMPTS = 3


def retry_on_deadlock(function):
    """Run a service's transaction again when PostgreSQL breaks a deadlock by aborting it.

    Services lock people in one fixed order, but a pairing's decision also takes the
    implicit key locks of the rows it writes (a vote, an offer, an audit row), so two
    decisions about the same people can still meet in a cycle; PostgreSQL then aborts one.
    That transaction left nothing behind (its emails were to go out on commit), so it is
    simply run again, from the start, with fresh reads: the person sees the outcome instead
    of an error page. Only the outermost call retries; inside another transaction the error
    goes up to whoever owns that transaction."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if connection.in_atomic_block:
            return function(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                cause = getattr(error, "__cause__", None)
                if getattr(cause, "pgcode", None) != DEADLOCK_DETECTED or attempt == ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)  # let the transaction that won finish first

    return run
