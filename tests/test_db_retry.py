"""A transaction PostgreSQL aborts to break a deadlock is run again (mentorship.db)."""

import pytest
from django.db import OperationalError, transaction

from mentorship.db import retry_on_deadlock


class _PgError(Exception):
    def __init__(self, pgcode):
        super().__init__(pgcode)
        self.pgcode = pgcode


def _failing(times: int, pgcode: str = "40P01"):
    calls = []

    @retry_on_deadlock
    def service():
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from _PgError(pgcode)
        return "done"

    return service, calls


def test_a_deadlocked_transaction_is_run_again_until_it_succeeds():
    service, calls = _failing(times=2)
    assert service() == "done"
    assert len(calls) == 3


def test_it_gives_up_after_three_attempts():
    service, calls = _failing(times=5)
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 3


def test_other_database_errors_are_not_retried():
    service, calls = _failing(times=1, pgcode="57014")  # query cancelled
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 1


@pytest.mark.django_db
def test_inside_another_transaction_the_error_goes_up_at_once():
    service, calls = _failing(times=1)
    with pytest.raises(OperationalError), transaction.atomic():
        service()
    assert len(calls) == 1
