"""Roster import as a job: the Celery task applies a confirmed import in batches, all or
nothing, once; the preview is paged with the rows in error first; the progress bar's
endpoint is for the organization's coordinators only."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.freshness import is_freshness_hook
from programs import roster
from programs.models import (
    AuditEvent,
    Invitation,
    Membership,
    Profile,
    RosterImport,
    RosterImportRow,
    RosterImportStatus,
    SentEmail,
)
from programs.services import roster as roster_jobs
from tests import html_rules
from tests.conftest import wait_for
from tests.factories import InvitationFactory, MembershipFactory, ProfileFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

IMPORT_URL = "/o/alpha/members/import/"


def csv_upload(text: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def preview(client, text: str) -> RosterImport:
    response = client.post(IMPORT_URL, {"file": csv_upload(text)})
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        return RosterImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def people(count: int, start: int = 0) -> str:
    return "".join(f"p{i}@example.org,Person {i},faculty,Surgery\n" for i in range(start, start + count))


def confirm_until_applied(client, imported: RosterImport, org, invitations: int, **post):
    """Confirm the import again, run its task, and find it applied with ``invitations`` sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"}, **post)
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.APPLIED
    with scope(organization=org):
        assert Invitation.objects.count() == invitations
    return response


@pytest.fixture
def coordinator(client, coordinator_a):
    client.force_login(coordinator_a.user)
    return coordinator_a


# --- The task, through a real worker -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_import_is_applied_by_a_real_worker(client, celery_worker, org_a):
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True, user__full_name="Dana Whitfield")
    member = MembershipFactory(organization=org_a, user__email="member@example.org", status="trainee")
    ProfileFactory(membership=member, specialty="Urology", city="Lyon")
    client.force_login(coordinator.user)
    imported = preview(client, "email,name,status,specialty\n" + people(30) + "member@example.org,,faculty,Oncology\n")
    assert imported.summary["invite"] == 30 and imported.summary["update"] == 1

    response = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"})
    assert response.status_code == 302

    def applied() -> bool:
        imported.refresh_from_db()
        return imported.status == RosterImportStatus.APPLIED

    wait_for(applied)
    wait_for(lambda: len(mail.outbox) == 30)  # the invitation emails, from the worker too

    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert "Roster imported: 30 invitations sent, 1 member updated." in page
    with scope(organization=org_a):
        invitations = Invitation.objects.filter(email__startswith="p")
        assert invitations.count() == 30
        assert {i.member_status for i in invitations} == {"faculty"}
        assert {i.profile_data["specialty"] for i in invitations} == {"Surgery"}
        assert all(i.send_count == 1 and i.sent_at and i.invited_by == coordinator.user for i in invitations)
        assert SentEmail.objects.filter(invitation__in=invitations).count() == 30
        assert AuditEvent.objects.filter(action="invitation.created").count() == 30
        applied = AuditEvent.objects.get(action="roster.applied")
        member.refresh_from_db()
        profile = Profile.objects.get(membership=member)
    assert applied.data["invited"] == 30 and applied.data["updated"] == 1
    assert member.status == "faculty" and (profile.specialty, profile.city) == ("Oncology", "Lyon")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{i}@example.org" for i in range(30))
    imported.refresh_from_db()
    assert imported.progress == 31 and imported.started_at and imported.finished_at


# --- All or nothing ------------------------------------------------------------------------------


