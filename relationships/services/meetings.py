"""Meetings of a mentorship: schedule, reschedule, cancel (with iCalendar invitations),
the mentee's agenda, the log after the meeting, follow-up tasks, private notes, and the
access log of who opened what the other person wrote.

Every function checks that the actor is one of the pair (PermissionDenied otherwise —
views answer 404) and that the mentorship belongs to the actor's organization. Rows that
guard an invariant are locked first: both memberships (fixed order) and then the meeting.
Encrypted fields (agenda, summary, task description, note text) are used as plain
attributes; the field encrypts them on save.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from mentorship.timezones import zone_name_for
from programs.models import Membership, NotificationCategory, NotificationKind
from programs.services import notifications
from relationships import ics
from relationships.models import ContentRead, FollowUpTask, Meeting, MeetingMode, MeetingStatus, Mentorship, PrivateNote
from relationships.services.pairs import absolute_url, lock_memberships, require_party
from relationships.services.record import apply_suggested_stage

MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_HELD_MINUTES = 600
MAX_TEXT = 10000
# How far ahead a meeting can be scheduled.
MAX_AHEAD = timedelta(days=2 * 365)


# --- Checks ---------------------------------------------------------------------------------


def _require_live(mentorship: Mentorship) -> None:
    if not mentorship.is_live:
        raise ServiceError("This mentorship has ended; its meetings are kept as they were.")


def _lock(mentorship: Mentorship, meeting: Meeting | None = None) -> Meeting | None:
    lock_memberships(mentorship.mentor, mentorship.mentee)
    fresh = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    mentorship.status, mentorship.stage = fresh.status, fresh.stage
    if meeting is None:
        return None
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk, mentorship=mentorship)
    return locked


def _clean_text(text: str | None, *, field: str, label: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ServiceError(f"The {label} can be at most {MAX_TEXT} characters.", field=field)
    return text


def _check_time(starts_at: datetime, duration_minutes: int) -> None:
    if starts_at is None or timezone.is_naive(starts_at):
        raise ServiceError("Choose the date and time of the meeting.", field="starts_at")
    now = timezone.now()
    if starts_at < now:
        raise ServiceError(
            "That time has already passed: an invitation is for a meeting in the future. Choose a later date and "
            "time, or log a meeting that already took place instead.",
            field="starts_at",
        )
    if starts_at > now + MAX_AHEAD:
        raise ServiceError("Choose a date within the next two years.", field="starts_at")
    if not isinstance(duration_minutes, int) or not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        raise ServiceError(
            f"A meeting lasts between {MIN_MINUTES} minutes and {MAX_MINUTES // 60} hours.", field="duration_minutes"
        )


def _check_mode(mode: str, location: str) -> str:
    if mode not in MeetingMode.values:
        raise ServiceError("Choose how you will meet.", field="mode")
    location = (location or "").strip()
    if len(location) > 500:
        raise ServiceError("The place or link can be at most 500 characters.", field="location")
    return location


# --- Invitations ----------------------------------------------------------------------------


def meeting_url(meeting: Meeting) -> str:
    return absolute_url(
        "meeting_detail",
        org_slug=meeting.mentorship.organization.slug,
        pk=meeting.mentorship_id,
        meeting_pk=meeting.pk,
    )


def _send_invitations(meeting: Meeting, *, actor: Membership, kind: str) -> None:
    """One email per person (times and the subject in their own zone), each carrying the
    same iCalendar invitation or cancellation (see ``mentorship.mail``)."""
    mentorship = meeting.mentorship
    try:
        url = meeting_url(meeting)
    except Exception:  # the URLs are not included (yet): the invitation still goes out
        url = ""
    calendar = ics.invitation(meeting, url=url)
    template = "email/meeting_cancelled" if kind == "cancel" else "email/meeting_invitation"
    for member in (mentorship.mentor, mentorship.mentee):
        # Their own zone, else their organization's: the one they read the site in.
        zone = zone_name_for(member.user, mentorship.organization)
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            message = render_email(
                template,
                {
                    "meeting": meeting,
                    "mentorship": mentorship,
                    "recipient": member,
                    "actor": actor,
                    "kind": kind,
                    "title": ics.meeting_title(meeting),
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "time_zone": zone,
                    "url": url,
                },
                to=[member.user.email],
                reply_to=[mentorship.organization.contact_email],
                time_zone=zone,
                organization=mentorship.organization,
                recipient_name=member.user.full_name,
            )
        message.calendar = calendar
        message.calendar_filename = ics.filename(meeting)
        queue_email(message)


MEETING_TITLES = {
    "new": "{name} scheduled a meeting with you",
    "update": "{name} moved your meeting",
    "cancel": "{name} cancelled your meeting",
}


def meeting_key(meeting: Meeting) -> str:
    return f"meeting:{meeting.pk}"


def _notify_other(meeting: Meeting, *, actor: Membership, kind: str) -> None:
    """The other person's bell: one notification per meeting (scheduled, then moved or
    cancelled, collapse into it while unread). The invitation email told them already."""
    mentorship = meeting.mentorship
    other = mentorship.mentee if actor.pk == mentorship.mentor_id else mentorship.mentor
    notification, _ = notifications.notify(
        recipient=other,
        kind=NotificationKind.MEETING,
        category=NotificationCategory.OBLIGATION,
        title=MEETING_TITLES[kind].format(name=actor.user.full_name or actor.user.email),
        path=reverse(
            "meeting_detail",
            kwargs={"org_slug": mentorship.organization.slug, "pk": mentorship.pk, "meeting_pk": meeting.pk},
        ),
        key=meeting_key(meeting),
    )
    notifications.mark_emailed(notification)


# --- Scheduling -----------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    actor: Membership,
    mentorship: Mentorship,
    starts_at: datetime,
    duration_minutes: int,
    mode: str,
    location: str = "",
) -> Meeting:
    require_party(actor, mentorship)
    _lock(mentorship)
    _require_live(mentorship)
    _check_time(starts_at, duration_minutes)
    location = _check_mode(mode, location)
    meeting = Meeting.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        scheduled_by=actor,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        location=location,
        status=MeetingStatus.SCHEDULED,
        sequence=0,
    )
    meeting.mentorship = mentorship
    _send_invitations(meeting, actor=actor, kind="new")
    _notify_other(meeting, actor=actor, kind="new")
    return meeting


@transaction.atomic
def meeting_reschedule(
    *,
    actor: Membership,
    meeting: Meeting,
    starts_at: datetime,
    duration_minutes: int,
    mode: str,
    location: str = "",
) -> Meeting:
    mentorship = meeting.mentorship
    require_party(actor, mentorship)
    meeting = _lock(mentorship, meeting)
    _require_live(mentorship)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ServiceError("Only a meeting that is still to come can be moved.")
    _check_time(starts_at, duration_minutes)
    location = _check_mode(mode, location)
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.mode = mode
    meeting.location = location
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "duration_minutes", "mode", "location", "sequence", "updated_at"])
    meeting.mentorship = mentorship
    _send_invitations(meeting, actor=actor, kind="update")
    _notify_other(meeting, actor=actor, kind="update")
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Membership, meeting: Meeting) -> Meeting:
    mentorship = meeting.mentorship
    require_party(actor, mentorship)
    meeting = _lock(mentorship, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ServiceError("Only a meeting that is still to come can be cancelled.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    meeting.mentorship = mentorship
    _send_invitations(meeting, actor=actor, kind="cancel")
    _notify_other(meeting, actor=actor, kind="cancel")
    return meeting


def cancel_upcoming(*, mentorship: Mentorship, actor: Membership | None) -> int:
    """When a mentorship ends, its meetings still to come are cancelled, and both people
    get the cancellation for their calendars. Returns how many."""
    upcoming = list(
        Meeting.objects.select_for_update()
        .filter(mentorship=mentorship, status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now())
        .defer("agenda", "summary")
    )
    for meeting in upcoming:
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        meeting.mentorship = mentorship
        _send_invitations(meeting, actor=actor, kind="cancel")
    notifications.mark_read_for_everyone(
        organization_id=mentorship.organization_id, keys=[meeting_key(meeting) for meeting in upcoming]
    )
    return len(upcoming)


# --- Before: the mentee's agenda ------------------------------------------------------------


@transaction.atomic
def agenda_save(*, actor: Membership, meeting: Meeting, agenda: str) -> Meeting:
    mentorship = meeting.mentorship
    party = require_party(actor, mentorship)
    if party != "mentee" and not mentorship.is_peer:  # peers: either writes it
        raise PermissionDenied("Only the mentee writes the agenda.")
    meeting = _lock(mentorship, meeting)
    _require_live(mentorship)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError("This meeting was cancelled.")
    meeting.agenda = _clean_text(agenda, field="agenda", label="agenda")
    meeting.agenda_updated_at = timezone.now()
    meeting.agenda_by = actor
    meeting.save(update_fields=["agenda", "agenda_updated_at", "agenda_by", "updated_at"])
    meeting.mentorship = mentorship
    return meeting


# --- After: the log -------------------------------------------------------------------------


def can_log(meeting: Meeting) -> bool:
    return meeting.status != MeetingStatus.CANCELLED and meeting.starts_at <= timezone.now()


@transaction.atomic
def meeting_log(
    *,
    actor: Membership,
    meeting: Meeting,
    held: bool,
    held_minutes: int | None = None,
    summary: str = "",
) -> Meeting:
    mentorship = meeting.mentorship
    require_party(actor, mentorship)
    _require_live(mentorship)
    meeting = _lock(mentorship, meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError("This meeting was cancelled; there is nothing to log.")
    if meeting.starts_at > timezone.now():
        raise ServiceError("You can log this meeting once it has started.")
    if held:
        if held_minutes is None:
            held_minutes = meeting.duration_minutes
        if not isinstance(held_minutes, int) or not 1 <= held_minutes <= MAX_HELD_MINUTES:
            raise ServiceError(
                f"Give the actual length in minutes, between 1 and {MAX_HELD_MINUTES}.", field="held_minutes"
            )
    else:
        held_minutes = None
    meeting.status = MeetingStatus.HELD if held else MeetingStatus.NOT_HELD
    meeting.held_minutes = held_minutes
    meeting.summary = _clean_text(summary, field="summary", label="summary")
    meeting.logged_by = actor
    meeting.logged_at = timezone.now()
    meeting.stage = mentorship.stage
    meeting.save(update_fields=["status", "held_minutes", "summary", "logged_by", "logged_at", "stage", "updated_at"])
    if held:
        # Seed 001: the stage follows the meetings held (exploration 1–2, understanding 1–2,
        # then action planning); it only moves forward, and the pair can still change it.
        apply_suggested_stage(mentorship)
    meeting.mentorship = mentorship
    return meeting


@transaction.atomic
def meeting_record_past(
    *,
    actor: Membership,
    mentorship: Mentorship,
    starts_at: datetime,
    held_minutes: int,
    mode: str,
    summary: str = "",
    location: str = "",
) -> Meeting:
    """Log a meeting that took place without being scheduled here (a corridor chat, a call
    arranged by phone): a past date and time, how long it lasted, how, and the summary. No
    invitation goes out; it counts as held, like a logged meeting."""
    require_party(actor, mentorship)
    _lock(mentorship)
    _require_live(mentorship)
    if starts_at is None or timezone.is_naive(starts_at):
        raise ServiceError("Choose the date and time of the meeting.", field="starts_at")
    if starts_at > timezone.now():
        raise ServiceError(
            "That time is still to come: schedule the meeting instead, and log it once it has taken place.",
            field="starts_at",
        )
    if timezone.localdate(starts_at) < mentorship.started_on:
        raise ServiceError(
            f"Choose a date since the mentorship started ({mentorship.started_on:%-d %B %Y}).", field="starts_at"
        )
    if not isinstance(held_minutes, int) or not 1 <= held_minutes <= MAX_HELD_MINUTES:
        raise ServiceError(
            f"Give the actual length in minutes, between 1 and {MAX_HELD_MINUTES}.", field="held_minutes"
        )
    location = _check_mode(mode, location)
    now = timezone.now()
    meeting = Meeting.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        scheduled_by=actor,
        starts_at=starts_at,
        duration_minutes=max(MIN_MINUTES, min(held_minutes, MAX_MINUTES)),
        mode=mode,
        location=location,
        status=MeetingStatus.HELD,
        held_minutes=held_minutes,
        summary=_clean_text(summary, field="summary", label="summary"),
        logged_by=actor,
        logged_at=now,
        stage=mentorship.stage,
    )
    apply_suggested_stage(mentorship)
    meeting.mentorship = mentorship
    return meeting


# --- Follow-up tasks ------------------------------------------------------------------------


@transaction.atomic
def task_add(
    *,
    actor: Membership,
    mentorship: Mentorship,
    description: str,
    owner: Membership,
    due_on=None,
    meeting: Meeting | None = None,
) -> FollowUpTask:
    require_party(actor, mentorship)
    _lock(mentorship)
    _require_live(mentorship)
    if owner is None or owner.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise ServiceError("A task belongs to the mentor or the mentee.", field="owner")
    if meeting is not None and meeting.mentorship_id != mentorship.pk:
        raise PermissionDenied("That meeting belongs to another mentorship.")
    description = _clean_text(description, field="description", label="task")
    if not description:
        raise ServiceError("Describe the task.", field="description")
    if len(description) > 2000:
        raise ServiceError("A task can be at most 2000 characters.", field="description")
    if due_on is not None and due_on < mentorship.started_on - timedelta(days=1):
        raise ServiceError("Choose a due date after the mentorship started.", field="due_on")
    return FollowUpTask.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        meeting=meeting,
        description=description,
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )


@transaction.atomic
def task_set_done(*, actor: Membership, task: FollowUpTask, done: bool = True) -> FollowUpTask:
    mentorship = task.mentorship
    require_party(actor, mentorship)
    _lock(mentorship)
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk, mentorship=mentorship)
    if done and task.done_at is None:
        task.done_at = timezone.now()
    elif not done:
        task.done_at = None
    task.save(update_fields=["done_at"])
    return task


# --- Private notes --------------------------------------------------------------------------


def private_note_of(actor: Membership, meeting: Meeting) -> PrivateNote | None:
    """Only ever the actor's own note."""
    return PrivateNote.objects.filter(meeting=meeting, author=actor).first()


