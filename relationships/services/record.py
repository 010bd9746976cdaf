"""The relationship's working record: goals and progress notes, the stage of the
relationship (seed 001), the meeting cadence (seed 002) and the program's resources page.

Goals and their notes belong to the pair alone: only the mentor and the mentee read or
write them. Coordinators see metadata only (the stage and whether contact is on schedule).
"""

import re
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Func, OuterRef, Subquery
from django.utils import timezone

from mentorship.exceptions import ServiceError
from programs.models import Cadence, Membership, Program
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import (
    ContentRead,
    Goal,
    GoalNote,
    GoalStatus,
    Meeting,
    MeetingStatus,
    Mentorship,
    ProgramResources,
    Stage,
)
from relationships.services.pairs import require_party

# --- Stages (seed 001) ----------------------------------------------------------------------

STAGE_ORDER = [Stage.EXPLORATION, Stage.UNDERSTANDING, Stage.ACTION_PLANNING]
STAGE_PURPOSES = {
    Stage.EXPLORATION: "Exploring the issues and needs. This is mentee-driven — usually the first 1 to 2 meetings.",
    Stage.UNDERSTANDING: "Gaining a greater understanding of the areas of need, exploring challenges and "
    "strengths, and establishing priorities — usually 1 to 2 meetings.",
    Stage.ACTION_PLANNING: "Encouraging creative approaches for overcoming issues and barriers to growth in "
    "the desired areas — all subsequent meetings.",
}


# A peer pairing has no sides: both bring the issues and needs.
PEER_STAGE_PURPOSES = {
    **STAGE_PURPOSES,
    Stage.EXPLORATION: "Exploring the issues and needs of both of you — usually the first 1 to 2 meetings.",
}


def stage_purposes(peer: bool = False) -> dict:
    return PEER_STAGE_PURPOSES if peer else STAGE_PURPOSES


def stage_rows(peer: bool = False) -> list[dict]:
    purposes = stage_purposes(peer)
    return [{"value": s.value, "label": s.label, "purpose": purposes[s]} for s in STAGE_ORDER]


def _stage_index(stage: str) -> int:
    try:
        return [s.value for s in STAGE_ORDER].index(stage)
    except ValueError:
        return 0


def held_meetings(mentorship: Mentorship):
    return Meeting.objects.filter(mentorship=mentorship, status=MeetingStatus.HELD)


def suggest_stage(mentorship: Mentorship, held: int | None = None) -> str:
    """Held ≤ 1 → exploration; 2–3 → understanding; ≥ 4 → action planning. ``held``: the
    number of held meetings when the caller has it already (else it is counted)."""
    if held is None:
        held = held_meetings(mentorship).count()
    if held <= 1:
        return Stage.EXPLORATION.value
    if held <= 3:
        return Stage.UNDERSTANDING.value
    return Stage.ACTION_PLANNING.value


