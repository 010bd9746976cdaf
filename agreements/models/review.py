"""The yearly review of a mentorship (seed 003: after one year, continue or conclude;
seed 004: review the agreement at least once a year, continue, restructure or conclude)
and the first-meeting checklist with the mentee's IDP and CV (seed 004, Appendix B).

Imported into agreements.models (the last line there), so Django sees these models as
part of the agreements app. Reads the templates need (progress, review state) are
available on the reverse managers: ``mentorship.checklist_ticks.progress`` and
``mentorship.yearly_reviews.state``.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from agreements.models.agreement import Agreement
from mentorship.dates import add_months
from mentorship.fields import EncryptedTextField
from mentorship.freshness import cached_for
from mentorship.storage import encrypted_storage, random_name
from programs.models import Membership, Organization
from relationships.models import Goal, Meeting, MeetingStatus, Mentorship

__all__ = [
    "CHECKLIST_ITEMS",
    "CHECKLIST_PHASES",
    "ChecklistItem",
    "ChecklistTick",
    "DocumentKind",
    "MentorshipDocument",
    "REVIEW_INTERVAL_MONTHS",
    "REVIEW_OPENS_DAYS_BEFORE",
    "ReviewAnswer",
    "ReviewOutcome",
    "ReviewState",
    "YearlyReview",
    "add_months",
    "DONE_BY_RECORD",
    "checklist_done_by_record",
    "checklist_item",
    "checklist_items_for",
    "checklist_progress",
    "first_review_due_on",
    "next_review_due_on",
    "review_state",
]

REVIEW_INTERVAL_MONTHS = 12
# The pair may answer a little before the due date, e.g. at the meeting nearest to it.
REVIEW_OPENS_DAYS_BEFORE = 30


# --- First-meeting checklist (seed 004, Appendix B) --------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    role: str  # "mentor" or "mentee": the party who ticks it
    phase: str  # "before", "meeting" or "after"
    text: str


CHECKLIST_PHASES = [
    ("before", "Before the meeting"),
    ("meeting", "The meeting"),
    ("after", "After the meeting"),
]

_MENTEE_BEFORE = [
    ("idp", "Complete your Individual Development Plan (IDP) and send it to your mentor"),
    ("cv", "Update your CV and send it to your mentor"),
    ("annual_review", "Complete your annual review form and send it to your mentor"),
    ("projects", "Note your current teaching, working and research projects"),
    ("responsibilities", "Note your current responsibilities"),
    ("work_style", "Identify your work style and habits"),
    (
        "gaps",
        "Identify your knowledge and skill gaps: personal, professional development, skill development, "
        "academic guidance, research",
    ),
    ("assistance", "List the specific areas of assistance you seek"),
]
_MENTOR_BEFORE = [
    ("review_documents", "Review the mentee's IDP, CV and annual review form before the meeting"),
    ("training", "Note your areas of training"),
    ("expertise", "Note your expertise and experiences"),
    ("projects", "Note your current projects"),
    ("responsibilities", "Note your current responsibilities"),
    ("resources", "Note the resources you can offer"),
    ("collaborations", "Think of potential collaborative projects"),
    ("contacts", "Think of potential professional contacts"),
    ("path", "Be ready to describe the path to your current position"),
]
# (key, text, roles): most meeting and after items are for both; two are one party's.
_MEETING = [
    ("schedule", "Schedule the meeting (at least one hour)", ("mentee", "mentor")),
    (
        "get_to_know",
        "Learn a little about each other: hometown, interests, education, experiences",
        ("mentee", "mentor"),
    ),
    ("listen", "Actively listen to one another", ("mentee", "mentor")),
    ("expectations", "Clarify expectations", ("mentee", "mentor")),
    ("ground_rules", "Clarify ground rules", ("mentee", "mentor")),
    ("share_focus", "Share the primary focus of the relationship and the areas of assistance you need", ("mentee",)),
    ("share_contribution", "Share how you can contribute to the areas of assistance", ("mentor",)),
    ("joint_goals", "Develop joint goals for the year", ("mentee", "mentor")),
    ("agreement", "Complete the mentoring partnership agreement", ("mentee", "mentor")),
    ("next_steps", "Talk about next steps: meetings, communication, follow-up", ("mentee", "mentor")),
    ("next_meeting", "Schedule the next meeting", ("mentee", "mentor")),
]
_AFTER = [
    ("touch_base", "Touch base from time to time between meetings", ("mentee", "mentor")),
    ("agreement_copy", "Make sure you both have a copy of the signed agreement", ("mentee", "mentor")),
    ("program_office", "Contact the program office for assistance or concerns, if you need to", ("mentee", "mentor")),
]


def _build_items() -> list[ChecklistItem]:
    items = [ChecklistItem(f"mentee.before.{k}", "mentee", "before", t) for k, t in _MENTEE_BEFORE]
    items += [ChecklistItem(f"mentor.before.{k}", "mentor", "before", t) for k, t in _MENTOR_BEFORE]
    for phase, rows in (("meeting", _MEETING), ("after", _AFTER)):
        for role in ("mentee", "mentor"):
            items += [ChecklistItem(f"{role}.{phase}.{k}", role, phase, t) for k, t, roles in rows if role in roles]
    return items


# The whole checklist, as data: (key, role, phase, text). Keys are stored in ChecklistTick.
CHECKLIST_ITEMS: list[ChecklistItem] = _build_items()
_ITEMS_BY_KEY = {item.key: item for item in CHECKLIST_ITEMS}


def checklist_items_for(role: str) -> list[ChecklistItem]:
    return [item for item in CHECKLIST_ITEMS if item.role == role]


def checklist_item(key: str) -> ChecklistItem | None:
    return _ITEMS_BY_KEY.get(key)


# Items the record itself shows done, by key without the role: why, as the page says it.
DONE_BY_RECORD = {
    "before.idp": "the IDP is attached",
    "before.cv": "the CV is attached",
    "meeting.schedule": "a meeting is scheduled",
    "meeting.joint_goals": "the goals are listed",
    "meeting.agreement": "the agreement is signed",
    "meeting.next_meeting": "another meeting is scheduled",
    "after.agreement_copy": "the signed agreement is ready to download",
}


def checklist_done_by_record(mentorship: Mentorship) -> dict[str, tuple]:
    """The items the pair has already done, as their record shows (a meeting scheduled,
    goals listed, the agreement signed and sealed, the IDP and CV attached): key → (since
    when, why). They count as ticked for whoever's item it is, whatever they ticked. One
    query."""

    def first(manager, field: str, *conditions, offset: int = 0, **filters):
        rows = manager.filter(*conditions, mentorship=models.OuterRef("pk"), **filters).order_by(field).values(field)
        return models.Subquery(rows[offset : offset + 1])

    live = {"status__in": [MeetingStatus.SCHEDULED, MeetingStatus.HELD]}
    documents, meetings = MentorshipDocument._base_manager, Meeting._base_manager
    signed = Agreement._base_manager
    subqueries = {
        "before.idp": first(documents, "uploaded_at", kind=DocumentKind.IDP),
        "before.cv": first(documents, "uploaded_at", kind=DocumentKind.CV),
        "meeting.schedule": first(meetings, "created_at", **live),
        "meeting.next_meeting": first(meetings, "created_at", offset=1, **live),
        "meeting.joint_goals": first(Goal._base_manager, "created_at"),
        "meeting.agreement": first(signed, "signed_at", signed_at__isnull=False),
        "after.agreement_copy": first(signed, "signed_at", ~Q(pdf=""), signed_at__isnull=False),
    }
    aliases = {suffix: suffix.replace(".", "_") for suffix in subqueries}
    row = (
        Mentorship._base_manager.filter(pk=mentorship.pk)
        .annotate(**{aliases[suffix]: subquery for suffix, subquery in subqueries.items()})
        .values(*aliases.values())
        .first()
    ) or {}
    done = {}
    for suffix, alias in aliases.items():
        since = row.get(alias)
        for role in ("mentee", "mentor"):
            if since is not None and f"{role}.{suffix}" in _ITEMS_BY_KEY:
                done[f"{role}.{suffix}"] = (since, DONE_BY_RECORD[suffix])
    return done


def checklist_progress(mentorship: Mentorship, done_by_record: dict | None = None) -> dict:
    """{"mentor": {"done": n, "total": m}, "mentee": {...}}: each party's own items, ticked
    by them or done by the record (``checklist_done_by_record``)."""
    if done_by_record is None:
        done_by_record = checklist_done_by_record(mentorship)
    ticked = {"mentor": set(), "mentee": set()}
    roles = {mentorship.mentor_id: "mentor", mentorship.mentee_id: "mentee"}
    for membership_id, key in ChecklistTick.objects.filter(mentorship=mentorship).values_list(
        "membership_id", "item_key"
    ):
        item = _ITEMS_BY_KEY.get(key)
        role = roles.get(membership_id)
        if item is not None and item.role == role:
            ticked[role].add(key)
    for key in done_by_record:
        ticked[_ITEMS_BY_KEY[key].role].add(key)
    return {role: {"done": len(ticked[role]), "total": len(checklist_items_for(role))} for role in ("mentor", "mentee")}


class ChecklistTickManager(models.Manager):
    def progress(self) -> dict:
        """On ``mentorship.checklist_ticks``: the pair's progress (see checklist_progress),
        counts only, kept until the organization's data changes (mentorship.freshness)."""
        mentorship = self.instance
        return cached_for(
            "checklist", mentorship.organization_id, mentorship.pk, lambda: checklist_progress(mentorship)
        )


