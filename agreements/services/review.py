"""Writes for the yearly review, the first-meeting checklist and the mentee's documents.

Every function checks that the actor is a party of the mentorship (and in its
organization) and locks the mentorship row first, so the two parties acting at the same
moment serialize: a review is completed exactly once, with one outcome.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from agreements.models.review import (
    REVIEW_OPENS_DAYS_BEFORE,
    ChecklistTick,
    DocumentKind,
    MentorshipDocument,
    ReviewAnswer,
    ReviewOutcome,
    YearlyReview,
    checklist_item,
    next_review_due_on,
)
from mentorship.exceptions import ServiceError
from programs.models import Membership
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, EndReason, ExclusionReason, Mentorship, PairExclusion
from relationships.services.lifecycle import mentorship_close
from relationships.services.pairs import absolute_url, notify, require_party

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def _lock_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update()
        .select_related("organization", "program", "mentor__user", "mentee__user")
        .get(pk=mentorship.pk)
    )


def _coordinator_emails(mentorship: Mentorship) -> list[str]:
    return list(
        Membership.objects.filter(organization=mentorship.organization, is_coordinator=True, is_active=True)
        .exclude(pk__in=[mentorship.mentor_id, mentorship.mentee_id])
        .values_list("user__email", flat=True)
    )


def _context(mentorship: Mentorship, review: YearlyReview | None = None) -> dict:
    org = mentorship.organization
    return {
        "mentorship": mentorship,
        "program": mentorship.program,
        "review": review,
        "url": absolute_url("mentorship_review", org_slug=org.slug, pk=mentorship.pk),
        "mentorship_url": absolute_url("mentorship_detail", org_slug=org.slug, pk=mentorship.pk),
        "rematch_url": absolute_url("program_detail", org_slug=org.slug, program_slug=mentorship.program.slug),
    }


# --- Yearly review -----------------------------------------------------------------------------


def _open_review(mentorship: Mentorship, *, today) -> YearlyReview:
    """The mentorship's open review, created when it is due (the caller holds the lock on
    the mentorship, so two first answers cannot create two rows)."""
    review = YearlyReview.objects.select_for_update().filter(mentorship=mentorship, completed_at__isnull=True).first()
    if review is not None:
        return review
    due_on = next_review_due_on(mentorship)
    opens_on = due_on - timedelta(days=REVIEW_OPENS_DAYS_BEFORE)
    if today < opens_on:
        raise ServiceError(
            f"Your next yearly review is due on {due_on:%-d %B %Y}; you can answer from {opens_on:%-d %B %Y}."
        )
    return YearlyReview.objects.create(organization=mentorship.organization, mentorship=mentorship, due_on=due_on)


def _outcome(review: YearlyReview) -> str:
    answers = {review.mentor_answer, review.mentee_answer}
    if ReviewAnswer.CONCLUDE in answers:
        return ReviewOutcome.CONCLUDE
    if ReviewAnswer.RESTRUCTURE in answers:
        return ReviewOutcome.RESTRUCTURE
    return ReviewOutcome.CONTINUE


@transaction.atomic
def review_answer(*, actor: Membership, mentorship: Mentorship, answer: str, comment: str = "") -> YearlyReview:
    """A party answers this year's review: continue, restructure or conclude, with an
    optional comment both of them see. They can change their answer until the other has
    answered too; then the review is complete. Any "conclude" ends the mentorship."""
    party = require_party(actor, mentorship, "answer their yearly review")
    if answer not in ReviewAnswer.values:
        raise ServiceError("Choose continue, restructure or conclude.", field="answer")
    mentorship = _lock_mentorship(mentorship)
    if not mentorship.program.yearly_review:
        raise ServiceError("This program has no yearly review.")
    if mentorship.status not in LIVE_STATUSES:
        raise ServiceError("This mentorship has ended; there is nothing to review.")
    now = timezone.now()
    review = _open_review(mentorship, today=timezone.localdate())
    first_answer = not getattr(review, f"{party}_answer")
    setattr(review, f"{party}_answer", answer)
    setattr(review, f"{party}_comment", (comment or "").strip()[:2000])
    setattr(review, f"{party}_answered_at", now)
    other = "mentee" if party == "mentor" else "mentor"
    if not getattr(review, f"{other}_answer"):
        review.save()
        if first_answer:
            other_member = getattr(mentorship, other)
            notify(
                "email/yearly_review_answered",
                {**_context(mentorship, review), "other": other_member},
                [other_member.user.email],
                mentorship.organization.contact_email,
            )
        return review

    review.outcome = _outcome(review)
    review.completed_at = now
    review.save()
    audit(
        organization=mentorship.organization,
        actor=actor.user,
        action="mentorship.reviewed",
        summary=f"Yearly review of {mentorship.mentor.user} and {mentorship.mentee.user}: "
        f"{review.get_outcome_display().lower()}",
        mentorship=mentorship.pk,
        review=review.pk,
        outcome=review.outcome,
    )
    parties = [mentorship.mentor.user.email, mentorship.mentee.user.email]
    if review.outcome == ReviewOutcome.CONCLUDE:
        _conclude(mentorship, review, actor=actor, now=now)
        context = _context(mentorship, review)
        notify("email/yearly_review_concluded", context, parties, mentorship.organization.contact_email)
        coordinators = _coordinator_emails(mentorship)
        if coordinators:
            notify(
                "email/yearly_review_concluded_coordinator",
                context,
                coordinators,
                mentorship.organization.contact_email,
            )
    else:
        context = {**_context(mentorship, review), "next_due_on": next_review_due_on(mentorship)}
        notify("email/yearly_review_completed", context, parties, mentorship.organization.contact_email)
    return review


def _conclude(mentorship: Mentorship, review: YearlyReview, *, actor: Membership, now) -> None:
    """End the mentorship cleanly at review: concluded, history kept, never proposed again."""
    # A joint decision at review, not one person's: no one ended it.
    mentorship_close(mentorship, reason=EndReason.CONCLUDED, ended_by=None, cancelled_by=None, at=now)
    PairExclusion.objects.get_or_create(
        program=mentorship.program,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        defaults={"organization": mentorship.organization, "reason": ExclusionReason.ENDED},
    )
    audit(
        organization=mentorship.organization,
        actor=actor.user,
        action="mentorship.concluded",
        summary=f"The mentorship of {mentorship.mentor.user} and {mentorship.mentee.user} in "
        f"{mentorship.program.name} concluded at its yearly review",
        mentorship=mentorship.pk,
        review=review.pk,
    )


# --- First-meeting checklist ---------------------------------------------------------------------


def _checklist_keys(party: str, keys: Iterable[str]) -> set[str]:
    wanted = set()
    for key in keys:
        item = checklist_item(key)
        if item is None:
            raise ServiceError("That is not an item of the first-meeting checklist.")
        if item.role != party:
            raise PermissionDenied("Each of you ticks your own checklist items only.")
        wanted.add(key)
    return wanted


@transaction.atomic
def checklist_save(*, actor: Membership, mentorship: Mentorship, keys: Iterable[str]) -> set[str]:
    """Set which of their own first-meeting items the actor has done; returns them."""
    party = require_party(actor, mentorship, "tick their first-meeting checklist")
    wanted = _checklist_keys(party, keys)
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status not in LIVE_STATUSES:
        raise ServiceError("This mentorship has ended; its checklist is kept as it was.")
    mine = ChecklistTick.objects.filter(mentorship=mentorship, membership=actor)
    existing = set(mine.values_list("item_key", flat=True))
    mine.filter(item_key__in=existing - wanted).delete()
    ChecklistTick.objects.bulk_create(
        [
            ChecklistTick(organization=mentorship.organization, mentorship=mentorship, membership=actor, item_key=key)
            for key in sorted(wanted - existing)
        ]
    )
    return wanted


@transaction.atomic
def checklist_tick(*, actor: Membership, mentorship: Mentorship, item_key: str, ticked: bool = True) -> bool:
    """Tick (or untick) one of the actor's own items."""
    party = require_party(actor, mentorship, "tick their first-meeting checklist")
    _checklist_keys(party, [item_key])
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status not in LIVE_STATUSES:
        raise ServiceError("This mentorship has ended; its checklist is kept as it was.")
    if ticked:
        ChecklistTick.objects.get_or_create(
            mentorship=mentorship,
            membership=actor,
            item_key=item_key,
            defaults={"organization": mentorship.organization},
        )
    else:
        ChecklistTick.objects.filter(mentorship=mentorship, membership=actor, item_key=item_key).delete()
    return ticked


