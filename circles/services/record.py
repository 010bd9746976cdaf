"""A circle's record: its meetings (scheduled, moved and cancelled by the facilitators, with
one calendar invitation per meeting), each person's answer (RSVP), the agenda and the
summary, who attended, and everyone's private notes.

Who may do what:

- The record is for the circle's *active* places (facilitators and members) who signed the
  circle's agreement (``record_place``). Everyone else — the coordinators, the rest of the
  organization, people on the waitlist, people who left, were replaced or removed — is
  refused (PermissionDenied; the views answer 404). A former member keeps only their own
  private notes (``notes_place``): they may read and delete them, not add or change them.
- Facilitators schedule, move and cancel meetings, write the agenda (before) and the
  summary (after), and record attendance once the meeting has started. Members read the
  agenda and the summary; one shared text written by the facilitators keeps the record
  simple (a member proposes a topic in the meeting, or to a facilitator).
- Every place answers yes, no or maybe for each meeting still to come; facilitators see
  who answered what, members see their own answer and the counts.
- Private notes are read only by their author: not the facilitators, not the coordinators.
- An ended circle is read-only: no meeting, answer, agenda, summary, attendance or note
  changes (a person may still delete their own private note).

Every write locks the circle's row first, then the meeting's, so a change never races a
member leaving or the circle ending. Coordinators read only ``circle_metadata``: dates and
counts, never a text.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from circles import ics
from circles.models import (
    Circle,
    CircleAgreementSignature,
    CircleMeeting,
    CircleMember,
    CircleMemberStatus,
    CircleNote,
    CircleRole,
    CircleRsvp,
    CircleStatus,
    RsvpResponse,
)
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from mentorship.timezones import zone_name_for
from programs.models import Membership, NotificationCategory, NotificationKind
from programs.services import notifications
from relationships.services.pairs import absolute_url

MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_TEXT = 10000
MAX_LOCATION = 500
MAX_AHEAD = timedelta(days=2 * 365)
FORMER_STATUSES = (CircleMemberStatus.LEFT, CircleMemberStatus.REPLACED, CircleMemberStatus.REMOVED)
ANSWERS = (RsvpResponse.YES, RsvpResponse.NO, RsvpResponse.MAYBE)


# --- Who may read and write -----------------------------------------------------------------


def record_place(circle: Circle, membership: Membership | None) -> CircleMember | None:
    """The person's active place in the circle if they signed its agreement, else None."""
    if membership is None or membership.organization_id != circle.organization_id or not membership.is_active:
        return None
    place = (
        CircleMember.objects.filter(circle=circle, membership=membership, status=CircleMemberStatus.ACTIVE)
        .select_related("membership__user")
        .first()
    )
    if place is None or not CircleAgreementSignature.objects.filter(member=place).exists():
        return None
    return place


def notes_place(circle: Circle, membership: Membership | None) -> CircleMember | None:
    """A place that may open its own notes: the record's place, or a former one."""
    place = record_place(circle, membership)
    if place is not None or membership is None or membership.organization_id != circle.organization_id:
        return place
    return (
        CircleMember.objects.filter(circle=circle, membership=membership, status__in=FORMER_STATUSES)
        .order_by("-pk")
        .first()
    )


def require_record_place(actor: Membership, circle: Circle) -> CircleMember:
    place = record_place(circle, actor)
    if place is None:
        raise PermissionDenied("Only the circle's members and facilitators who signed its agreement can do this.")
    return place


def require_facilitator(actor: Membership, circle: Circle) -> CircleMember:
    place = require_record_place(actor, circle)
    if place.role != CircleRole.FACILITATOR:
        raise PermissionDenied("Only the circle's facilitators can do this.")
    return place