def _locked(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.select_for_update().get(pk=mentorship.pk)


def stage_set(*, actor: Membership, mentorship: Mentorship, stage: str) -> Mentorship:
    """The pair chooses their stage (forwards or backwards)."""
    if stage not in Stage.values:
        raise ServiceError("Choose one of the stages.", field="stage")
    with transaction.atomic():
        require_party(actor, mentorship)
        locked = _locked(mentorship)
        if not locked.is_live:
            raise ServiceError("This mentorship has ended; its stage can no longer change.")
        if locked.stage != stage:
            old = locked.stage
            locked.stage = stage
            locked.save(update_fields=["stage"])
            audit(
                organization=locked.organization,
                actor=actor.user,
                action="mentorship.stage_set",
                summary=f"Stage of mentorship {locked.pk} set to {Stage(stage).label}",
                mentorship=locked.pk,
                old=old,
                new=stage,
            )
    mentorship.stage = locked.stage
    return mentorship


def apply_suggested_stage(mentorship: Mentorship) -> str:
    """Move the stage forward to the suggestion (never backwards). Returns the stage."""
    with transaction.atomic():
        locked = _locked(mentorship)
        suggested = suggest_stage(locked)
        if _stage_index(suggested) > _stage_index(locked.stage):
            locked.stage = suggested
            locked.save(update_fields=["stage"])
    mentorship.stage = locked.stage
    return locked.stage


# --- Cadence (seed 002) ---------------------------------------------------------------------

CADENCE_DAYS = {Cadence.MONTHLY: 30, Cadence.QUARTERLY: 91, Cadence.TWICE_YEARLY: 182}


def next_contact_due(*, started_on: date, first_meeting_days: int, cadence: str, last_held_on: date | None) -> date:
    """The one cadence rule (seed 002): before the first held meeting, the program's
    first-meeting deadline after the start; afterwards, the last held meeting plus the
    program's interval. The relationship page, the dashboard and the reminders use it."""
    if last_held_on is None:
        return started_on + timedelta(days=first_meeting_days)
    return last_held_on + timedelta(days=CADENCE_DAYS.get(cadence, CADENCE_DAYS[Cadence.QUARTERLY]))


def cadence_status(mentorship: Mentorship, today: date | None = None, meetings: list | None = None) -> dict:
    """When the pair's next contact is due and whether they are on schedule.

    Before the first held meeting the deadline is ``started_on + first_meeting_days``;
    afterwards, the last held meeting's date plus the program's interval. ``meetings``: every
    meeting of the pair when the caller has them already (else the last held one is read).
    """
    today = today or timezone.localdate()
    program = mentorship.program
    interval = CADENCE_DAYS.get(program.meeting_cadence, CADENCE_DAYS[Cadence.QUARTERLY])
    if meetings is None:
        last = held_meetings(mentorship).order_by("-starts_at").values_list("starts_at", flat=True).first()
    else:
        last = max((m.starts_at for m in meetings if m.status == MeetingStatus.HELD), default=None)
    last_held_on = timezone.localdate(last) if last else None
    due_on = next_contact_due(
        started_on=mentorship.started_on,
        first_meeting_days=program.first_meeting_days,
        cadence=program.meeting_cadence,
        last_held_on=last_held_on,
    )
    days_overdue = max((today - due_on).days, 0)
    overdue = days_overdue > 0
    label = f"Overdue by {days_overdue} day{'s' if days_overdue != 1 else ''}" if overdue else "On schedule"
    what = "First meeting due by" if last_held_on is None else "Next contact due by"
    return {
        "interval_days": interval,
        "cadence": program.get_meeting_cadence_display(),
        "first_meeting": last_held_on is None,
        "last_held_on": last_held_on,
        "due_on": due_on,
        "overdue": overdue,
        "days_overdue": days_overdue,
        "days_left": max((due_on - today).days, 0),
        "label": label,
        "text": f"{what} {due_on.day} {due_on:%B %Y} — {label[0].lower()}{label[1:]}",
        "is_live": mentorship.is_live,
    }


# --- Goals ----------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•·–]+|\(?\d+[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


def split_goals(text: str) -> list[str]:
    """One goal per line, and per sentence within a line; bullets and numbering removed."""
    goals: list[str] = []
    for line in (text or "").splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        for part in _SENTENCE_END.split(line):
            part = _BULLET.sub("", part).strip().rstrip(";").strip()
            if part and part not in goals:
                goals.append(part[:2000])
    return goals


# Where the pair's agreed goals come from. The agreements app, a floor above, registers a
# reader when it starts (``AgreementsConfig.ready``): given a mentorship, the goals text of
# its signed agreement, or None when nothing is signed yet. This app never imports it.
AGREED_GOALS: dict = {"reader": None}


def register_agreed_goals(reader) -> None:
    AGREED_GOALS["reader"] = reader


def agreed_goals(mentorship: Mentorship) -> str | None:
    """The goals text of the pair's signed agreement; None if there is none."""
    reader = AGREED_GOALS["reader"]
    return None if reader is None else reader(mentorship)


def goals_import_from_agreement(*, actor: Membership, mentorship: Mentorship) -> list[Goal]:
    """Create a goal for each goal in the signed agreement not imported yet."""
    with transaction.atomic():
        require_party(actor, mentorship)
        locked = _locked(mentorship)
        if not locked.is_live:
            raise ServiceError("This mentorship has ended; its goals are read-only.")
        text = agreed_goals(locked)
        if text is None:
            raise ServiceError("Sign your agreement first: its goals are imported from the signed version.")
        titles = split_goals(text)
        if not titles:
            raise ServiceError("Your signed agreement has no goals to import.")
        existing = {g.title.strip() for g in Goal.objects.filter(mentorship=locked)}
        created = [
            Goal.objects.create(
                organization=locked.organization,
                mentorship=locked,
                title=title,
                from_agreement=True,
                created_by=actor,
            )
            for title in titles
            if title not in existing
        ]
        if not created:
            raise ServiceError("Every goal of your signed agreement is already here.")
    return created


def _clean_goal(title: str, target_on, status: str, achieved_on) -> tuple[str, date | None]:
    title = (title or "").strip()
    if not title:
        raise ServiceError("Describe the goal.", field="title")
    if status not in GoalStatus.values:
        raise ServiceError("Choose a status.", field="status")
    if status == GoalStatus.ACHIEVED:
        achieved_on = achieved_on or timezone.localdate()
        if achieved_on > timezone.localdate():
            raise ServiceError("The date it was achieved cannot be in the future.", field="achieved_on")
    else:
        achieved_on = None
    return title, achieved_on


def goal_add(*, actor: Membership, mentorship: Mentorship, title: str, target_on: date | None = None) -> Goal:
    title, _ = _clean_goal(title, target_on, GoalStatus.OPEN, None)
    with transaction.atomic():
        require_party(actor, mentorship)
        locked = _locked(mentorship)
        if not locked.is_live:
            raise ServiceError("This mentorship has ended; its goals are read-only.")
        return Goal.objects.create(
            organization=locked.organization, mentorship=locked, title=title, target_on=target_on, created_by=actor
        )


def _locked_goal(actor: Membership, goal: Goal) -> Goal:
    require_party(actor, goal.mentorship)
    locked = Goal.objects.select_for_update().select_related("mentorship").get(pk=goal.pk)
    if not locked.mentorship.is_live:
        raise ServiceError("This mentorship has ended; its goals are read-only.")
    return locked


def goal_update(
    *,
    actor: Membership,
    goal: Goal,
    title: str,
    target_on: date | None,
    status: str,
    achieved_on: date | None = None,
) -> Goal:
    title, achieved_on = _clean_goal(title, target_on, status, achieved_on)
    with transaction.atomic():
        locked = _locked_goal(actor, goal)
        locked.title = title
        locked.target_on = target_on
        locked.status = status
        locked.achieved_on = achieved_on
        locked.save()
    return locked


def goal_achieve(*, actor: Membership, goal: Goal, achieved_on: date | None = None) -> Goal:
    return goal_update(
        actor=actor,
        goal=goal,
        title=goal.title,
        target_on=goal.target_on,
        status=GoalStatus.ACHIEVED,
        achieved_on=achieved_on,
    )


def goal_note_add(*, actor: Membership, goal: Goal, text: str) -> GoalNote:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write a note.", field="text")
    with transaction.atomic():
        locked = _locked_goal(actor, goal)
        note = GoalNote.objects.create(organization=locked.organization, goal=locked, author=actor, text=text)
        if locked.status == GoalStatus.OPEN:
            locked.status = GoalStatus.IN_PROGRESS
            locked.save(update_fields=["status", "updated_at"])
    return note


def record_reads(*, reader: Membership, mentorship: Mentorship, items) -> int:
    """Record that ``reader`` opened content the OTHER party wrote — ``items`` are
    (kind, object_id, author_id) — at most once per reader/object/day, in two queries
    whatever the number of items. Returns how many rows were written."""
    if mentorship.party(reader) is None:
        return 0
    wanted = {(kind, object_id) for kind, object_id, author_id in items if author_id and author_id != reader.pk}
    if not wanted:
        return 0
    seen = set(
        ContentRead.objects.filter(
            mentorship=mentorship,
            reader=reader,
            kind__in={kind for kind, _ in wanted},
            object_id__in={object_id for _, object_id in wanted},
            at__date=timezone.localdate(),
        ).values_list("kind", "object_id")
    )
    new = [
        ContentRead(
            organization=mentorship.organization, mentorship=mentorship, reader=reader, kind=kind, object_id=object_id
        )
        for kind, object_id in sorted(wanted - seen)
    ]
    ContentRead.objects.bulk_create(new)
    return len(new)


def record_notes_read(*, actor: Membership, goal: Goal) -> None:
    """Log that one party opened progress notes the other wrote (the pair sees this log)."""
    require_party(actor, goal.mentorship)
    record_reads(
        reader=actor,
        mentorship=goal.mentorship,
        items=[("goal_note", note.pk, note.author_id) for note in goal.notes.all()],
    )


# --- The relationship page's summary ----------------------------------------------------------


def with_goal_counts(mentorships):
    """Annotate ``goals_total`` and ``goals_achieved`` in the same query (``record_summary``
    then reads no goals of its own)."""
    goals = Goal._base_manager.filter(mentorship=OuterRef("pk")).order_by().values("mentorship")
    count = Func(F("pk"), function="COUNT")
    return mentorships.annotate(
        goals_total=Subquery(goals.annotate(n=count).values("n")),
        goals_achieved=Subquery(goals.filter(status=GoalStatus.ACHIEVED).annotate(n=count).values("n")),
    )


def record_summary(mentorship: Mentorship, meetings: list | None = None) -> dict:
    """What the relationship page shows of the record (goal counts are for the pair only).
    ``meetings``: every meeting of the pair (status and start suffice) when the caller has
    them already, so they are not counted again; goal counts come from ``with_goal_counts``
    when the mentorship was read with it."""
    if hasattr(mentorship, "goals_total"):
        goals_total, goals_achieved = mentorship.goals_total or 0, mentorship.goals_achieved or 0
    else:
        goals = list(Goal.objects.filter(mentorship=mentorship).values_list("status", flat=True))
        goals_total, goals_achieved = len(goals), sum(1 for s in goals if s == GoalStatus.ACHIEVED)
    held = None if meetings is None else sum(1 for m in meetings if m.status == MeetingStatus.HELD)
    return {
        "stage": mentorship.stage,
        "stage_label": mentorship.get_stage_display(),
        "stage_purpose": stage_purposes(mentorship.is_peer).get(mentorship.stage, ""),
        "stages": stage_rows(mentorship.is_peer),
        "suggested_stage": Stage(suggest_stage(mentorship, held)).label,
        "cadence": cadence_status(mentorship, meetings=meetings),
        "goals_total": goals_total,
        "goals_achieved": goals_achieved,
    }


# --- Resources page (seeds 000 and 001) --------------------------------------------------------

DEFAULT_RESOURCES = """# Tips for success — mentees
- Drive the agenda: be proactive in naming your areas of need.
- Initiate contact, and be reliable and punctual.
- Keep an open mind, and follow up on what you agreed.
- Before each meeting, write your agenda: what you want from it, your most pressing issues, background.

# Tips for success — mentors
- Listen first; help the mentee articulate specific goals.
- Share your experience, your network and the resources you can offer.
- Give honest, constructive feedback, and celebrate progress.
- If a goal is outside your expertise, suggest another advisor.

# How to prepare for a meeting
Review your goals and last meeting's follow-up tasks.
Write down what you want to achieve, the questions that matter most,
and any background the other person needs.

After the meeting, log a short summary and the follow-up tasks, each with an owner and a due date.

# Topics to discuss
- Building a personal reputation of excellence
- Building a referral pipeline
- Techniques to enhance patient experience
- Balancing professional and personal life and improving overall wellness
- Overcoming obstacles to career development
- Pursuing and navigating leadership opportunities
- Identifying opportunities for involvement in societies and for volunteerism
- Achieving and maintaining the highest ethical standards
- Dealing with medico-legal issues
"""


def resources_body(program: Program) -> str:
    """The program's resources text, or the default from the seeds."""
    resources = ProgramResources.objects.filter(program=program).first()
    return resources.body if resources and resources.body.strip() else DEFAULT_RESOURCES


def resources_blocks(body: str) -> list[dict]:
    """Plain text to blocks the template renders (escaped): '# ' headings, '- ' lists,
    other lines paragraphs; blank lines separate paragraphs."""
    blocks: list[dict] = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        current = None
        for raw in chunk.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("# "):
                current = None
                blocks.append({"kind": "h", "text": line[2:].strip()})
                continue
            kind, text = ("ul", line[2:].strip()) if line.startswith("- ") else ("p", line)
            if current is None or current["kind"] != kind:
                current = {"kind": kind, "lines": []}
                blocks.append(current)
            current["lines"].append(text)
    return blocks


@transaction.atomic
def resources_save(*, actor: Membership, program: Program, body: str) -> ProgramResources:
    """Coordinators edit their program's resources page."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    resources, _ = ProgramResources.objects.update_or_create(
        program=program,
        defaults={"organization": program.organization, "body": body.strip()[:50000], "updated_by": actor},
    )
    audit(
        organization=program.organization,
        actor=actor.user,
        action="program.resources_updated",
        summary=f"Updated the resources page of {program.name}",
    )
    return resources