# --- The mentee's IDP and CV -------------------------------------------------------------------


def document_error(upload) -> str | None:
    """Why an upload cannot be accepted as an IDP or CV, or None when it can."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".pdf"):
        return "Upload a PDF file (.pdf). Word documents and other formats are not accepted."
    size = getattr(upload, "size", None)
    if not size:
        return "That file is empty. Choose a PDF file."
    if size > DOCUMENT_MAX_BYTES:
        return f"That file is {size / (1024 * 1024):.1f} MB; a document can be at most 5 MB."
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        return "That file is not a real PDF, although its name ends in .pdf. Export or save it as PDF."
    return None


@transaction.atomic
def document_upload(*, actor: Membership, mentorship: Mentorship, kind: str, upload) -> MentorshipDocument:
    """The mentee attaches their IDP or CV for the mentor (a PDF of at most 5 MB, in
    private storage). A new upload of the same kind replaces the previous one."""
    party = require_party(actor, mentorship, "share documents in their mentorship")
    if party != "mentee":
        raise PermissionDenied("The mentee attaches their IDP and CV.")
    if kind not in DocumentKind.values:
        raise ServiceError("Choose whether this is your IDP or your CV.", field="kind")
    message = document_error(upload)
    if message:
        raise ServiceError(message, field="file")
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status not in LIVE_STATUSES:
        raise ServiceError("This mentorship has ended; documents can no longer be added.")
    document = MentorshipDocument.objects.select_for_update().filter(mentorship=mentorship, kind=kind).first()
    if document is None:
        document = MentorshipDocument(organization=mentorship.organization, mentorship=mentorship, kind=kind)
    storage = MentorshipDocument._meta.get_field("file").storage
    old_name = document.file.name if document.pk else ""
    document.file.save(f"{kind}.pdf", upload, save=False)
    new_name = document.file.name
    document.uploaded_by = actor
    document.uploaded_at = timezone.now()
    document.size = upload.size
    try:
        document.save()
    except Exception:
        storage.delete(new_name)  # the row was not saved: the new file must not linger
        raise
    if old_name and old_name != new_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return document


@transaction.atomic
def document_remove(*, actor: Membership, document: MentorshipDocument) -> None:
    """The mentee removes a document they shared; the file goes once this commits."""
    mentorship = document.mentorship
    party = require_party(actor, mentorship, "manage documents in their mentorship")
    if party != "mentee":
        raise PermissionDenied("Only the mentee removes their documents.")
    _lock_mentorship(mentorship)
    document = MentorshipDocument.objects.select_for_update().filter(pk=document.pk).first()
    if document is None:
        raise ServiceError("That document has already been removed.")
    name = document.file.name
    storage = MentorshipDocument._meta.get_field("file").storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
