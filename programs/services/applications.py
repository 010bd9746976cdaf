"""Applications: draft → submitted → eligible / ineligible → accepted / waitlisted /
declined, or withdrawn by the applicant.

Applicants act only on their own application; coordinators decide. Every transition
locks the application row and checks who acts and from which state, so two clicks
cannot break the state machine.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorship.domain_events import emit
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs import eligibility
from programs.models import (
    Application,
    ApplicationStatus,
    EligibilityRule,
    GoalArea,
    Hub,
    HubChoice,
    MeetingMode,
    Membership,
    MemberStatus,
    Program,
    ProgramModel,
    Role,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit

S = ApplicationStatus
# The applicant may edit while the window is open and nobody has decided yet.
EDITABLE = {S.DRAFT, S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE}
WITHDRAWABLE = {S.DRAFT, S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE, S.WAITLISTED, S.ACCEPTED}
DECIDABLE = {S.ELIGIBLE, S.WAITLISTED, S.ACCEPTED, S.DECLINED}
DECISIONS = {S.ACCEPTED, S.WAITLISTED, S.DECLINED}


@dataclass
class ApplicationData:
    goals_statement: str = ""
    goal_area_ids: list[int] = field(default_factory=list)
    meeting_modes: list[str] = field(default_factory=list)
    preferences: str = ""
    capacity: int | None = None
    principles_accepted: bool = False
    attestation_answers: dict[str, bool] = field(default_factory=dict)
    hub_ids: list[int | None] = field(default_factory=list)  # ranks 1..3, in order


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("program", "membership__user").get(pk=application.pk)


def _own(actor: Membership, application: Application) -> None:
    if application.membership_id != actor.pk or application.organization_id != actor.organization_id:
        raise PermissionDenied("This is not your application.")


def rule_for(program: Program, role: str) -> EligibilityRule | None:
    return EligibilityRule.objects.filter(program=program, role=role).first()


def check_eligibility(application: Application) -> eligibility.EligibilityResult:
    """Evaluate the applicant against the program's rule for their role, from their
    membership and profile as they are now."""
    rule = rule_for(application.program, application.role)
    if rule is None:
        return eligibility.EligibilityResult()
    profile = getattr(application.membership, "profile", None)
    return eligibility.evaluate(
        role_label=application.get_role_display().lower(),
        allowed_statuses=rule.allowed_statuses,
        status_labels=dict(MemberStatus.choices),
        member_status=application.membership.status,
        min_years_experience=rule.min_years_experience,
        year_started_practice=profile.year_started_practice if profile else None,
        current_year=timezone.now().year,
        attestations=rule.attestations,
        attestation_answers=application.attestation_answers or {},
    )


@transaction.atomic
def application_start(*, actor: Membership, program: Program, role: str) -> Application:
    """Open (or return) the person's own application for a role while applications are open."""
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if role not in program.application_roles:
        raise ServiceError(
            f"In {program.name} everyone applies as a peer."
            if program.is_peer
            else "Choose to apply as a mentor or as a mentee."
        )
    existing = (
        Application.objects.filter(program=program, membership=actor, role=role).exclude(status=S.WITHDRAWN).first()
    )
    if existing:
        return existing
    if not program.applications_are_open():
        raise ServiceError(f"Applications for {program.name} are not open.")
    rule = rule_for(program, role)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                organization=program.organization,
                program=program,
                membership=actor,
                role=role,
                capacity=program.default_mentees_per_mentor if role == Role.MENTOR else None,
                attestation_answers=dict.fromkeys(rule.attestations if rule else [], False),
            )
    except IntegrityError:  # a second click created it a moment ago
        return Application.objects.exclude(status=S.WITHDRAWN).get(program=program, membership=actor, role=role)
    return application