def _lock(circle: Circle, meeting: CircleMeeting | None = None) -> CircleMeeting | None:
    """The circle's row (and the meeting's), locked and read again."""
    fresh = Circle.objects.select_for_update().get(pk=circle.pk)
    circle.status, circle.ends_on, circle.starts_on = fresh.status, fresh.ends_on, fresh.starts_on
    if meeting is None:
        return None
    locked = CircleMeeting.objects.select_for_update().get(pk=meeting.pk, circle=circle)
    locked.circle = circle
    return locked


def _require_open(circle: Circle) -> None:
    if circle.status == CircleStatus.ENDED:
        raise ServiceError("This circle has ended; its record is kept as it was.")


def _require_not_cancelled(meeting: CircleMeeting) -> None:
    if meeting.cancelled_at is not None:
        raise ServiceError("This meeting was cancelled.")


def _clean_text(text: str | None, *, field: str, label: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ServiceError(f"The {label} can be at most {limit} characters.", field=field)
    return text


def _check_time(circle: Circle, starts_at: datetime | None, duration_minutes) -> None:
    errors: dict = {}
    now = timezone.now()
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = ["Choose the date and time of the meeting."]
    elif starts_at < now:
        errors["starts_at"] = ["That time has already passed: choose a later date and time."]
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = ["Choose a date within the next two years."]
    elif timezone.localdate(starts_at) > circle.ends_on:
        errors["starts_at"] = [f"The circle ends on {circle.ends_on:%-d %B %Y}: choose a date before then."]
    if not isinstance(duration_minutes, int) or not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [f"A meeting lasts between {MIN_MINUTES} minutes and {MAX_MINUTES // 60} hours."]
    if errors:
        raise ServiceError.from_errors(errors)


# --- Invitations and notifications ----------------------------------------------------------


def meeting_path(meeting: CircleMeeting) -> str:
    circle = meeting.circle
    return reverse(
        "circle_meeting_detail",
        kwargs={
            "org_slug": circle.organization.slug,
            "program_slug": circle.program.slug,
            "pk": circle.pk,
            "meeting_pk": meeting.pk,
        },
    )


def meeting_key(meeting: CircleMeeting) -> str:
    return f"circle_meeting:{meeting.pk}"


def active_places(circle: Circle) -> list[CircleMember]:
    """Everyone invited to the circle's meetings: the active facilitators and members who signed
    its agreement (the same people as ``record_place``: a meeting's place and guest list are
    circle text)."""
    return list(
        CircleMember.objects.filter(circle=circle, status=CircleMemberStatus.ACTIVE, membership__is_active=True)
        .filter(Exists(CircleAgreementSignature.objects.filter(member=OuterRef("pk"))))
        .select_related("membership__user")
        .order_by("role", "joined_at", "pk")
    )


NOTIFICATION_TITLES = {
    "new": "{name} scheduled a meeting of {circle}",
    "update": "{name} moved a meeting of {circle}",
    "cancel": "{name} cancelled a meeting of {circle}",
}


def _send(meeting: CircleMeeting, *, actor: Membership | None, kind: str) -> int:
    """One email per active place (times in their own zone), each carrying the same
    calendar invitation or cancellation; and each one's bell except the actor's. Returns
    how many emails were queued."""
    circle = meeting.circle
    places = active_places(circle)
    path = meeting_path(meeting)
    url = absolute_url(
        "circle_meeting_detail",
        org_slug=circle.organization.slug,
        program_slug=circle.program.slug,
        pk=circle.pk,
        meeting_pk=meeting.pk,
    )
    calendar = ics.invitation(meeting, places, url=url)
    template = "email/circle_meeting_cancelled" if kind == "cancel" else "email/circle_meeting_invitation"
    if actor is None:
        title = f"A meeting of {circle.name} is cancelled: the circle has ended"
    else:
        title = NOTIFICATION_TITLES[kind].format(name=actor.user.full_name or actor.user.email, circle=circle.name)
    for place in places:
        person = place.membership
        zone = zone_name_for(person.user, circle.organization)
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            message = render_email(
                template,
                {
                    "meeting": meeting,
                    "circle": circle,
                    "program": circle.program,
                    "organization": circle.organization,
                    "recipient": place,
                    "actor": actor,
                    "kind": kind,
                    "title": ics.meeting_title(meeting),
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "time_zone": zone,
                    "url": url,
                },
                to=[person.user.email],
                reply_to=[circle.organization.contact_email],
                time_zone=zone,
                organization=circle.organization,
                recipient_name=person.user.full_name,
            )
        message.calendar = calendar
        message.calendar_filename = ics.filename(meeting)
        queue_email(message)
        if actor is None or person.pk != actor.pk:
            notification, _ = notifications.notify(
                recipient=person,
                kind=NotificationKind.MEETING,
                category=NotificationCategory.OBLIGATION,
                title=title,
                path=path,
                key=meeting_key(meeting),
            )
            notifications.mark_emailed(notification)
    return len(places)


# --- Meetings: schedule, move, cancel (facilitators) ----------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    actor: Membership,
    circle: Circle,
    starts_at: datetime,
    duration_minutes: int,
    location: str = "",
    agenda: str = "",
) -> CircleMeeting:
    """A facilitator schedules a meeting; every active place gets the invitation."""
    require_facilitator(actor, circle)
    _lock(circle)
    _require_open(circle)
    _check_time(circle, starts_at, duration_minutes)
    location = _clean_text(location, field="location", label="place or link", limit=MAX_LOCATION)
    agenda = _clean_text(agenda, field="agenda", label="agenda")
    meeting = CircleMeeting.objects.create(
        organization=circle.organization,
        circle=circle,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location,
        agenda=agenda,
        created_by=actor,
        sequence=0,
    )
    meeting.circle = circle
    _send(meeting, actor=actor, kind="new")
    return meeting


