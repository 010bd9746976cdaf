"""Agreements: the program's template, the pair's shared draft, consent to sign
electronically, signatures, and new versions.

Only the two people of a mentorship write and sign its agreement. A signed version is
immutable; changing it starts the next version, which both sign again, and the previous
one stays readable (superseded once the new one is signed).
"""

import copy
import hashlib
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from agreements.models import (
    DEFAULT_SECTIONS,
    Agreement,
    AgreementEdit,
    AgreementEvent,
    AgreementStatus,
    AgreementTemplate,
    Signature,
    SigningConsent,
)
from matching.models import Mentorship
from matching.services import _notify, _url, require_party
from mentorship.exceptions import ServiceError
from mentorship.validators import multi_line_error, single_line_error
from programs.models import Membership, Program
from programs.services import audit, require_coordinator

logger = logging.getLogger(__name__)

CONSENT_TEXT = (
    "I agree to sign mentoring agreements electronically. Typing my full name and confirming has the "
    "same effect as my handwritten signature. The time, my IP address and my browser are recorded with "
    "each signature, and I can download every signed agreement as a PDF."
)
CONSENT_TEXT_HASH = hashlib.sha256(CONSENT_TEXT.encode("utf-8")).hexdigest()
OPEN = (AgreementStatus.DRAFT, AgreementStatus.AWAITING)


def _meta(request_meta: dict | None) -> dict:
    meta = request_meta or {}
    return {"ip_address": meta.get("ip") or None, "user_agent": (meta.get("user_agent") or "")[:400]}


def _require_live(agreement: Agreement) -> None:
    """Lock the mentorship: an ended or concluded one keeps its agreements readable only."""
    mentorship = Mentorship.objects.select_for_update().get(pk=agreement.mentorship_id)
    if not mentorship.is_live:
        raise ServiceError("This mentorship has ended; its agreements stay readable but cannot change.")


def _event(agreement: Agreement, actor: Membership | None, kind: str, meta: dict | None, detail: str = "") -> None:
    AgreementEvent.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        actor=actor,
        kind=kind,
        detail=detail[:300],
        **_meta(meta),
    )


# --- Templates ----------------------------------------------------------------------------


def template_for(program: Program) -> AgreementTemplate:
    template, _ = AgreementTemplate.objects.get_or_create(
        program=program,
        defaults={"organization": program.organization, "sections": copy.deepcopy(DEFAULT_SECTIONS)},
    )
    return template