def _validate_for_submit(application: Application, data: ApplicationData) -> dict[str, str]:
    program = application.program
    errors: dict[str, str] = {}
    if not data.goals_statement.strip():
        errors["goals_statement"] = (
            "Describe what you can offer as a mentor."
            if application.role == Role.MENTOR
            else "Describe what you hope to get from the program."
        )
    if not data.goal_area_ids:
        errors["goal_areas"] = "Choose at least one area."
    if not data.meeting_modes:
        errors["meeting_modes"] = "Choose at least one way of meeting."
    if not data.principles_accepted:
        errors["principles_accepted"] = "You need to accept the program's guiding principles to apply."
    if application.role == Role.MENTOR:
        if not data.capacity or data.capacity < 1:
            errors["capacity"] = "Say how many mentees you can take (at least one)."
        elif data.capacity > program.max_mentees_per_mentor:
            errors["capacity"] = f"This program allows at most {program.max_mentees_per_mentor} mentees per mentor."
    if program.model == ProgramModel.HUBS and application.role == Role.MENTEE:
        chosen = [h for h in data.hub_ids if h]
        if len(chosen) < 3:
            errors["hubs"] = "Rank three hubs: your first, second and third choice."
    return errors


def _apply_data(application: Application, data: ApplicationData) -> None:
    program = application.program
    application.goals_statement = data.goals_statement.strip()
    application.meeting_modes = [m for m in data.meeting_modes if m in MeetingMode.values]
    application.preferences = data.preferences.strip()
    application.capacity = data.capacity if application.role == Role.MENTOR else None
    application.principles_accepted = bool(data.principles_accepted)
    rule = rule_for(program, application.role)
    statements = rule.attestations if rule else []
    application.attestation_answers = {s: bool(data.attestation_answers.get(s)) for s in statements}
    application.save()

    areas = list(GoalArea.objects.filter(program=program, pk__in=data.goal_area_ids))
    if len(areas) != len(set(data.goal_area_ids)):
        raise ServiceError("Choose areas from this program's catalogue.", field="goal_areas")
    application.goal_areas.set(areas)

    if program.model == ProgramModel.HUBS and application.role == Role.MENTEE:
        chosen = [h for h in data.hub_ids if h]
        if len(chosen) != len(set(chosen)):
            raise ServiceError("Rank three different hubs.", field="hubs")
        hubs = {h.pk: h for h in Hub.objects.filter(program=program, is_active=True, pk__in=chosen)}
        if len(hubs) != len(chosen):
            raise ServiceError("Choose hubs from this program's catalogue.", field="hubs")
        # Lock the chosen hubs: a hub deleted at this moment makes the choice fail cleanly.
        list(Hub.objects.select_for_update().filter(pk__in=chosen).values_list("pk", flat=True))
        HubChoice.objects.filter(application=application).delete()
        HubChoice.objects.bulk_create(
            [
                HubChoice(organization=application.organization, application=application, hub=hubs[hub_id], rank=rank)
                for rank, hub_id in enumerate(data.hub_ids, start=1)
                if hub_id
            ]
        )


@transaction.atomic
def application_save(
    *, actor: Membership, application: Application, data: ApplicationData, submit: bool
) -> Application:
    """Save the applicant's answers; with ``submit`` (or once submitted) check
    completeness and run eligibility. Editable until the window closes or a decision."""
    _own(actor, application)
    application = _lock(application)
    program = application.program
    if application.status not in EDITABLE:
        raise ServiceError(f"This application is {application.get_status_display().lower()} and can no longer change.")
    if not program.applications_are_open():
        raise ServiceError(f"Applications for {program.name} have closed; your application can no longer change.")
    submitting = submit or application.status != S.DRAFT
    if submitting:
        errors = _validate_for_submit(application, data)
        if errors:
            raise ServiceError.from_errors(errors)
    _apply_data(application, data)
    if submitting:
        first = application.status == S.DRAFT
        application.submitted_at = application.submitted_at or timezone.now()
        if application.override_at is None:
            _record_eligibility(application)
        else:
            application.save(update_fields=["submitted_at"])
        audit(
            organization=application.organization,
            actor=actor.user,
            action="application.submitted" if first else "application.updated",
            summary=f"{'Submitted' if first else 'Updated'} a {application.get_role_display().lower()} application "
            f"to {program.name}",
            application=application.pk,
        )
        if first:  # issue 20: webhooks hear of it (ids and metadata only, none of the answers)
            data = {"application": application.pk, "program": program.slug, "membership": application.membership_id}
            emit(application.organization_id, "application.submitted", {**data, "status": application.status})
    return application