def test_a_failure_in_the_middle_of_the_writes_leaves_nothing_written(client, coordinator, org_a, monkeypatch):
    """Someone else invites row 5's address after the check: the second batch of
    invitations fails on the one-open-invitation rule, and the first batch, the statuses and
    the profiles written before are rolled back with it."""
    member = MembershipFactory(organization=org_a, user__email="member@example.org", status="trainee")
    imported = preview(client, "email,name,status,specialty\nmember@example.org,,faculty,Oncology\n" + people(8))
    monkeypatch.setattr(roster_jobs, "BATCH_SIZE", 2)
    real_check = roster_jobs.sending.check_invitations

    def check_then_race(**kwargs):
        real_check(**kwargs)
        InvitationFactory(organization=org_a, email="p4@example.org")  # committed by "someone else"

    monkeypatch.setattr(roster_jobs.sending, "check_invitations", check_then_race)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"})

    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.FAILED
    assert "nothing was written" in imported.outcome["message"]
    with scope(organization=org_a):
        assert list(Invitation.objects.values_list("email", flat=True)) == []  # even the racing one: same transaction
        member.refresh_from_db()
        assert member.status == "trainee" and not Profile.objects.filter(membership=member).exists()
        assert not SentEmail.objects.exists() and not AuditEvent.objects.filter(action="roster.applied").exists()
    assert mail.outbox == []
    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert "Nothing was imported. The import stopped on an unexpected error" in page
    assert "Confirm import" in page  # a failed import can be confirmed again

    monkeypatch.setattr(roster_jobs.sending, "check_invitations", real_check)
    confirm_until_applied(client, imported, org_a, 8)
    assert len(mail.outbox) == 8


def test_a_row_in_error_in_the_middle_blocks_the_whole_file(client, coordinator, org_a):
    text = "email,name\n" + people(3).replace(",faculty,Surgery", "") + "not-an-address,Bad\n" + "z@example.org,Zed\n"
    imported = preview(client, text)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"}, follow=True)
    assert b"Nothing was imported: some rows have errors" in response.content
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED
    with scope(organization=org_a):
        assert not Invitation.objects.exists()


# --- Once ------------------------------------------------------------------------------------------


def test_two_confirms_of_one_import_run_it_once(client, coordinator, org_a):
    imported = preview(client, "email,name\n" + "".join(f"q{i}@example.org,Q {i}\n" for i in range(3)))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        first = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"})
        second = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"}, follow=True)
    assert first.status_code == 302
    assert b"This import is already being applied; it runs once." in second.content
    assert b"Waiting for the worker" in second.content  # the progress bar, not the button
    assert b"Confirm import" not in second.content
    callbacks = [c for c in callbacks if not is_freshness_hook(c)]
    assert len(callbacks) == 1  # one task queued
    callbacks[0]()
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.APPLIED
    assert roster_jobs.run_roster_import(imported.pk).status == RosterImportStatus.APPLIED  # a late duplicate: no-op
    with scope(organization=org_a):
        assert Invitation.objects.count() == 3
        assert AuditEvent.objects.filter(action="roster.applied").count() == 1


# --- The paged preview --------------------------------------------------------------------------


def test_the_preview_is_paged_with_the_rows_in_error_first(client, coordinator, org_a):
    rows = [f"r{i}@example.org,R {i}\n" for i in range(120)]
    rows[59] = "bad-one,Bad One\n"  # file row 61
    rows[109] = "r109@example.org,\n"  # no name: file row 111
    imported = preview(client, "email,name\n" + "".join(rows))
    assert imported.summary["error"] == 2 and imported.summary["total"] == 120

    first = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert first.count('<th scope="row">') == 50
    assert "Rows 1–50 of 120, rows with errors first." in first
    assert (
        first.index('<th scope="row">61</th>')
        < first.index('<th scope="row">111</th>')
        < first.index('<th scope="row">2</th>')
    )
    assert "“bad-one” is not a valid email address." in first
    assert html_rules.problems(first) == []
    assert 'aria-label="Page 3, the last"' in first and "Show only the 2 rows with errors" in first

    last = client.get(f"{IMPORT_URL}{imported.pk}/?page=3").content.decode()
    assert last.count('<th scope="row">') == 20 and '<th scope="row">121</th>' in last
    errors = client.get(f"{IMPORT_URL}{imported.pk}/?show=errors").content.decode()
    assert errors.count('<th scope="row">') == 2 and "Show every row" in errors
    # A page number that is not one shows a page, never an error.
    assert client.get(f"{IMPORT_URL}{imported.pk}/?page=x").status_code == 200
    assert client.get(f"{IMPORT_URL}{imported.pk}/?page=999").status_code == 200


