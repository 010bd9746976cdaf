"""Applying a confirmed roster import (``programs.roster`` reads, checks and previews it).

``roster_confirm`` queues the ``programs.apply_roster_import`` task once; the task
(``run_roster_import``) writes invitations, member statuses and profiles in batches, in one
transaction: all of it or nothing. Its progress is in the cache while it runs (the
transaction's writes are invisible until it commits) and on the import once it ends.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from programs import sending
from programs.models import (
    AuditEvent,
    Invitation,
    Membership,
    MemberStatus,
    Organization,
    Profile,
    RosterImport,
    RosterImportRow,
    RosterImportStatus,
    SentEmail,
    SentEmailKind,
)
from programs.roster import (
    ACTION_ALREADY_INVITED,
    ACTION_ERROR,
    ACTION_INVITE,
    ACTION_UNCHANGED,
    ACTION_UPDATE,
    BATCH_SIZE,
    PROFILE_FIELDS,
    check_owner,
    plan_rows,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit

logger = logging.getLogger(__name__)

# Invitation emails rendered and queued by one ``programs.send_roster_invitations`` task.
EMAIL_BATCH_SIZE = 200

# When an import that says it is running or waiting has stopped for good (``release_stalled``).
# A run holds its import's row locked until it ends: an unlocked "running" import this long
# after it started is a run whose worker died. Without row locks (SQLite) only the time tells.
RUN_LOCK_GRACE = timedelta(minutes=1)
RUN_LIMIT_WITHOUT_LOCKS = timedelta(minutes=30)
# A queued import no worker took in this long: its message was lost (or no worker runs).
QUEUE_LIMIT = timedelta(hours=1)
STOPPED_MESSAGE = (
    "The import stopped before it finished (the background worker was interrupted) and nothing was written. "
    "Confirm it again."
)
NOT_STARTED_MESSAGE = (
    "The import did not start within an hour (the background workers may be down) and nothing was written. "
    "Confirm it again; if it does not start, contact the site's administrators."
)


@dataclass
class ConfirmResult:
    """What pressing Confirm did: ``queued`` (the task will run), ``already_queued`` (a
    confirmation before this one queued it) or ``already_applied``."""

    outcome: str
    roster_import: RosterImport


@transaction.atomic
def roster_confirm(*, actor: Membership, roster_import: RosterImport) -> ConfirmResult:
    """Queue a previewed import for the ``programs.apply_roster_import`` task, once.

    Two confirmations of one import (two tabs, a double click) queue it once: the import's
    row is locked and only a previewed (or failed) import moves to ``queued``."""
    check_owner(actor, roster_import)
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status == RosterImportStatus.APPLIED:
        return ConfirmResult("already_applied", roster_import)
    if roster_import.is_running:
        return ConfirmResult("already_queued", roster_import)
    if roster_import.status == RosterImportStatus.DISCARDED:
        raise ServiceError("This import was discarded. Upload the file again to import it.")
    if roster_import.summary.get(ACTION_ERROR):
        raise ServiceError(
            "Nothing was imported: some rows have errors (listed below). Correct the file and upload it again."
        )
    roster_import.status = RosterImportStatus.QUEUED
    roster_import.confirmed_by = actor
    roster_import.queued_at = timezone.now()
    roster_import.started_at = roster_import.finished_at = None
    roster_import.progress = 0
    roster_import.outcome = {}
    roster_import.save(
        update_fields=["status", "confirmed_by", "queued_at", "started_at", "finished_at", "progress", "outcome"]
    )
    pk = roster_import.pk
    transaction.on_commit(lambda: registered_task("programs.apply_roster_import").delay(pk))
    return ConfirmResult("queued", roster_import)


def release_stalled(*, actor: Membership, roster_import: RosterImport) -> RosterImport:
    """The import as it is, after ending a run that can no longer end by itself.

    A worker that dies while applying an import rolls its transaction back (nothing is
    written), but the import would say "Importing" for ever; one whose message was lost would
    say "Waiting to import" for ever. Either is marked ``failed`` with why, so a coordinator
    can confirm it again. A run that is alive holds its import's row locked (``_apply``), so it
    is never taken for a dead one; a task that starts after its import was released finds
    nothing to claim. Nothing is opened or locked unless the import is overdue, so a page that
    polls a live import costs no transaction."""
    due = _release_due(roster_import)
    if due is None:
        return roster_import
    status, message = due
    try:
        with transaction.atomic():
            check_owner(actor, roster_import)
            if status == RosterImportStatus.RUNNING and connection.features.has_select_for_update_skip_locked:
                # Skipped when a live run holds the row; found when no run does.
                unlocked = (
                    RosterImport.objects.select_for_update(skip_locked=True)
                    .filter(pk=roster_import.pk, status=status)
                    .values_list("pk", flat=True)
                )
                if not list(unlocked):
                    return roster_import
            released = _release(roster_import, status, message)
            if released:
                audit(
                    organization=roster_import.organization,
                    actor=actor.user,
                    action="roster.released",
                    summary=f"{roster_import.filename}: not imported ({message.split(' (')[0].lower()})",
                    roster_import=roster_import.pk,
                    was=status,
                )
    except OperationalError:
        # SQLite: a writer holds the database (a run still going after all); ask again later.
        logger.warning("Roster import %s: could not check it, the database is busy", roster_import.pk)
        return roster_import
    if released:
        roster_import.refresh_from_db()
    return roster_import


def _release_due(roster_import: RosterImport) -> tuple[str, str] | None:
    """(the status to leave, why) when the import is overdue for ``release_stalled``."""
    now = timezone.now()
    if roster_import.status == RosterImportStatus.RUNNING and roster_import.started_at:
        limit = RUN_LOCK_GRACE if connection.features.has_select_for_update_skip_locked else RUN_LIMIT_WITHOUT_LOCKS
        if now - roster_import.started_at >= limit:
            return RosterImportStatus.RUNNING, STOPPED_MESSAGE
    if (
        roster_import.status == RosterImportStatus.QUEUED
        and roster_import.queued_at
        and now - roster_import.queued_at >= QUEUE_LIMIT
    ):
        return RosterImportStatus.QUEUED, NOT_STARTED_MESSAGE
    return None


def _release(roster_import: RosterImport, status: str, message: str) -> bool:
    """``failed`` with ``message``, if the import still has ``status`` (a run that ended in
    between keeps its own result)."""
    with scopes_disabled():
        released = RosterImport.objects.filter(pk=roster_import.pk, status=status).update(
            status=RosterImportStatus.FAILED, outcome={"code": "failed", "message": message}, finished_at=timezone.now()
        )
    if released:
        logger.warning("Roster import %s released from %s: %s", roster_import.pk, status, message)
    return bool(released)


def progress_key(roster_import_id: int) -> str:
    return f"roster-import-progress:{roster_import_id}"


def current_progress(roster_import: RosterImport) -> int:
    """Rows written so far. The writes happen in one transaction, invisible to other
    connections until it commits, so the task also reports its progress in the cache."""
    if not roster_import.is_running:
        return roster_import.progress
    return max(roster_import.progress, int(cache.get(progress_key(roster_import.pk)) or 0))


class _Progress:
    def __init__(self, roster_import: RosterImport):
        self.key = progress_key(roster_import.pk)
        self.done = 0

    def add(self, count: int) -> None:
        self.done += count
        cache.set(self.key, self.done, timeout=3600)


def _comparable(row: dict) -> tuple:
    return row["action"], row["changes"], row["errors"]


def run_roster_import(roster_import_id: int) -> RosterImport:
    """The ``programs.apply_roster_import`` task's work: apply a confirmed import, all or nothing.

    Claims the queued import (a second run finds nothing to claim), then in one transaction
    checks every row again against the database as it is now and writes everything in
    batches. If any row is in error or would do something other than what the preview
    showed, or a limit refuses, nothing is written: the import goes back to the preview with
    why. An unexpected failure leaves it ``failed`` with a message, and nothing written."""
    with scopes_disabled():
        claimed = RosterImport.objects.filter(pk=roster_import_id, status=RosterImportStatus.QUEUED).update(
            status=RosterImportStatus.RUNNING, started_at=timezone.now(), progress=0
        )
        roster_import = RosterImport.objects.select_related("organization", "confirmed_by__user").get(
            pk=roster_import_id
        )
    if not claimed:
        return roster_import
    organization = roster_import.organization
    cache.delete(progress_key(roster_import.pk))
    try:
        with scope(organization=organization), transaction.atomic():
            outcome = _apply(roster_import)
    except ServiceError as error:
        outcome = {"code": "refused", "message": error.message}
        _finish(roster_import, RosterImportStatus.PREVIEWED, outcome)
    except Exception:
        logger.exception("Roster import %s failed", roster_import.pk)
        outcome = {
            "code": "failed",
            "message": "The import stopped on an unexpected error and nothing was written. Confirm it again; "
            "if it fails again, contact the site's administrators.",
        }
        _finish(roster_import, RosterImportStatus.FAILED, outcome)
    cache.delete(progress_key(roster_import.pk))
    roster_import.refresh_from_db()
    return roster_import


def _finish(roster_import: RosterImport, status: str, outcome: dict) -> None:
    with scopes_disabled():
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=status, outcome=outcome, finished_at=timezone.now()
        )


def _apply(roster_import: RosterImport) -> dict:
    organization = roster_import.organization
    actor = roster_import.confirmed_by
    try:
        require_coordinator(actor, organization)
    except PermissionDenied:
        raise ServiceError(
            "The person who confirmed it is no longer a coordinator here. A coordinator can confirm it again."
        ) from None
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status != RosterImportStatus.RUNNING:  # another run got there first
        return roster_import.outcome
    stored = list(roster_import.row_set.order_by("number"))
    previous = [row.data for row in stored]
    planned, summary = plan_rows(organization, previous, lock=True)
    file_info = {key: roster_import.summary.get(key, []) for key in ("columns", "ignored_columns")}
    changed = sum(1 for old, new in zip(previous, planned, strict=True) if _comparable(old) != _comparable(new))
    progress = _Progress(roster_import)
    if summary[ACTION_ERROR] or changed:
        _store_rows(stored, planned)
        roster_import.summary = summary | file_info
        roster_import.status = RosterImportStatus.PREVIEWED
        roster_import.outcome = {"code": "errors" if summary[ACTION_ERROR] else "changed", "changed_rows": changed}
        roster_import.finished_at = timezone.now()
        roster_import.save(update_fields=["summary", "status", "outcome", "finished_at"])
        return roster_import.outcome

    user = actor.user
    to_invite = [row for row in planned if row["action"] == ACTION_INVITE]
    to_update = [row for row in planned if row["action"] == ACTION_UPDATE]
    progress.add(len(planned) - len(to_invite) - len(to_update))  # nothing to write for the others
    # Every invitation of the file goes out, or none: the limits are checked for all of
    # them before anything is written (programs.sending).
    if to_invite:
        locked = sending.lock_sender(organization=organization, user=user)
        sending.check_invitations(organization=locked, user=user, count=len(to_invite))
    invited = _bulk_invite(organization, user, to_invite, progress)
    updated = _bulk_update_members(organization, to_update, progress)

    _store_rows(stored, planned)
    roster_import.summary = summary | file_info
    roster_import.status = RosterImportStatus.APPLIED
    roster_import.applied_at = roster_import.finished_at = timezone.now()
    roster_import.progress = len(planned)
    roster_import.outcome = {"code": "applied", "invited": len(invited), "updated": len(updated)}
    roster_import.save(update_fields=["summary", "status", "applied_at", "finished_at", "progress", "outcome"])
    audit(
        organization=organization,
        actor=user,
        action="roster.applied",
        summary=f"Imported {roster_import.filename}: {len(invited)} invited, {len(updated)} updated",
        roster_import=roster_import.pk,
        invited=len(invited),
        updated=len(updated),
        already_invited=summary[ACTION_ALREADY_INVITED],
        unchanged=summary[ACTION_UNCHANGED],
        invitations=invited,
        memberships=updated,
    )
    send = registered_task("programs.send_roster_invitations")
    for start in range(0, len(invited), EMAIL_BATCH_SIZE):
        batch = invited[start : start + EMAIL_BATCH_SIZE]
        transaction.on_commit(lambda batch=batch: send.delay(batch))
    return roster_import.outcome


def _store_rows(stored: list[RosterImportRow], planned: list[dict]) -> None:
    """Keep the rows' plans as checked now; only the rows that differ are written."""
    differing = []
    for row, plan in zip(stored, planned, strict=True):
        if row.data != plan:
            row.data, row.action, row.has_error = plan, plan["action"], bool(plan["errors"])
            differing.append(row)
    RosterImportRow.objects.bulk_update(differing, ["data", "action", "has_error"], batch_size=BATCH_SIZE)