def _record_eligibility(application: Application) -> None:
    result = check_eligibility(application)
    application.eligible = result.eligible
    application.eligibility_reasons = result.as_json()
    application.eligibility_checked_at = timezone.now()
    application.status = S.ELIGIBLE if result.eligible else S.INELIGIBLE
    application.save(
        update_fields=["eligible", "eligibility_reasons", "eligibility_checked_at", "status", "submitted_at"]
    )


@transaction.atomic
def application_withdraw(*, actor: Membership, application: Application) -> Application:
    """The applicant withdraws; a new application can be started later while the window is open."""
    _own(actor, application)
    application = _lock(application)
    if application.status not in WITHDRAWABLE:
        raise ServiceError(f"This application is {application.get_status_display().lower()}; it cannot be withdrawn.")
    application.status = S.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit(
        organization=application.organization,
        actor=actor.user,
        action="application.withdrawn",
        summary=f"Withdrew a {application.get_role_display().lower()} application to {application.program.name}",
        application=application.pk,
    )
    return application


def _require_deciding_coordinator(actor: Membership, application: Application) -> None:
    require_coordinator(actor, actor.organization)
    if application.organization_id != actor.organization_id:
        raise PermissionDenied("That application belongs to another organization.")
    if application.membership_id == actor.pk:
        raise ServiceError("Another coordinator needs to decide on your own application.")


@transaction.atomic
def application_override_eligibility(
    *, actor: Membership, application: Application, eligible: bool, reason: str
) -> Application:
    """A coordinator overrides the automatic result; the reason is recorded and shown."""
    _require_deciding_coordinator(actor, application)
    application = _lock(application)
    if application.status not in {S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE}:
        raise ServiceError("Eligibility can only be overridden before a decision is made.")
    if not reason.strip():
        raise ServiceError("Give a reason for the override; it is kept with the application.", field="reason")
    application.eligible = eligible
    application.status = S.ELIGIBLE if eligible else S.INELIGIBLE
    application.override_by = actor
    application.override_reason = reason.strip()
    application.override_at = timezone.now()
    application.save()
    audit(
        organization=application.organization,
        actor=actor.user,
        action="application.eligibility_overridden",
        summary=f"Marked {application.membership.user} {'eligible' if eligible else 'not eligible'} "
        f"for {application.program.name}",
        application=application.pk,  # the reason stays on the application, encrypted
    )
    return application


def _decision_refusal(actor: Membership, application: Application, decision: str) -> tuple[str, str] | None:
    """Why this coordinator cannot give this decision now, or None: (a few words for a
    bulk summary, the full sentence for the single decision's form)."""
    if application.membership_id == actor.pk:
        return "your own application", "Another coordinator needs to decide on your own application."
    if application.status not in DECIDABLE:
        if application.status == S.INELIGIBLE:
            return (
                "not eligible (override first)",
                "This applicant is not eligible. Override the eligibility (with a reason) before accepting.",
            )
        label = application.get_status_display().lower()
        return label, f"An application that is {label} cannot be decided."
    if application.status == decision:
        label = application.get_status_display().lower()
        return f"already {label}", f"This application is already {label}."
    return None


def _record_decision(actor: Membership, application: Application, decision: str, message: str) -> None:
    application.status = decision
    application.decision_message = message.strip()
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    audit(
        organization=application.organization,
        actor=actor.user,
        action=f"application.{decision}",
        summary=f"{application.get_status_display()} {application.membership.user} as "
        f"{application.get_role_display().lower()} in {application.program.name}",
        application=application.pk,
    )
    _email_decision(application)


@transaction.atomic
def application_decide(*, actor: Membership, application: Application, decision: str, message: str) -> Application:
    """A coordinator accepts, waitlists or declines an eligible application; the applicant
    is emailed (through Celery) with the message."""
    _require_deciding_coordinator(actor, application)
    if decision not in DECISIONS:
        raise ServiceError("Choose accept, waitlist or decline.", field="decision")
    application = _lock(application)
    refusal = _decision_refusal(actor, application, decision)
    if refusal:
        raise ServiceError(refusal[1])
    _record_decision(actor, application, decision, message)
    return application