def test_the_rows_are_stored_encrypted(client, coordinator):
    imported = preview(client, "email,name\nsecret.person@example.org,Secret Person\n")
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM programs_rosterimportrow WHERE roster_import_id = %s", [imported.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc1:") and "secret.person" not in stored
    with scopes_disabled():
        row = RosterImportRow.objects.get(roster_import=imported)
    assert row.data["email"] == "secret.person@example.org" and row.action == roster.ACTION_INVITE


# --- The progress bar ----------------------------------------------------------------------------


def test_the_progress_endpoint_shows_the_rows_written_and_asks_htmx_to_reload_at_the_end(client, coordinator, org_a):
    imported = preview(client, "email,name\n" + people(40).replace(",faculty,Surgery", ""))
    with scopes_disabled():
        RosterImport.objects.filter(pk=imported.pk).update(status=RosterImportStatus.RUNNING)
    cache.set(roster_jobs.progress_key(imported.pk), 10)
    url = f"{IMPORT_URL}{imported.pk}/progress/"
    response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert 'role="progressbar"' in html and 'aria-valuenow="25"' in html
    assert "Importing: 10 of 40 rows written." in html and 'data-hx-trigger="every 1s"' in html
    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert 'aria-valuenow="25"' in page and '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    assert "htmx.min.js" in page
    assert html_rules.problems(page) == []

    with scopes_disabled():
        RosterImport.objects.filter(pk=imported.pk).update(
            status=RosterImportStatus.APPLIED, progress=40, outcome={"code": "applied", "invited": 40, "updated": 0}
        )
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true" and 'aria-valuenow="100"' in response.content.decode()
    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert "Roster imported: 40 invitations sent, 0 members updated." in page and "http-equiv" not in page
    cache.delete(roster_jobs.progress_key(imported.pk))


def test_the_progress_endpoint_is_for_the_organizations_coordinators(
    client, coordinator_a, member_a, coordinator_b, org_a
):
    client.force_login(coordinator_a.user)
    imported = preview(client, "email,name\nx@example.org,X\n")
    url = f"members/import/{imported.pk}/progress/"
    assert client.get(f"/o/alpha/{url}").status_code == 200
    client.force_login(member_a.user)
    assert client.get(f"/o/alpha/{url}").status_code == 403
    client.force_login(coordinator_b.user)
    assert client.get(f"/o/alpha/{url}").status_code == 404
    assert client.get(f"/o/bravo/{url}").status_code == 404  # org A's import through org B's URL
    assert client.post(f"/o/bravo/members/import/{imported.pk}/", {"action": "confirm"}).status_code == 404
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED


def test_a_coordinator_removed_before_the_task_runs_imports_nothing(client, coordinator, org_a):
    imported = preview(client, "email,name\nlate@example.org,Late\n")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "confirm"})
    with scope(organization=org_a):
        Membership.objects.filter(pk=coordinator.pk).update(is_coordinator=False)
    for callback in callbacks:
        callback()
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED and imported.outcome["code"] == "refused"
    with scope(organization=org_a):
        assert not Invitation.objects.exists()


# --- A run that can no longer end by itself ------------------------------------------------------


def can_confirm(page: str) -> bool:
    button = re.search(r'<button[^>]*value="confirm"[^>]*>', page)
    return bool(button) and "disabled" not in button.group(0)


def _stalled(imported: RosterImport, status: str, **since) -> None:
    moment = timezone.now() - timedelta(**since)
    with scopes_disabled():
        RosterImport.objects.filter(pk=imported.pk).update(
            status=status, started_at=moment if status == RosterImportStatus.RUNNING else None, queued_at=moment
        )