@transaction.atomic
def template_update(*, actor: Membership, program: Program, title: str, sections: list[dict]) -> AgreementTemplate:
    """Coordinators edit the headings, guidance and fixed clauses of their program's form
    (the set of sections stays as in seed 004). Versions already started keep theirs."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if any("\x00" in str(text) for text in [title, *(v for s in sections for v in s.values())]):
        # PostgreSQL cannot store it (in text or JSON): refuse it with a message, not a 500.
        raise ServiceError("The text contains a null character, which cannot be saved. Remove it and try again.")
    checks = [(title, single_line_error)]
    for section in sections:
        checks += [(section.get("heading"), single_line_error), (section.get("guidance"), multi_line_error)]
        checks.append((section.get("text"), multi_line_error))
    for text, check in checks:
        message = check(str(text or ""))
        if message:
            shown = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
            raise ServiceError(f"{message} (in “{shown[:60]}”)")
    template = AgreementTemplate.objects.select_for_update().get(pk=template_for(program).pk)
    by_key = {s["key"]: s for s in sections}
    updated = []
    for section in template.sections:
        change = by_key.get(section["key"], {})
        heading = (change.get("heading") or section["heading"]).strip()[:200]
        if not heading:
            raise ServiceError("Every section needs a heading.")
        new = {**section, "heading": heading, "guidance": (change.get("guidance", section.get("guidance", "")))[:2000]}
        if not section.get("editable"):
            text = (change.get("text", section.get("text", "")) or "").strip()
            if not text:
                raise ServiceError(f"The clause “{heading}” cannot be empty.")
            new["text"] = text[:4000]
        updated.append(new)
    template.title = title.strip()[:200] or template.title
    template.sections = updated
    template.save()
    audit(
        organization=program.organization,
        actor=actor.user,
        action="agreement_template.updated",
        summary=f"Updated the agreement form of {program.name}",
    )
    return template


# --- Drafting -----------------------------------------------------------------------------


def current_agreement(mentorship: Mentorship) -> Agreement | None:
    return Agreement.objects.filter(mentorship=mentorship).order_by("-version").first()


@transaction.atomic
def agreement_start(*, actor: Membership, mentorship: Mentorship, request_meta: dict | None = None) -> Agreement:
    """Open the next version for the pair to write: the first from the program's form,
    a later one from the last signed text (to restructure after a review)."""
    require_party(actor, mentorship, "write and sign their agreement")
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .get(pk=mentorship.pk)
    )
    if not mentorship.is_live:
        raise ServiceError("This mentorship has ended; its agreements stay readable but cannot change.")
    open_version = Agreement.objects.filter(mentorship=mentorship, status__in=OPEN).first()
    if open_version:
        return open_version
    last = current_agreement(mentorship)
    template = template_for(mentorship.program)
    version = (Agreement.objects.filter(mentorship=mentorship).aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            agreement = Agreement.objects.create(
                organization=mentorship.organization,
                mentorship=mentorship,
                version=version,
                title=template.title,
                program_name=mentorship.program.name,
                mentor_name=mentorship.mentor.user.full_name,
                mentee_name=mentorship.mentee.user.full_name,
                sections=copy.deepcopy(template.sections),
                content=dict(last.content) if last else {},
            )
    except IntegrityError:  # the other party opened it a moment ago
        return Agreement.objects.get(mentorship=mentorship, status__in=OPEN)
    _event(agreement, actor, "created", request_meta, f"Version {version} opened")
    return agreement


class StaleDraft(ServiceError):
    """Someone saved a newer text; the caller shows it next to theirs."""

    def __init__(self, agreement: Agreement, author: Membership | None):
        who = author.user.full_name if author else "The other person"
        super().__init__(
            f"{who} saved a newer version of this draft while you were writing. Your text is kept below; "
            "compare it with theirs and save again."
        )
        self.agreement = agreement


@transaction.atomic
def draft_save(
    *, actor: Membership, agreement: Agreement, content: dict[str, str], revision: int, request_meta: dict | None = None
) -> Agreement:
    """Save the pair's shared draft. A save based on an older revision is refused (never
    silently overwriting the other person's words). Records who changed which section."""
    require_party(actor, agreement.mentorship, "write and sign their agreement")
    _require_live(agreement)
    agreement = Agreement.objects.select_for_update(of=("self",)).select_related("mentorship").get(pk=agreement.pk)
    if agreement.status == AgreementStatus.AWAITING:
        raise ServiceError("One of you has signed this text, so it is locked. Reopen it for changes first.")
    if agreement.status != AgreementStatus.DRAFT:
        raise ServiceError("A signed agreement cannot change. Start a new version instead.")
    if revision != agreement.revision:
        last = AgreementEdit.objects.filter(agreement=agreement).select_related("author__user").first()
        raise StaleDraft(agreement, last.author if last else None)
    changed = []
    for section in agreement.sections:
        if not section.get("editable"):
            continue
        key = section["key"]
        new = (content.get(key) or "").strip()[:10000]
        if new != agreement.content.get(key, ""):
            agreement.content[key] = new
            changed.append(section)
    if not changed:
        return agreement
    agreement.revision += 1
    agreement.save(update_fields=["content", "revision", "updated_at"])
    AgreementEdit.objects.bulk_create(
        [
            AgreementEdit(
                organization=agreement.organization,
                agreement=agreement,
                author=actor,
                section=s["key"],
                revision=agreement.revision,
            )
            for s in changed
        ]
    )
    _event(agreement, actor, "edited", request_meta, ", ".join(s["heading"] for s in changed))
    return agreement


# --- Signing ------------------------------------------------------------------------------


@transaction.atomic
def consent_to_sign(*, actor: Membership, request_meta: dict | None = None) -> SigningConsent:
    """Consent to sign electronically (ESIGN Act / UETA), given once; the text's hash is kept."""
    consent, _ = SigningConsent.objects.get_or_create(
        membership=actor,
        defaults={"organization": actor.organization, "consent_text_hash": CONSENT_TEXT_HASH, **_meta(request_meta)},
    )
    return consent


def _same_name(typed: str, full_name: str) -> bool:
    def norm(value):
        return " ".join(value.split()).casefold()

    return bool(norm(typed)) and norm(typed) == norm(full_name)