# At most this many applications in one bulk decision (a page of the list holds 50).
BULK_DECISION_LIMIT = 200
DECISION_MESSAGE_MAX_LENGTH = 3000
DECISION_VERBS = {S.ACCEPTED: "accepted", S.WAITLISTED: "waitlisted", S.DECLINED: "declined"}


@dataclass
class BulkDecision:
    """What a bulk decision did: the applications decided, and those skipped with why."""

    decision: str
    decided: list[Application] = field(default_factory=list)
    skipped: list[tuple[Application, str]] = field(default_factory=list)

    def summary(self) -> str:
        """ "3 accepted; 1 skipped: already declined (Nia Mensah)." """
        verb = DECISION_VERBS[self.decision]
        if len(self.decided) == 1 and not self.skipped:
            user = self.decided[0].membership.user
            return f"{user.full_name or user.email} is {verb}."
        text = f"{len(self.decided) or 'None'} {verb}"
        if self.skipped:
            reasons: dict[str, list[str]] = {}
            for application, reason in self.skipped:
                user = application.membership.user
                reasons.setdefault(reason, []).append(user.full_name or user.email)
            parts = "; ".join(f"{reason} ({', '.join(names)})" for reason, names in reasons.items())
            text += f"; {len(self.skipped)} skipped: {parts}"
        return text + "."


def parse_ids(values) -> list[int]:
    """The selected ids as distinct positive integers, in order; anything else is refused."""
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 18 or int(text) < 1:
            raise ServiceError("The selection is not valid. Reload the page and select again.", field="ids")
        if int(text) not in ids:
            ids.append(int(text))
    return ids


@transaction.atomic
def applications_decide(
    *, actor: Membership, program: Program, ids: list[int], decision: str, message: str = ""
) -> BulkDecision:
    """A coordinator gives one decision (with one message) to several applications of one
    program. Each is checked like a single decision: those that cannot take it are skipped
    with the reason, the others are decided and each applicant gets their own email.

    Every selected id must be an application of this program: one from elsewhere (another
    program or organization, or gone) refuses the whole request and changes nothing."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if decision not in DECISIONS:
        raise ServiceError("Choose accept, waitlist or decline.", field="action")
    if len(message) > DECISION_MESSAGE_MAX_LENGTH:
        raise ServiceError(
            f"Keep the message to at most {DECISION_MESSAGE_MAX_LENGTH} characters (it has {len(message)}).",
            field="message",
        )
    ids = parse_ids(ids)
    if not ids:
        raise ServiceError("Select at least one application.", field="ids")
    if len(ids) > BULK_DECISION_LIMIT:
        raise ServiceError(f"Select at most {BULK_DECISION_LIMIT} applications at once.", field="ids")
    # One query locks them all, in primary-key order so two bulk decisions cannot deadlock.
    locked = list(
        Application.objects.select_for_update()
        .select_related("program", "organization", "membership__user")
        .filter(pk__in=ids, program=program, organization=actor.organization)
        .exclude(status=S.DRAFT)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise ServiceError(
            "Some of the selected applications are not in this program any more. Nothing was changed; "
            "reload the page and select again.",
            field="ids",
        )
    outcome = BulkDecision(decision=decision)
    by_pk = {application.pk: application for application in locked}
    for pk in ids:
        application = by_pk[pk]
        refusal = _decision_refusal(actor, application, decision)
        if refusal:
            outcome.skipped.append((application, refusal[0]))
            continue
        _record_decision(actor, application, decision, message)
        outcome.decided.append(application)
    return outcome


def _email_decision(application: Application) -> None:
    from django.conf import settings

    organization = application.organization
    url = settings.SITE_URL + reverse("application_edit", kwargs={"org_slug": organization.slug, "pk": application.pk})
    queue_email(
        render_email(
            "email/application_decision",
            {"application": application, "program": application.program, "organization": organization, "url": url},
            to=[application.membership.user.email],
            reply_to=[organization.contact_email],
            organization=organization,
            recipient_name=application.membership.user.full_name,
        )
    )