@transaction.atomic
def meeting_move(
    *, actor: Membership, meeting: CircleMeeting, starts_at: datetime, duration_minutes: int, location: str = ""
) -> CircleMeeting:
    """A facilitator moves a meeting still to come: the same invitation, SEQUENCE + 1."""
    circle = meeting.circle
    require_facilitator(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    if meeting.starts_at <= timezone.now():
        raise ServiceError("This meeting has started; only a meeting still to come can be moved.")
    _check_time(circle, starts_at, duration_minutes)
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.location = _clean_text(location, field="location", label="place or link", limit=MAX_LOCATION)
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "duration_minutes", "location", "sequence", "updated_at"])
    _send(meeting, actor=actor, kind="update")
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Membership, meeting: CircleMeeting) -> CircleMeeting:
    """A facilitator cancels a meeting still to come: METHOD:CANCEL to everyone."""
    circle = meeting.circle
    require_facilitator(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    if meeting.starts_at <= timezone.now():
        raise ServiceError("This meeting has started; only a meeting still to come can be cancelled.")
    meeting.cancelled_at = timezone.now()
    meeting.sequence += 1
    meeting.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    _send(meeting, actor=actor, kind="cancel")
    return meeting


def cancel_upcoming(*, circle: Circle, actor: Membership | None = None) -> int:
    """When a circle ends, its meetings still to come are cancelled and everyone's calendar
    gets the cancellation. For the service that ends the circle (which has locked it and
    checked who may); ``actor`` is None when the circle ends on its date. Returns how many."""
    upcoming = list(
        CircleMeeting.objects.select_for_update()
        .filter(circle=circle, cancelled_at__isnull=True, starts_at__gt=timezone.now())
        .order_by("starts_at", "pk")
    )
    for meeting in upcoming:
        meeting.circle = circle
        meeting.cancelled_at = timezone.now()
        meeting.sequence += 1
        meeting.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        _send(meeting, actor=actor, kind="cancel")
    return len(upcoming)


# --- Answers (every place) ------------------------------------------------------------------


@transaction.atomic
def rsvp_save(*, actor: Membership, meeting: CircleMeeting, response: str) -> CircleRsvp:
    """The actor's answer for a meeting still to come: yes, no or maybe."""
    circle = meeting.circle
    place = require_record_place(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    if response not in ANSWERS:
        raise ServiceError("Answer yes, no or maybe.", field="response")
    if meeting.starts_at <= timezone.now():
        raise ServiceError("This meeting has started; the facilitators record who came.")
    rsvp, _ = CircleRsvp.objects.update_or_create(
        meeting=meeting,
        member=place,
        defaults={"organization": circle.organization, "response": response, "responded_at": timezone.now()},
    )
    notifications.mark_read_by_key(recipient=actor, key=meeting_key(meeting))
    return rsvp


# --- Agenda, summary, attendance (facilitators) ---------------------------------------------


@transaction.atomic
def agenda_save(*, actor: Membership, meeting: CircleMeeting, agenda: str) -> CircleMeeting:
    circle = meeting.circle
    require_facilitator(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    meeting.agenda = _clean_text(agenda, field="agenda", label="agenda")
    meeting.save(update_fields=["agenda", "updated_at"])
    return meeting


def has_started(meeting: CircleMeeting) -> bool:
    return meeting.starts_at <= timezone.now()


@transaction.atomic
def summary_save(*, actor: Membership, meeting: CircleMeeting, summary: str) -> CircleMeeting:
    circle = meeting.circle
    require_facilitator(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    if not has_started(meeting):
        raise ServiceError("Write the summary once the meeting has started.", field="summary")
    meeting.summary = _clean_text(summary, field="summary", label="summary")
    meeting.save(update_fields=["summary", "updated_at"])
    return meeting


@transaction.atomic
def attendance_save(*, actor: Membership, meeting: CircleMeeting, attended: list[int]) -> int:
    """A facilitator records who came: ``attended`` holds the ids of active places; every
    other active place is marked absent. Returns how many came."""
    circle = meeting.circle
    require_facilitator(actor, circle)
    meeting = _lock(circle, meeting)
    _require_open(circle)
    _require_not_cancelled(meeting)
    if not has_started(meeting):
        raise ServiceError("Record who came once the meeting has started.", field="attended")
    places = {place.pk: place for place in active_places(circle)}
    chosen = {int(pk) for pk in attended}
    if chosen - set(places):
        raise ServiceError("Choose among the circle's members and facilitators.", field="attended")
    existing = {rsvp.member_id: rsvp for rsvp in CircleRsvp.objects.select_for_update().filter(meeting=meeting)}
    for pk in places:
        came = pk in chosen
        rsvp = existing.get(pk)
        if rsvp is None:
            CircleRsvp.objects.create(organization=circle.organization, meeting=meeting, member_id=pk, attended=came)
        elif rsvp.attended is not came:
            rsvp.attended = came
            rsvp.save(update_fields=["attended"])
    return len(chosen)


# --- Private notes (each person's own) ------------------------------------------------------


def _meeting_of(circle: Circle, meeting: CircleMeeting | None) -> CircleMeeting | None:
    if meeting is not None and meeting.circle_id != circle.pk:
        raise PermissionDenied("That meeting belongs to another circle.")
    return meeting


@transaction.atomic
def note_add(*, actor: Membership, circle: Circle, text: str, meeting: CircleMeeting | None = None) -> CircleNote:
    require_record_place(actor, circle)
    _lock(circle)
    _require_open(circle)
    meeting = _meeting_of(circle, meeting)
    text = _clean_text(text, field="text", label="note")
    if not text:
        raise ServiceError("Write the note first.", field="text")
    return CircleNote.objects.create(
        organization=circle.organization, circle=circle, author=actor, meeting=meeting, text=text
    )


def _own_note(actor: Membership, note: CircleNote) -> CircleNote:
    if actor is None or note.author_id != actor.pk or note.organization_id != actor.organization_id:
        raise PermissionDenied("Only its author reads a private note.")
    return CircleNote.objects.select_for_update().get(pk=note.pk, author=actor)


@transaction.atomic
def note_update(*, actor: Membership, note: CircleNote, text: str) -> CircleNote:
    circle = note.circle
    require_record_place(actor, circle)
    _lock(circle)
    note = _own_note(actor, note)
    _require_open(circle)
    text = _clean_text(text, field="text", label="note")
    if not text:
        raise ServiceError("A note needs some text; delete it instead.", field="text")
    note.text = text
    note.save(update_fields=["text", "updated_at"])
    return note


@transaction.atomic
def note_delete(*, actor: Membership, note: CircleNote) -> None:
    """The author deletes their own note, even after leaving or once the circle ended."""
    note = _own_note(actor, note)
    note.delete()


# --- Reads for the record's pages -----------------------------------------------------------


@dataclass
class MeetingRow:
    meeting: CircleMeeting
    my_answer: str = ""
    yes: int = 0
    no: int = 0
    maybe: int = 0
    attended: int = 0
    attendance_taken: bool = False

    @property
    def cancelled(self) -> bool:
        return self.meeting.cancelled_at is not None


@dataclass
class RecordArea:
    place: CircleMember
    facilitator: bool
    can_change: bool  # the circle has not ended
    upcoming: list = field(default_factory=list)
    past: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    note_count: int = 0


NOTES_SHOWN = 5


def _rows(meetings: list[CircleMeeting], place: CircleMember) -> list[MeetingRow]:
    """Counts of answers and attendance and the reader's own answer: one query."""
    counts = {
        row["meeting_id"]: row
        for row in CircleRsvp.objects.filter(meeting__in=meetings)
        .values("meeting_id")
        .annotate(
            n_yes=Count("pk", filter=Q(response=RsvpResponse.YES, member__status=CircleMemberStatus.ACTIVE)),
            n_no=Count("pk", filter=Q(response=RsvpResponse.NO, member__status=CircleMemberStatus.ACTIVE)),
            n_maybe=Count("pk", filter=Q(response=RsvpResponse.MAYBE, member__status=CircleMemberStatus.ACTIVE)),
            n_attended=Count("pk", filter=Q(attended=True)),
            n_taken=Count("pk", filter=Q(attended__isnull=False)),
        )
        .order_by()
    }
    mine = dict(CircleRsvp.objects.filter(meeting__in=meetings, member=place).values_list("meeting_id", "response"))
    rows = []
    for meeting in meetings:
        found = counts.get(meeting.pk, {})
        rows.append(
            MeetingRow(
                meeting=meeting,
                my_answer=mine.get(meeting.pk, ""),
                yes=found.get("n_yes", 0),
                no=found.get("n_no", 0),
                maybe=found.get("n_maybe", 0),
                attended=found.get("n_attended", 0),
                attendance_taken=bool(found.get("n_taken")),
            )
        )
    return rows


def record_area(circle: Circle, place: CircleMember) -> RecordArea:
    """What the circle's detail page shows a place of the record: meetings to come (with
    the agenda and the reader's answer), past and cancelled ones (with the summary and how
    many came), and the reader's latest private notes. A fixed number of queries."""
    now = timezone.now()
    meetings = list(CircleMeeting.objects.filter(circle=circle).order_by("starts_at", "pk"))
    for meeting in meetings:
        meeting.circle = circle
    rows = _rows(meetings, place)
    notes_qs = CircleNote.objects.filter(circle=circle, author=place.membership)
    notes = list(notes_qs.select_related("meeting")[:NOTES_SHOWN])
    return RecordArea(
        place=place,
        facilitator=place.role == CircleRole.FACILITATOR,
        can_change=circle.status != CircleStatus.ENDED,
        upcoming=[r for r in rows if not r.cancelled and r.meeting.starts_at > now],
        past=[r for r in reversed(rows) if r.cancelled or r.meeting.starts_at <= now],
        notes=notes,
        note_count=notes_qs.count(),
    )


@dataclass
class Answer:
    place: CircleMember
    response: str
    attended: bool | None


def meeting_answers(meeting: CircleMeeting) -> list[Answer]:
    """Every active place with its answer and attendance (for the facilitators' view)."""
    rsvps = {rsvp.member_id: rsvp for rsvp in CircleRsvp.objects.filter(meeting=meeting)}
    answers = []
    for place in active_places(meeting.circle):
        rsvp = rsvps.get(place.pk)
        answers.append(Answer(place, rsvp.response if rsvp else "", rsvp.attended if rsvp else None))
    return answers


def meeting_row(meeting: CircleMeeting, place: CircleMember) -> MeetingRow:
    """One meeting's counts and the reader's answer."""
    return _rows([meeting], place)[0]


def my_notes(circle: Circle, membership: Membership, meeting: CircleMeeting | None = None) -> list[CircleNote]:
    """Only ever the reader's own notes."""
    notes = CircleNote.objects.filter(circle=circle, author=membership).select_related("meeting")
    if meeting is not None:
        notes = notes.filter(meeting=meeting)
    return list(notes)


# --- What coordinators see: dates and counts ------------------------------------------------


@dataclass
class MeetingCounts:
    starts_at: datetime
    duration_minutes: int
    cancelled: bool
    held: bool  # started and not cancelled
    yes: int
    no: int
    maybe: int
    attended: int
    absent: int


@dataclass
class CircleMetadata:
    starts_on: date
    ends_on: date
    meetings_scheduled: int  # not cancelled, past and to come
    meetings_held: int
    meetings_upcoming: int
    meetings_cancelled: int
    first_meeting_at: datetime | None
    last_meeting_at: datetime | None  # the latest held
    next_meeting_at: datetime | None
    attended_total: int
    meetings: list  # MeetingCounts, oldest first


def circle_metadata(circle: Circle) -> CircleMetadata:
    """A circle's record as coordinators see it: when meetings were, and how many people
    answered and came to each — numbers only; no text is read (two queries)."""
    now = timezone.now()
    meetings = list(
        CircleMeeting.objects.filter(circle=circle)
        .order_by("starts_at", "pk")
        .values("pk", "starts_at", "duration_minutes", "cancelled_at")
        .annotate(
            yes=Count(
                "rsvps", filter=Q(rsvps__response=RsvpResponse.YES, rsvps__member__status=CircleMemberStatus.ACTIVE)
            ),
            no=Count(
                "rsvps", filter=Q(rsvps__response=RsvpResponse.NO, rsvps__member__status=CircleMemberStatus.ACTIVE)
            ),
            maybe=Count(
                "rsvps", filter=Q(rsvps__response=RsvpResponse.MAYBE, rsvps__member__status=CircleMemberStatus.ACTIVE)
            ),
            attended=Count("rsvps", filter=Q(rsvps__attended=True)),
            absent=Count("rsvps", filter=Q(rsvps__attended=False)),
        )
    )
    rows = [
        MeetingCounts(
            starts_at=m["starts_at"],
            duration_minutes=m["duration_minutes"],
            cancelled=m["cancelled_at"] is not None,
            held=m["cancelled_at"] is None and m["starts_at"] <= now,
            yes=m["yes"],
            no=m["no"],
            maybe=m["maybe"],
            attended=m["attended"],
            absent=m["absent"],
        )
        for m in meetings
    ]
    live = [r for r in rows if not r.cancelled]
    held = [r for r in live if r.held]
    upcoming = [r for r in live if not r.held]
    return CircleMetadata(
        starts_on=circle.starts_on,
        ends_on=circle.ends_on,
        meetings_scheduled=len(live),
        meetings_held=len(held),
        meetings_upcoming=len(upcoming),
        meetings_cancelled=len(rows) - len(live),
        first_meeting_at=live[0].starts_at if live else None,
        last_meeting_at=held[-1].starts_at if held else None,
        next_meeting_at=upcoming[0].starts_at if upcoming else None,
        attended_total=sum(r.attended for r in rows),
        meetings=rows,
    )
