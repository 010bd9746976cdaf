"""Issue 17, cheaper pages: results kept in the cache until the organization's data changes
(mentorship.freshness). Every kind of write moves the version: save(), queryset.update(),
bulk writes, raw SQL, inside and outside an organization's pages, and again at commit. A
write in one organization leaves another's results alone; a new day recomputes; a session
write is not data."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorship import freshness
from programs.models import Application, ApplicationStatus, Organization, Program
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return ["result", self.calls]


def read(org, counter, person=1):
    return freshness.cached_for("test", org.pk, person, counter)


def test_a_result_is_computed_once_until_something_is_written(org_a):
    counter = Counter()
    read(org_a, counter)  # starts the versions
    first = read(org_a, counter)
    assert read(org_a, counter) == first
    calls = counter.calls
    Organization.objects.filter(pk=org_a.pk).update(name="Renamed")  # no save(): no signal
    assert read(org_a, counter) != first
    assert counter.calls == calls + 1


@pytest.mark.parametrize(
    "write",
    [
        lambda org: Organization.objects.filter(pk=org.pk).update(name="Updated"),
        lambda org: OrganizationFactory(),
        lambda org: MembershipFactory(organization=org).delete(),
        lambda org: connection.cursor().execute("UPDATE programs_organization SET name = name WHERE id = %s", [org.pk]),
    ],
    ids=["queryset update", "insert", "delete", "raw SQL"],
)
def test_every_kind_of_write_outside_a_page_moves_the_site_version(org_a, write):
    counter = Counter()
    read(org_a, counter)
    kept = read(org_a, counter)
    write(org_a)
    assert read(org_a, counter) != kept


def test_a_write_in_one_organizations_page_leaves_another_organizations_results(org_a, org_b):
    program_b = ProgramFactory(organization=org_b)
    counter_a, counter_b = Counter(), Counter()
    read(org_a, counter_a), read(org_b, counter_b)
    kept_a, kept_b = read(org_a, counter_a), read(org_b, counter_b)
    token = freshness.writing_organization.set(org_b.pk)
    try:
        Program.objects.with_scopes_disabled().filter(pk=program_b.pk).update(name="Beta's program renamed")
    finally:
        freshness.writing_organization.reset(token)
    assert read(org_a, counter_a) == kept_a
    assert read(org_b, counter_b) != kept_b


def test_the_version_moves_again_when_the_transaction_commits(org_a, django_capture_on_commit_callbacks):
    counter = Counter()
    read(org_a, counter)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Organization.objects.filter(pk=org_a.pk).update(name="In a transaction")
        # A reader between the write and the commit caches what it saw...
        seen_before_commit = read(org_a, counter)
    assert len(callbacks) >= 1
    # ...and is not believed after the commit.
    assert read(org_a, counter) != seen_before_commit


def test_session_writes_are_not_data(client, org_a):
    counter = Counter()
    read(org_a, counter)
    kept = read(org_a, counter)
    session = client.session
    session["anything"] = 1
    session.save()
    assert read(org_a, counter) == kept


def test_a_new_day_recomputes(org_a, time_machine):
    counter = Counter()
    read(org_a, counter)
    kept = read(org_a, counter)
    time_machine.move_to("2026-11-21 09:00")
    assert read(org_a, counter) != kept


def test_the_coordinators_to_do_list_is_cached_and_follows_every_change(client, org_a, coordinator_a):
    """The portal home's "Decide on n applications" comes from the cache on the second visit
    (fewer queries) and changes on the next visit after any write: an application submitted,
    one decided by a queryset update outside any page."""
    program = ProgramFactory(organization=org_a, name="Society program")
    client.force_login(coordinator_a.user)
    home = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    assert "Decide on" not in client.get(home).content.decode()

    first = ApplicationFactory(program=program, status=ApplicationStatus.SUBMITTED)
    with CaptureQueriesContext(connection) as computed:
        assert "Decide on 1 application" in client.get(home).content.decode()
    with CaptureQueriesContext(connection) as cached:
        assert "Decide on 1 application" in client.get(home).content.decode()
    assert len(cached) < len(computed)

    ApplicationFactory(program=program, status=ApplicationStatus.SUBMITTED)
    assert "Decide on 2 applications" in client.get(home).content.decode()
    with scopes_disabled():
        Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.DECLINED)
    assert "Decide on 1 application" in client.get(home).content.decode()


def test_a_result_read_after_an_uncommitted_write_is_not_kept(org_a):
    """A transaction writes, reads a result, then rolls back: what it read is not kept."""
    counter = Counter()
    read(org_a, counter)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.filter(pk=org_a.pk).update(name="Never committed")
        inside = read(org_a, counter)
        assert read(org_a, counter) != inside  # computed each time, never kept
        raise RuntimeError("rolled back")
    after = read(org_a, counter)
    assert after != inside
    assert read(org_a, counter) == after  # kept again once out of the transaction


def test_a_persons_row_changed_on_one_organizations_page_moves_every_organization(org_a, org_b, member_a):
    """A name shows in every organization: its write moves the site's version, not only the
    organization whose page it was made on."""
    counter = Counter()
    read(org_a, counter)
    kept = read(org_a, counter)
    token = freshness.writing_organization.set(org_b.pk)
    try:
        member_a.user.full_name = "A new name"
        member_a.user.save()
    finally:
        freshness.writing_organization.reset(token)
    assert read(org_a, counter) != kept


def test_memberships_are_read_each_time_without_a_shared_cache(settings, member_a):
    from mentorship.tenancy import active_memberships

    settings.MEMBERSHIPS_CACHED = False
    active_memberships(user=member_a.user)
    with CaptureQueriesContext(connection) as again:
        active_memberships(user=member_a.user)
    assert len(again) == 1


def test_memberships_are_kept_until_a_membership_changes_anywhere(settings, org_a, org_b, member_a):
    """The tenancy middleware's read of a person's memberships is kept under the site's
    version: a membership written on any organization's page is seen at once."""
    from mentorship.tenancy import active_memberships

    settings.MEMBERSHIPS_CACHED = True  # as with Redis
    with CaptureQueriesContext(connection) as first:
        assert [m.organization for m in active_memberships(user=member_a.user)] == [org_a]
    with CaptureQueriesContext(connection) as kept:
        active_memberships(user=member_a.user)
    assert len(first) == 1 and len(kept) == 0
    token = freshness.writing_organization.set(org_b.pk)
    try:
        MembershipFactory(organization=org_b, user=member_a.user)
    finally:
        freshness.writing_organization.reset(token)
    assert {m.organization for m in active_memberships(user=member_a.user)} == {org_a, org_b}
    with scopes_disabled():
        member_a.is_active = False
        member_a.save()
    assert [m.organization for m in active_memberships(user=member_a.user)] == [org_b]
