"""Agreements: the program's template, the pair's shared draft, consent to sign
electronically, signatures, and new versions.

Only the two people of a mentorship write and sign its agreement. A signed version is
immutable; changing it starts the next version, which both sign again, and the previous
one stays readable (superseded once the new one is signed).
"""

import copy
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from agreements.consent import CONSENT_TEXT_HASH
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
from mentorship.domain_events import emit
from mentorship.exceptions import ServiceError
from mentorship.mail import join_names
from mentorship.validators import multi_line_error, single_line_error
from programs.models import Membership, NotificationCategory, NotificationKind, Program
from programs.services import notifications
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship
from relationships.services.pairs import absolute_url, notify, require_party

logger = logging.getLogger(__name__)

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


def signed_goals(mentorship: Mentorship) -> str | None:
    """The goals text of the pair's latest signed agreement; None if nothing is signed. The
    relationship's goal list imports from it (registered in ``AgreementsConfig.ready``)."""
    agreement = (
        Agreement.objects.filter(mentorship=mentorship, status=AgreementStatus.SIGNED).order_by("-version").first()
    )
    return None if agreement is None else agreement.content.get("goals", "")


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


def clean_section_text(text: str | None) -> str:
    """A section's text as stored: one kind of line break (browsers send CR LF from a
    textarea), no surrounding blanks, at most 10,000 characters."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()[:10000]


def section_fingerprint(text: str | None) -> str:
    """What a draft page remembers of a section's text as it was when the page loaded: a
    save compares it to tell what this person changed from what someone else changed."""
    return hashlib.sha256(clean_section_text(text).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SectionConflict:
    """A section both people changed since the page was loaded, with both texts."""

    key: str
    heading: str
    mine: str
    theirs: str
    theirs_author: str


class StaleDraft(ServiceError):
    """Both people changed the same section(s) since the page was loaded. Nothing was
    saved; ``proposed`` is what each field should hold on the page shown next (this
    person's text where they changed it, the saved text elsewhere), and ``conflicts``
    gives both texts of each section to show side by side."""

    def __init__(self, agreement: Agreement, conflicts: list[SectionConflict], proposed: dict[str, str]):
        authors = sorted({c.theirs_author for c in conflicts})
        who = " and ".join(authors) if authors else "The other person"
        headings = ", ".join(f"“{c.heading}”" for c in conflicts)
        super().__init__(
            f"{who} saved a newer version of this draft while you were writing, and changed {headings} too. "
            "Nothing was saved yet: both texts are shown side by side below. Keep yours, take theirs or "
            "combine them, then save again."
        )
        self.agreement = agreement
        self.conflicts = conflicts
        self.proposed = proposed


def _last_authors(agreement: Agreement) -> dict[str, str]:
    """Who last changed each section (by the name the version froze)."""
    names: dict[str, str] = {}
    for edit in AgreementEdit.objects.filter(agreement=agreement).select_related("author__user"):
        if edit.section not in names:  # newest first
            names[edit.section] = agreement.name_for(edit.author_id) or (
                edit.author.user.full_name if edit.author else "A former participant"
            )
    return names


@transaction.atomic
def draft_save(
    *,
    actor: Membership,
    agreement: Agreement,
    content: dict[str, str],
    revision: int,
    base: dict[str, str] | None = None,
    request_meta: dict | None = None,
) -> Agreement:
    """Save the pair's shared draft, merged section by section with what the other person
    saved meanwhile (a three-way merge against the page's ``base``: the fingerprint of
    each section as the page loaded it, see ``section_fingerprint``).

    A section this person did not change is never written, so a page loaded before the
    other person's save cannot undo it. A section only this person changed is written.
    A section both changed (to different texts) is a conflict: nothing is saved and
    ``StaleDraft`` carries both texts. Without a fingerprint for a section (a page from
    before fingerprints), a save based on an older revision cannot tell who changed it,
    so any difference in that section is a conflict. Records who changed which section."""
    require_party(actor, agreement.mentorship, "write and sign their agreement")
    _require_live(agreement)
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("mentorship__mentor__user", "mentorship__mentee__user")
        .get(pk=agreement.pk)
    )
    if agreement.status == AgreementStatus.AWAITING:
        raise ServiceError("One of you has signed this text, so it is locked. Reopen it for changes first.")
    if agreement.status != AgreementStatus.DRAFT:
        raise ServiceError("A signed agreement cannot change. Start a new version instead.")
    base = base or {}
    up_to_date = revision == agreement.revision
    changed, conflicts, proposed = [], [], {}
    authors = None
    for section in agreement.sections:
        if not section.get("editable"):
            continue
        key = section["key"]
        mine = clean_section_text(content.get(key))
        saved = clean_section_text(agreement.content.get(key, ""))
        base_print = base.get(key) or (section_fingerprint(saved) if up_to_date else None)
        mine_changed = base_print is None or section_fingerprint(mine) != base_print
        proposed[key] = mine if mine_changed else saved
        if not mine_changed or mine == saved:
            continue
        if base_print is not None and section_fingerprint(saved) == base_print:
            changed.append((section, mine))
            continue
        if authors is None:
            authors = _last_authors(agreement)
        conflicts.append(
            SectionConflict(
                key=key,
                heading=section["heading"],
                mine=mine,
                theirs=saved,
                theirs_author=authors.get(key, "The other person"),
            )
        )
    if conflicts:
        raise StaleDraft(agreement, conflicts, proposed)
    if not changed:
        return agreement
    for section, text in changed:
        agreement.content[section["key"]] = text
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
            for s, _ in changed
        ]
    )
    _event(agreement, actor, "edited", request_meta, ", ".join(s["heading"] for s, _ in changed))
    return agreement


# --- Signing ------------------------------------------------------------------------------


def consent_in_force(consent: SigningConsent | None) -> bool:
    """Whether a consent lets its person sign now: given to the current disclosure, and
    not withdrawn."""
    return consent is not None and consent.withdrawn_at is None and consent.consent_text_hash == CONSENT_TEXT_HASH


def _open_agreements_of(actor: Membership) -> list[Agreement]:
    """The versions not yet signed in the actor's live mentorships (theirs to sign)."""
    return list(
        Agreement.objects.filter(
            Q(mentorship__mentor=actor) | Q(mentorship__mentee=actor),
            mentorship__status__in=LIVE_STATUSES,
            status__in=OPEN,
        ).select_related("mentorship__program", "mentorship__mentor__user", "mentorship__mentee__user")
    )


@transaction.atomic
def consent_to_sign(
    *, actor: Membership, agreement: Agreement | None = None, request_meta: dict | None = None
) -> SigningConsent:
    """Consent to sign electronically (ESIGN Act / UETA) after reading ``CONSENT_TEXT``;
    the text's hash, time, address and browser are kept. Given once per person; given
    again after a withdrawal or when the disclosure changed. Recorded in the audit trail
    of ``agreement`` (the one whose page the person agreed on) when given."""
    if agreement is not None:
        require_party(actor, agreement.mentorship, "write and sign their agreement")
    consent = SigningConsent.objects.select_for_update().filter(membership=actor).first()
    if consent_in_force(consent):
        return consent
    fields = {"consent_text_hash": CONSENT_TEXT_HASH, "consented_at": timezone.now(), "withdrawn_at": None}
    if consent is None:
        try:
            with transaction.atomic():
                consent = SigningConsent.objects.create(
                    organization=actor.organization, membership=actor, **fields, **_meta(request_meta)
                )
        except IntegrityError:  # a second click a moment ago created it
            return SigningConsent.objects.get(membership=actor)
    else:
        for name, value in {**fields, **_meta(request_meta)}.items():
            setattr(consent, name, value)
        consent.save()
    if agreement is not None:
        _event(agreement, actor, "consent", request_meta, f"Consent text SHA-256 {CONSENT_TEXT_HASH}")
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Membership, agreement: Agreement, request_meta: dict | None = None) -> SigningConsent:
    """Withdraw one's own consent to sign electronically (ESIGN § 7001(c)(1)(B)). From then
    on the person cannot sign electronically; signatures given before stay valid. The
    withdrawal goes into the audit trail of ``agreement`` and of every version still open
    for them, and the program office is asked by email to arrange signing on paper."""
    require_party(actor, agreement.mentorship, "write and sign their agreement")
    consent = SigningConsent.objects.select_for_update().filter(membership=actor).first()
    if consent is None or consent.withdrawn_at is not None:
        raise ServiceError("You have not agreed to sign electronically, so there is nothing to withdraw.")
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    open_versions = _open_agreements_of(actor)
    detail = "Withdrew consent to sign electronically; the program office arranges signing on paper"
    for version in {agreement.pk: agreement, **{a.pk: a for a in open_versions}}.values():
        _event(version, actor, "consent_withdrawn", request_meta, detail)
    name = agreement.name_for(actor.pk) or actor.user.full_name
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="agreement.consent_withdrawn",
        summary=f"{name} withdrew their consent to sign agreements electronically",
        agreement=agreement.pk,
    )
    coordinators = list(
        Membership.objects.filter(organization=actor.organization, is_coordinator=True, is_active=True)
        .exclude(pk=actor.pk)
        .values_list("user__email", flat=True)
    )
    if coordinators:
        organization = actor.organization
        notify(
            "email/agreement_consent_withdrawn",
            {
                "name": name,
                "withdrawn_at": consent.withdrawn_at,
                "open_versions": [
                    {
                        "agreement": version,
                        "mentor_name": version.frozen_name("mentor"),
                        "mentee_name": version.frozen_name("mentee"),
                        "program_name": version.program_name or version.mentorship.program.name,
                        "url": absolute_url(
                            "program_agreements",
                            org_slug=organization.slug,
                            program_slug=version.mentorship.program.slug,
                        ),
                    }
                    for version in open_versions
                ],
            },
            coordinators,
            organization.contact_email,
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
    consent = SigningConsent.objects.filter(membership=actor).first()
    if consent is not None and consent.withdrawn_at is not None:
        raise ServiceError(
            f"You withdrew your consent to sign electronically on {consent.withdrawn_at:%d %B %Y}, so you cannot "
            "sign here: the program office arranges for you to sign on paper. To sign electronically after all, "
            "agree to it again (the box above)."
        )
    if not consent_in_force(consent):
        raise ServiceError("First read and agree to sign electronically (the box above).")
    if not confirm:
        raise ServiceError("Tick the box to confirm that you intend to sign this agreement.", field="confirm")
    # The name this version records (frozen when it opened), never the account's current
    # name: a rename before signing must not put another name on the signature line.
    expected_name = agreement.frozen_name(role)
    if not _same_name(typed_name, expected_name):
        raise ServiceError(
            f"Type your full name exactly as it appears: {expected_name} (the name this version records).",
            field="typed_name",
        )
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
    notifications.mark_read_by_key(recipient=actor, key=agreement_key(agreement))  # signed: done
    if Signature.objects.filter(agreement=agreement).count() == 2:
        now = timezone.now()
        agreement.status = AgreementStatus.SIGNED
        agreement.content_hash = content_hash
        agreement.signed_at = now
        agreement.save(update_fields=["status", "content_hash", "signed_at", "updated_at"])
        notifications.mark_read_for_everyone(organization_id=agreement.organization_id, keys=[agreement_key(agreement)])
        Agreement.objects.filter(mentorship=mentorship, status=AgreementStatus.SIGNED).exclude(pk=agreement.pk).update(
            status=AgreementStatus.SUPERSEDED
        )
        audit(
            organization=agreement.organization,
            actor=actor.user,
            action="agreement.signed",
            summary=f"{agreement.frozen_name('mentor')} and {agreement.frozen_name('mentee')} signed version "
            f"{agreement.version} of their agreement",
            agreement=agreement.pk,
        )
        data = {"agreement": agreement.pk, "mentorship": mentorship.pk, "program": mentorship.program.slug}
        emit(agreement.organization_id, "agreement.signed", {**data, "version": agreement.version, "signed_at": now})
        from agreements.tasks import render_agreement_pdf_task

        def build_pdf() -> None:
            try:
                render_agreement_pdf_task.delay(agreement.pk)
            except Exception:  # broker down: the download page queues it again later
                logger.exception("Could not queue the PDF of agreement %s", agreement.pk)

        transaction.on_commit(build_pdf)
        notify(
            "email/agreement_signed",
            {"agreement": agreement, "mentorship": mentorship, "url": _agreement_url(mentorship)},
            [mentorship.mentor.user.email, mentorship.mentee.user.email],
            mentorship.organization.contact_email,
            # Greeted as the version names them, like everything else about it.
            recipient_name=join_names([agreement.frozen_name("mentor"), agreement.frozen_name("mentee")]),
        )
    else:
        agreement.status = AgreementStatus.AWAITING
        agreement.save(update_fields=["status", "updated_at"])
        notify(
            "email/agreement_awaiting",
            {
                "agreement": agreement,
                "mentorship": mentorship,
                "signer": actor,
                "signer_name": expected_name,
                "url": _agreement_url(mentorship),
            },
            [other.user.email],
            mentorship.organization.contact_email,
            recipient_name=agreement.frozen_name("mentor" if other.pk == mentorship.mentor_id else "mentee"),
        )
        # The bell too; the email above already told them, so no digest carries it.
        notification, _ = notifications.notify(
            recipient=other,
            kind=NotificationKind.AGREEMENT,
            category=NotificationCategory.OBLIGATION,
            title=f"{expected_name} signed your mentoring agreement: it needs your signature",
            path=reverse("agreement_detail", kwargs={"org_slug": mentorship.organization.slug, "pk": mentorship.pk}),
            key=agreement_key(agreement),
        )
        notifications.mark_emailed(notification)
    return agreement


def agreement_key(agreement: Agreement) -> str:
    """The key of a version's "to sign" notifications (and of its signature reminders')."""
    return f"agreement:{agreement.pk}"


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
    # Nothing waits for a signature any more: the text is a draft again.
    notifications.mark_read_for_everyone(organization_id=agreement.organization_id, keys=[agreement_key(agreement)])
    return agreement


def record_view(*, actor: Membership, agreement: Agreement, request_meta: dict | None = None) -> None:
    """Note that a party opened the agreement (once a day each, for the PDF's audit page)."""
    since = timezone.now() - timedelta(days=1)
    if not AgreementEvent.objects.filter(agreement=agreement, actor=actor, kind="viewed", at__gte=since).exists():
        _event(agreement, actor, "viewed", request_meta)


def _agreement_url(mentorship: Mentorship) -> str:
    return absolute_url("agreement_detail", org_slug=mentorship.organization.slug, pk=mentorship.pk)