def _bulk_invite(organization: Organization, user, rows: list[dict], progress: _Progress) -> list[int]:
    """One invitation per row, with its sent-email record and its audit event, in batches.
    The emails are queued once the transaction commits (``programs.send_roster_invitations``)."""
    invited: list[int] = []
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        now = timezone.now()
        invitations = Invitation.objects.bulk_create(
            [
                Invitation(
                    organization=organization,
                    email=row["email"],
                    invited_by=user,
                    member_status=row["member_status"] or MemberStatus.MEMBER,
                    profile_data=row["profile"] or {},
                    sent_at=now,
                    send_count=1,
                )
                for row in batch
            ]
        )
        SentEmail.objects.bulk_create(
            [
                SentEmail(organization=organization, kind=SentEmailKind.INVITATION, sent_by=user, invitation=invitation)
                for invitation in invitations
            ]
        )
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    organization=organization,
                    actor=user,
                    action="invitation.created",
                    summary=f"Invited {invitation.email}"[:300],
                    data={"invitation": invitation.pk},
                )
                for invitation in invitations
            ]
        )
        invited.extend(invitation.pk for invitation in invitations)
        progress.add(len(batch))
    return invited


def _bulk_update_members(organization: Organization, rows: list[dict], progress: _Progress) -> list[int]:
    """New member statuses (one statement per status) and profile values (created or
    updated in batches; empty cells change nothing)."""
    now = timezone.now()
    by_status: dict[str, list[int]] = {}
    for row in rows:
        if row["member_status"]:
            by_status.setdefault(row["member_status"], []).append(row["membership"])
    for status, ids in by_status.items():
        for start in range(0, len(ids), BATCH_SIZE):
            Membership.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).exclude(status=status).update(
                status=status, updated_at=now
            )
    updated = []
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        with_profile = {row["membership"]: row["profile"] for row in batch if row["profile"]}
        existing = {
            profile.membership_id: profile
            for profile in Profile.objects.select_for_update().filter(membership_id__in=list(with_profile))
        }
        changed, created = [], []
        for membership_id, values in with_profile.items():
            profile = existing.get(membership_id)
            if profile is None:
                created.append(Profile(membership_id=membership_id, organization=organization, **values))
                continue
            for field, value in values.items():
                setattr(profile, field, value)
            profile.updated_at = now
            changed.append(profile)
        Profile.objects.bulk_create(created)
        Profile.objects.bulk_update(changed, [*PROFILE_FIELDS, "updated_at"])
        updated.extend(row["membership"] for row in batch)
        progress.add(len(batch))
    return updated