class ChecklistTick(models.Model):
    """One party ticked one of their first-meeting checklist items."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="checklist_ticks")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    item_key = models.CharField(max_length=60)
    ticked_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization", _manager_class=ChecklistTickManager)

    class Meta:
        ordering = ["ticked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "membership", "item_key"], name="checklist_tick_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_key} ticked"


class DocumentKind(models.TextChoices):
    IDP = "idp", "Individual Development Plan (IDP)"
    CV = "cv", "CV"


def _document_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "documents")


class MentorshipDocument(models.Model):
    """The mentee's IDP or CV for their mentor. Only the pair can open it; a new upload
    of the same kind replaces the old one."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    # Encrypted at rest, under a random name (mentorship.storage).
    file = models.FileField(storage=encrypted_storage, upload_to=_document_path, max_length=300)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["mentorship", "kind"], name="mentorship_document_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for mentorship {self.mentorship_id}"


# --- Yearly review ---------------------------------------------------------------------------


class ReviewAnswer(models.TextChoices):
    CONTINUE = "continue", "Continue as we are"
    RESTRUCTURE = "restructure", "Restructure: continue with a new agreement"
    CONCLUDE = "conclude", "Conclude the mentorship"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continuing"
    RESTRUCTURE = "restructure", "Restructuring with a new agreement"
    CONCLUDE = "conclude", "Concluded"