@transaction.atomic
def agreement_sign(
    *,
    actor: Membership,
    agreement: Agreement,
    typed_name: str,
    confirm: bool,
    revision: int,
    request_meta: dict | None = None,
) -> Agreement:
    """Sign the current text. When both have signed, the version is signed and immutable,
    its PDF is built and sealed in a Celery task, and the previous version is superseded."""
    role = require_party(actor, agreement.mentorship, "write and sign their agreement")
    _require_live(agreement)
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("mentorship__program", "mentorship__mentor__user", "mentorship__mentee__user")
        .get(pk=agreement.pk)
    )
    if agreement.status not in OPEN:
        raise ServiceError("This version is already signed by both of you.")
    if revision != agreement.revision:
        # Never sign a text the signer has not seen.
        raise ServiceError("The text changed since you opened it. Read it again, then sign.")
    if not SigningConsent.objects.filter(membership=actor).exists():
        raise ServiceError("First agree to sign electronically (the box above).")
    if not confirm:
        raise ServiceError("Tick the box to confirm that you intend to sign this agreement.", field="confirm")
    if not _same_name(typed_name, actor.user.full_name):
        raise ServiceError(f"Type your full name exactly as it appears: {actor.user.full_name}.", field="typed_name")
    empty = [s["heading"] for s in agreement.sections if s.get("editable") and not agreement.content.get(s["key"])]
    if empty:
        raise ServiceError("Fill in every section before signing: " + ", ".join(empty) + ".")
    if Signature.objects.filter(agreement=agreement, signer=actor).exists():
        raise ServiceError("You have already signed this version.")
    content_hash = agreement.compute_hash()
    first = Signature.objects.filter(agreement=agreement).first()
    if first and first.content_hash != content_hash:
        raise ServiceError("The text changed since the first signature. Reopen it, agree the text, and sign again.")
    Signature.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        signer=actor,
        role=role,
        typed_name=" ".join(typed_name.split()),
        content_hash=content_hash,
        **_meta(request_meta),
    )
    _event(agreement, actor, "signed", request_meta, f"Signed as {role}; content hash {content_hash}")
    mentorship = agreement.mentorship
    other = mentorship.mentee if role == "mentor" else mentorship.mentor
    if Signature.objects.filter(agreement=agreement).count() == 2:
        now = timezone.now()
        agreement.status = AgreementStatus.SIGNED
        agreement.content_hash = content_hash
        agreement.signed_at = now
        agreement.save(update_fields=["status", "content_hash", "signed_at", "updated_at"])
        Agreement.objects.filter(mentorship=mentorship, status=AgreementStatus.SIGNED).exclude(pk=agreement.pk).update(
            status=AgreementStatus.SUPERSEDED
        )
        audit(
            organization=agreement.organization,
            actor=actor.user,
            action="agreement.signed",
            summary=f"{mentorship.mentor.user} and {mentorship.mentee.user} signed version {agreement.version} "
            "of their agreement",
            agreement=agreement.pk,
        )
        from agreements.tasks import render_agreement_pdf_task

        def build_pdf() -> None:
            try:
                render_agreement_pdf_task.delay(agreement.pk)
            except Exception:  # broker down: the download page queues it again later
                logger.exception("Could not queue the PDF of agreement %s", agreement.pk)

        transaction.on_commit(build_pdf)
        _notify(
            "email/agreement_signed",
            {"agreement": agreement, "mentorship": mentorship, "url": _agreement_url(mentorship)},
            [mentorship.mentor.user.email, mentorship.mentee.user.email],
            mentorship.organization.contact_email,
        )
    else:
        agreement.status = AgreementStatus.AWAITING
        agreement.save(update_fields=["status", "updated_at"])
        _notify(
            "email/agreement_awaiting",
            {"agreement": agreement, "mentorship": mentorship, "signer": actor, "url": _agreement_url(mentorship)},
            [other.user.email],
            mentorship.organization.contact_email,
        )
    return agreement


@transaction.atomic
def agreement_reopen(*, actor: Membership, agreement: Agreement, request_meta: dict | None = None) -> Agreement:
    """Before both have signed, either party can reopen the text for changes; the
    signature given so far is withdrawn (the event stays in the audit trail)."""
    require_party(actor, agreement.mentorship, "write and sign their agreement")
    _require_live(agreement)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.AWAITING:
        raise ServiceError("Only a text waiting for the second signature can be reopened.")
    Signature.objects.filter(agreement=agreement).delete()
    agreement.status = AgreementStatus.DRAFT
    agreement.revision += 1
    agreement.save(update_fields=["status", "revision", "updated_at"])
    _event(agreement, actor, "reopened", request_meta, "Reopened for changes; signatures withdrawn")
    return agreement


def record_view(*, actor: Membership, agreement: Agreement, request_meta: dict | None = None) -> None:
    """Note that a party opened the agreement (once a day each, for the PDF's audit page)."""
    since = timezone.now() - timedelta(days=1)
    if not AgreementEvent.objects.filter(agreement=agreement, actor=actor, kind="viewed", at__gte=since).exists():
        _event(agreement, actor, "viewed", request_meta)


def _agreement_url(mentorship: Mentorship) -> str:
    return _url("agreement_detail", org_slug=mentorship.organization.slug, pk=mentorship.pk)