@transaction.atomic
def private_note_save(*, actor: Membership, meeting: Meeting, text: str) -> PrivateNote | None:
    mentorship = meeting.mentorship
    require_party(actor, mentorship)
    meeting = _lock(mentorship, meeting)
    text = _clean_text(text, field="text", label="note")
    if not text:
        PrivateNote.objects.filter(meeting=meeting, author=actor).delete()
        return None
    note, _ = PrivateNote.objects.update_or_create(
        meeting=meeting, author=actor, defaults={"organization": mentorship.organization, "text": text}
    )
    return note


# --- The access log -------------------------------------------------------------------------


KIND_LABELS = {"agenda": "agenda", "summary": "meeting summary", "task": "task", "goal_note": "goal progress note"}


@dataclass
class ReadEntry:
    reader: Membership
    mine: bool  # the viewer was the reader
    kind: str
    label: str
    meeting: Meeting | None
    at: datetime


def access_log(mentorship: Mentorship, viewer: Membership, limit: int = 50) -> list[ReadEntry]:
    """Reads of the pair's meeting content (agenda, summary, task), newest first."""
    reads = list(
        ContentRead.objects.filter(mentorship=mentorship, kind__in=KIND_LABELS).select_related("reader__user")[:limit]
    )
    meeting_ids = {r.object_id for r in reads if r.kind in ("agenda", "summary")}
    task_ids = {r.object_id for r in reads if r.kind == "task"}
    tasks = {t.pk: t for t in FollowUpTask.objects.filter(mentorship=mentorship, pk__in=task_ids).only("pk", "meeting")}
    meeting_ids |= {t.meeting_id for t in tasks.values() if t.meeting_id}
    meetings = {
        m.pk: m for m in Meeting.objects.filter(mentorship=mentorship, pk__in=meeting_ids).only("pk", "starts_at")
    }
    entries = []
    for read in reads:
        if read.kind == "task":
            task = tasks.get(read.object_id)
            meeting = meetings.get(task.meeting_id) if task and task.meeting_id else None
        else:
            meeting = meetings.get(read.object_id)
        entries.append(
            ReadEntry(
                reader=read.reader,
                mine=read.reader_id == viewer.pk,
                kind=read.kind,
                label=KIND_LABELS[read.kind],
                meeting=meeting,
                at=read.at,
            )
        )
    return entries


# --- Summaries for the pages ----------------------------------------------------------------


@dataclass
class MeetingsOverview:
    held: int
    next: Meeting | None
    meetings: list


def overview(mentorship: Mentorship) -> MeetingsOverview:
    meetings = list(
        Meeting.objects.filter(mentorship=mentorship).only(
            "pk", "mentorship", "starts_at", "duration_minutes", "mode", "status", "stage"
        )
    )
    now = timezone.now()
    upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED and m.starts_at >= now]
    return MeetingsOverview(
        held=sum(1 for m in meetings if m.status == MeetingStatus.HELD),
        next=min(upcoming, key=lambda m: m.starts_at) if upcoming else None,
        meetings=meetings,
    )