def first_review_due_on(mentorship: Mentorship) -> date:
    """Twelve months after the pair's first signed agreement, or after the start."""
    signed_at = (
        Agreement.objects.filter(mentorship=mentorship, signed_at__isnull=False)
        .order_by("signed_at")
        .values_list("signed_at", flat=True)
        .first()
    )
    base = timezone.localdate(signed_at) if signed_at else mentorship.started_on
    return add_months(base, REVIEW_INTERVAL_MONTHS)


def next_review_due_on(mentorship: Mentorship) -> date:
    """When the next review not yet started is due: a year after the last completed one."""
    last = (
        YearlyReview.objects.filter(mentorship=mentorship, completed_at__isnull=False)
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    return add_months(last, REVIEW_INTERVAL_MONTHS) if last else first_review_due_on(mentorship)


@dataclass
class ReviewState:
    enabled: bool  # the program has yearly reviews
    due_on: date | None  # of the open review, or of the next one
    review: "YearlyReview | None"  # the open review, if someone has answered
    last: "YearlyReview | None"  # the last completed review
    is_open: bool  # the pair can answer now
    is_overdue: bool

    @property
    def opens_on(self) -> date | None:
        return self.due_on - timedelta(days=REVIEW_OPENS_DAYS_BEFORE) if self.due_on else None

    @property
    def mentor_answered(self) -> bool:
        return bool(self.review and self.review.mentor_answer)

    @property
    def mentee_answered(self) -> bool:
        return bool(self.review and self.review.mentee_answer)

    def answered(self, party: str | None) -> bool:
        return bool(party and self.review and getattr(self.review, f"{party}_answer"))


def review_state(mentorship: Mentorship, *, today: date | None = None) -> ReviewState:
    today = today or timezone.localdate()
    reviews = list(YearlyReview.objects.filter(mentorship=mentorship).order_by("-due_on", "-pk")[:5])
    open_review = next((r for r in reviews if r.completed_at is None), None)
    last = next((r for r in reviews if r.completed_at is not None), None)
    enabled = bool(mentorship.program.yearly_review)
    due_on = None
    if open_review is not None:
        due_on = open_review.due_on
    elif enabled and mentorship.is_live:
        due_on = (
            add_months(last.due_on, REVIEW_INTERVAL_MONTHS)
            if last
            # A date that changes only with the agreements: kept until the data changes.
            else cached_for(
                "first-review", mentorship.organization_id, mentorship.pk, lambda: first_review_due_on(mentorship)
            )
        )
    is_open = bool(
        enabled
        and mentorship.is_live
        and due_on is not None
        and today >= due_on - timedelta(days=REVIEW_OPENS_DAYS_BEFORE)
    )
    return ReviewState(
        enabled=enabled,
        due_on=due_on,
        review=open_review,
        last=last,
        is_open=is_open,
        is_overdue=bool(is_open and today > due_on),
    )


class YearlyReviewManager(models.Manager):
    def state(self) -> ReviewState:
        """On ``mentorship.yearly_reviews``: where the pair's yearly review stands."""
        return review_state(self.instance)


class YearlyReview(models.Model):
    """One year's review of a mentorship: each party answers continue, restructure or
    conclude. Complete when both have answered; one row per year."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="yearly_reviews")
    due_on = models.DateField()
    mentor_answer = models.CharField(max_length=20, choices=ReviewAnswer.choices, blank=True)
    mentee_answer = models.CharField(max_length=20, choices=ReviewAnswer.choices, blank=True)
    # The pair's own words about their year: encrypted at rest.
    mentor_comment = EncryptedTextField(blank=True, max_length=2000)
    mentee_comment = EncryptedTextField(blank=True, max_length=2000)
    mentor_answered_at = models.DateTimeField(null=True, blank=True)
    mentee_answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization", _manager_class=YearlyReviewManager)

    class Meta:
        ordering = ["-due_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship"], condition=Q(completed_at__isnull=True), name="yearly_review_one_open"
            ),
            models.UniqueConstraint(fields=["mentorship", "due_on"], name="yearly_review_one_per_due_date"),
        ]

    def __str__(self) -> str:
        return f"Yearly review due {self.due_on:%Y-%m-%d} of mentorship {self.mentorship_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    def answer_of(self, party: str | None) -> str:
        return getattr(self, f"{party}_answer") if party in ("mentor", "mentee") else ""
