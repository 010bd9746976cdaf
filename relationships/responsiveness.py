"""How the pair keeps in touch (issue 18), from metadata only: when each message was sent and
by whom, when a meeting was held. No message text is ever read here.

* **Reply times.** A pair's messages, in order, form runs by author. Each run that follows a
  run by the other person is a reply, and its reply time is the first message of the run minus
  the first message of the run before it. The relationship page shows each side's median.
* **Quiet.** An active mentorship is quiet when neither a message nor a held meeting happened
  within the program's cadence interval (``CADENCE_DAYS``), counting from the later of the last
  message, the last held meeting and the start. ``quiet_mentorships`` is that rule in SQL: the
  program-health dashboard counts and lists the quiet pairs with it, and the reminder scan
  nudges the quiet side of each. ``quiet_state`` is the same rule for one row, for display.
"""

import math
from datetime import date, datetime, timedelta
from statistics import median

from django.db.models import Case, DateField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from programs.models import Cadence
from relationships.models import Meeting, MeetingStatus, Mentorship, MentorshipStatus, Message, Origin
from relationships.services.record import CADENCE_DAYS

# --- Reply times -------------------------------------------------------------------------------


def reply_times(rows) -> dict[int, list[float]]:
    """Seconds each author took to reply, from ``(author_id, created_at)`` rows in the order
    the messages were sent: a run of messages by one author answers the run before it, timed
    from the first message of that run to the first of this one."""
    replies: dict[int, list[float]] = {}
    run_author, run_start = None, None
    for author_id, created_at in rows:
        if author_id == run_author:
            continue
        if run_author is not None:
            replies.setdefault(author_id, []).append(max((created_at - run_start).total_seconds(), 0.0))
        run_author, run_start = author_id, created_at
    return replies


def _plural(n: int, unit: str) -> str:
    return f"an {unit}" if n == 1 and unit == "hour" else f"a {unit}" if n == 1 else f"{n} {unit}s"


def humanize_duration(seconds: float) -> str:
    """A duration as people say it, rounded up: "a minute", "20 minutes", "3 hours", "a day",
    "4 days", "3 weeks"."""
    minutes = max(math.ceil(seconds / 60), 1)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours = math.ceil(seconds / 3600)
    if hours < 24:
        return _plural(hours, "hour")
    days = math.ceil(seconds / 86400)
    if days < 14:
        return _plural(days, "day")
    return _plural(math.ceil(seconds / (7 * 86400)), "week")


def reply_summary(mentorship: Mentorship) -> list[dict]:
    """Each side's median reply time, for the relationship page (the pair and coordinators see
    it: it is metadata). One query of (author, sent at) rows; a message's text is never read.
    ``mentorship`` has its mentor's and mentee's users loaded."""
    rows = (
        Message._base_manager.filter(conversation__mentorship_id=mentorship.pk)
        .order_by("created_at", "pk")
        .values_list("author_id", "created_at")
    )
    replies = reply_times(rows)
    sides = []
    for role, membership in (("mentor", mentorship.mentor), ("mentee", mentorship.mentee)):
        name = membership.user.full_name or membership.user.email
        times = replies.get(membership.pk, [])
        seconds = median(times) if times else None
        if seconds is None:
            text = f"{name}: no replies yet"
        elif len(times) == 1:
            text = f"{name} replied within {humanize_duration(seconds)}"
        else:
            text = f"{name} usually replies within {humanize_duration(seconds)}"
        sides.append({"role": role, "name": name, "replies": len(times), "median_seconds": seconds, "text": text})
    return sides


# --- Quiet mentorships -------------------------------------------------------------------------


def quiet_interval_days(cadence: str, origin: str = "") -> int:
    """Days without contact after which a pairing is quiet: the program's cadence interval; a
    senior mentor's pairing with a hub mentor meets every six months, so six months for it."""
    if origin == Origin.SENIOR:
        return CADENCE_DAYS[Cadence.TWICE_YEARLY]
    return CADENCE_DAYS.get(cadence, CADENCE_DAYS[Cadence.QUARTERLY])


def _day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def quiet_state(
    *,
    started_on: date,
    last_message_at: datetime | None,
    last_held: datetime | None,
    cadence: str,
    today: date,
    origin: str = "",
) -> dict:
    """The quiet rule for one row (as ``quiet_mentorships`` has it in SQL): the last contact is
    the latest of the last message's day, the last held meeting's day and the start; the pair is
    quiet once more than the interval's days have passed since."""
    last_message_on, last_held_on = _day(last_message_at), _day(last_held)
    last_contact_on = max(day for day in (started_on, last_message_on, last_held_on) if day is not None)
    interval = quiet_interval_days(cadence, origin)
    days_quiet = max((today - last_contact_on).days, 0)
    if last_message_on == last_contact_on:
        contact = "message"
    elif last_held_on == last_contact_on:
        contact = "meeting"
    else:
        contact = "start"
    return {
        "last_contact_on": last_contact_on,
        "last_message_on": last_message_on,
        "last_held_on": last_held_on,
        "last_contact": contact,
        "interval_days": interval,
        "days_quiet": days_quiet,
        "quiet": days_quiet > interval,
    }


def _cutoff(today: date) -> Case:
    """Per row, the first day a contact must fall on for the pair not to be quiet today."""
    return Case(
        When(origin=Origin.SENIOR, then=Value(today - timedelta(days=quiet_interval_days("", Origin.SENIOR)))),
        *[
            When(program__meeting_cadence=cadence, then=Value(today - timedelta(days=days)))
            for cadence, days in CADENCE_DAYS.items()
        ],
        default=Value(today - timedelta(days=quiet_interval_days(""))),
        output_field=DateField(),
    )


def quiet_mentorships(today: date, mentorships: QuerySet | None = None) -> QuerySet:
    """The active mentorships (of ``mentorships``, by default all in scope) quiet on ``today``,
    annotated with ``last_message_at``, ``last_held`` and ``last_contact_on`` (days in the
    current time zone). One SQL expression, so a count or a ``LIMIT`` list costs one query
    whatever the number of pairings. Not ordered."""
    if mentorships is None:
        mentorships = Mentorship.objects.all()
    zone = timezone.get_current_timezone()
    held = Meeting._base_manager.filter(mentorship=OuterRef("pk"), status=MeetingStatus.HELD).order_by("-starts_at")
    return (
        mentorships.filter(status=MentorshipStatus.ACTIVE)
        .annotate(
            last_message_at=F("conversation__last_message_at"),
            last_held=Subquery(held.values("starts_at")[:1]),
            last_contact_on=Greatest(
                F("started_on"),
                Coalesce(TruncDate("last_message_at", tzinfo=zone), F("started_on")),
                Coalesce(TruncDate("last_held", tzinfo=zone), F("started_on")),
                output_field=DateField(),
            ),
            quiet_cutoff=_cutoff(today),
        )
        .filter(last_contact_on__lt=F("quiet_cutoff"))
    )


def with_last_author(mentorships: QuerySet) -> QuerySet:
    """``last_author``: who wrote the pair's last message (None before the first one)."""
    last = Message._base_manager.filter(conversation__mentorship_id=OuterRef("pk")).order_by("-created_at", "-pk")
    return mentorships.annotate(last_author=Subquery(last.values("author_id")[:1]))