def test_an_import_whose_worker_died_says_so_and_can_be_confirmed_again(client, coordinator, org_a):
    """A worker that dies mid-import writes nothing (its transaction rolls back) and leaves the
    import "Importing": once no run holds it (PostgreSQL: its row is not locked, a minute after
    it started; SQLite: after 30 minutes) the page says what happened and offers Confirm."""
    imported = preview(client, "email,name\n" + people(3).replace(",faculty,Surgery", ""))
    _stalled(imported, RosterImportStatus.RUNNING, seconds=20)
    client.get(f"{IMPORT_URL}{imported.pk}/progress/")
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.RUNNING  # just started: left alone

    _stalled(imported, RosterImportStatus.RUNNING, minutes=31)
    response = client.get(f"{IMPORT_URL}{imported.pk}/progress/", headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"  # the page reloads to show why
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.FAILED
    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    assert "Nothing was imported. The import stopped before it finished" in page
    assert can_confirm(page)
    with scope(organization=org_a):
        assert not Invitation.objects.exists()

    with scope(organization=org_a):
        event = AuditEvent.objects.get(action="roster.released")
    assert event.data == {"roster_import": imported.pk, "was": "running"}

    confirm_until_applied(client, imported, org_a, 3)


def test_a_stalled_import_says_so_in_the_list_and_takes_a_confirm_at_once(client, coordinator, org_a):
    imported = preview(client, "email,name\nlist@example.org,List\n")
    _stalled(imported, RosterImportStatus.RUNNING, minutes=31)
    listing = client.get(IMPORT_URL).content.decode()
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.FAILED
    assert "Importing" not in listing and "Not imported" in listing

    _stalled(imported, RosterImportStatus.RUNNING, minutes=31)
    response = confirm_until_applied(client, imported, org_a, 1, follow=True)
    assert "already being applied" not in response.content.decode()


def test_polling_a_live_import_opens_no_transaction(client, coordinator):
    """The progress bar asks every second while an import runs; on SQLite a transaction would
    wait for the run's write lock (20 s, then an error). Until an import is overdue, neither
    the poll nor the page opens one or locks anything."""
    from django.test.utils import CaptureQueriesContext

    imported = preview(client, "email,name\nlive@example.org,Live\n")
    _stalled(imported, RosterImportStatus.RUNNING, seconds=20)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{IMPORT_URL}{imported.pk}/progress/").status_code == 200
        assert client.get(f"{IMPORT_URL}{imported.pk}/").status_code == 200
        assert client.get(IMPORT_URL).status_code == 200
    statements = [q["sql"].upper() for q in queries.captured_queries]
    assert not [sql for sql in statements if "SAVEPOINT" in sql or "FOR UPDATE" in sql or "BEGIN" in sql]


def test_an_import_no_worker_took_is_released_after_an_hour(client, coordinator, org_a):
    imported = preview(client, "email,name\nq@example.org,Q\n")
    _stalled(imported, RosterImportStatus.QUEUED, minutes=50)
    client.get(f"{IMPORT_URL}{imported.pk}/")
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.QUEUED
    _stalled(imported, RosterImportStatus.QUEUED, minutes=61)
    page = client.get(f"{IMPORT_URL}{imported.pk}/").content.decode()
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.FAILED
    assert "Nothing was imported. The import did not start within an hour" in page and can_confirm(page)
    # The task, if its message turns up after all, finds nothing to claim.
    assert roster_jobs.run_roster_import(imported.pk).status == RosterImportStatus.FAILED
    with scope(organization=org_a):
        assert not Invitation.objects.exists()


@pytest.mark.skipif(not connection.features.has_select_for_update_skip_locked, reason="row locks (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_live_run_is_never_released_however_long_it_takes(client, coordinator, org_a):
    """A run holds its import's row locked from the start of its transaction to the end: while
    it does, the import stays "Importing" however long ago it started."""
    import threading

    from django.db import connection as thread_connection
    from django.db import transaction

    imported = preview(client, "email,name\nslow@example.org,Slow\n")
    _stalled(imported, RosterImportStatus.RUNNING, minutes=45)
    locked, finish = threading.Event(), threading.Event()

    def long_run():
        try:
            with scopes_disabled(), transaction.atomic():
                RosterImport.objects.select_for_update().get(pk=imported.pk)
                locked.set()
                finish.wait(30)
        finally:
            thread_connection.close()

    run = threading.Thread(target=long_run)
    run.start()
    try:
        assert locked.wait(30)
        client.get(f"{IMPORT_URL}{imported.pk}/progress/")
        imported.refresh_from_db()
        assert imported.status == RosterImportStatus.RUNNING
    finally:
        finish.set()
        run.join(30)
    client.get(f"{IMPORT_URL}{imported.pk}/progress/")  # the run ended without a result: released
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.FAILED
