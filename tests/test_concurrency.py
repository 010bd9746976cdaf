"""Races on the invariants that services guard with row locks."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services import organizations
from tests.factories import MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_demoting_each_other_at_once_leave_one_coordinator(org_a):
    first = MembershipFactory(organization=org_a, is_coordinator=True)
    second = MembershipFactory(organization=org_a, is_coordinator=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(actor, target):
        try:
            barrier.wait()
            with scope(organization=org_a):
                organizations.membership_update(
                    actor=actor,
                    membership=target,
                    status="member",
                    is_coordinator=False,
                    is_committee=False,
                    is_active=True,
                )
            outcomes.append("demoted")
        except (PermissionDenied, ServiceError) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=pair) for pair in ((first, second), (second, first))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["PermissionDenied", "demoted"]
    with scopes_disabled():
        assert Membership.objects.filter(organization=org_a, is_coordinator=True, is_active=True).count() == 1
