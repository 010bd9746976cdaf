"""The quiet-mentorship nudge's email (``ReminderKind.QUIET``, found due by
``surveys.services.due.due_quiet``): its wording for the one reminder email, and whether a
recorded nudge is still wanted when a worker comes to send it.

``surveys.services.reminders`` sends every reminder through ``email/reminder`` with the
headline, lines and button its ``_copy`` gives; for this kind ``_copy`` returns
``quiet_copy(reminder)``, and ``_no_longer_wanted`` skips a nudge whose pair has been in touch
since the scan (``still_quiet``). Metadata only: dates and names, never what the pair wrote.
"""

from datetime import date

from django.utils import timezone

from relationships.models import Mentorship
from relationships.responsiveness import quiet_mentorships
from surveys.models import Reminder, ReminderKind


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def quiet_copy(reminder: Reminder) -> dict:
    """What the nudge says: a headline, the facts, and the one thing to click."""
    c = reminder.context or {}
    other, program = c.get("other", "the other person"), c.get("program", "your program")
    today = timezone.localdate()
    try:
        last_contact_on = date.fromisoformat(c.get("last_contact_on", ""))
    except ValueError:
        last_contact_on = None
    if last_contact_on is None:
        since = "for a while"
    else:
        since = f"since {last_contact_on.day} {last_contact_on:%B %Y} ({_days((today - last_contact_on).days)})"
    interval = c.get("interval_days")
    rhythm = f"{program} asks pairs to be in touch at least every {_days(interval)}." if interval else ""
    if c.get("owes_reply"):
        return {
            "headline": f"{other} is waiting for your reply",
            "lines": [
                f"{other} wrote to you last, and nothing has been said between you {since}.",
                *([rhythm] if rhythm else []),
                "A few lines are enough to keep the conversation going; you can also suggest a meeting.",
            ],
            "action": f"Reply to {other}",
        }
    return {
        "headline": f"It has been quiet between you and {other}",
        "lines": [
            f"You and {other} have not written or met {since}.",
            *([rhythm] if rhythm else []),
            "Send a short message to catch up, or suggest a time to meet.",
        ],
        "action": f"Write to {other}",
    }


def still_quiet(reminders: list[Reminder]) -> set[int]:
    """The quiet nudges among ``reminders`` (by id) whose pair is still quiet in the same
    spell: a pair that wrote or met since the scan, or whose mentorship is no longer active,
    needs no nudge. One query per batch (none without quiet nudges)."""
    quiet = [r for r in reminders if r.kind == ReminderKind.QUIET and r.mentorship_id]
    if not quiet:
        return set()
    spells = {
        (pk, str(last_contact_on))
        for pk, last_contact_on in quiet_mentorships(
            timezone.localdate(), Mentorship._base_manager.filter(pk__in={r.mentorship_id for r in quiet})
        ).values_list("pk", "last_contact_on")
    }
    return {r.pk for r in quiet if (r.mentorship_id, r.context.get("last_contact_on")) in spells}
