"""Programs: create and configure (model, rules, cadence, catalogue, eligibility).

Coordinators only; every function re-checks the acting coordinator inside its
transaction and records an audit event.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mentorship.exceptions import ServiceError, raise_if_errors
from programs.models import (
    DEFAULT_GOAL_AREAS,
    DYAD_MODELS,
    Application,
    EligibilityRule,
    GoalArea,
    Membership,
    MemberStatus,
    Program,
    Role,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit

PROGRAM_FIELDS = (
    "name",
    "slug",
    "description",
    "model",
    "applications_open",
    "applications_close",
    "min_commitment_months",
    "meeting_cadence",
    "in_person_cadence",
    "first_meeting_days",
    "six_month_assessment",
    "yearly_review",
    "quarterly_reports",
    "default_mentees_per_mentor",
    "max_mentees_per_mentor",
    "committee_rule",
    "max_open_requests",
    "request_response_days",
    "rankings_open",
    "shortlist_length",
    "rankings_deadline",
    "speed_events",
    "principles",
    "is_published",
)


@dataclass
class RuleSettings:
    allowed_statuses: list[str] = field(default_factory=list)
    min_years_experience: int | None = None
    attestations: list[str] = field(default_factory=list)


# Addresses taken by pages under /programs/ itself.
RESERVED_SLUGS = {"new"}


def _validate(values: dict) -> None:
    # Speed-mentoring events pair a mentor with a mentee: a peer or circles program has none. The form
    # hides the box for those models and a hidden box keeps its value, so it is turned off here.
    if values.get("model") and values["model"] not in DYAD_MODELS:
        values["speed_events"] = False
    errors: dict[str, str] = {}
    if values.get("slug") in RESERVED_SLUGS:
        errors["slug"] = "That address is reserved; choose another."
    opens, closes = values.get("applications_open"), values.get("applications_close")
    if opens and closes and closes <= opens:
        errors["applications_close"] = "Applications must close after they open."
    default, maximum = values.get("default_mentees_per_mentor"), values.get("max_mentees_per_mentor")
    if default is not None and maximum is not None and default > maximum:
        errors["default_mentees_per_mentor"] = "The default number of mentees per mentor cannot exceed the maximum."
    if maximum is not None and maximum < 1:
        errors["max_mentees_per_mentor"] = "A mentor must be able to take at least one mentee."
    raise_if_errors(errors)


def _full_clean(program: Program) -> None:
    try:
        program.full_clean(exclude=["guide", "organization"])
    except ValidationError as error:
        raise ServiceError.from_errors(error.message_dict) from None


def _delete_file_after_commit(field_file) -> None:
    """Remove a replaced file only once the change is committed: a rolled-back edit
    must not lose the file the database still points to."""
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))


def _save_catalogue(program: Program, goal_areas: list[str]) -> None:
    names, seen = [], set()
    for raw in goal_areas:
        name = raw.strip()[:120]
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    if not names:
        raise ServiceError("The goal-area catalogue needs at least one entry.", field="goal_areas")
    existing = {area.name.lower(): area for area in GoalArea.objects.filter(program=program)}
    keep = []
    for position, name in enumerate(names):
        area = existing.get(name.lower())
        if area:
            if (area.name, area.position) != (name, position):
                area.name, area.position = name, position
                area.save(update_fields=["name", "position"])
        else:
            area = GoalArea.objects.create(
                organization=program.organization, program=program, name=name, position=position
            )
        keep.append(area.pk)
    # An area already chosen in an application stays (history); unused ones go.
    removed = GoalArea.objects.filter(program=program).exclude(pk__in=keep)
    used = set(removed.filter(applications__isnull=False).values_list("pk", flat=True))
    if used:
        names_in_use = ", ".join(removed.filter(pk__in=used).values_list("name", flat=True))
        raise ServiceError(
            f"These areas are already chosen in applications and cannot be removed: {names_in_use}.",
            field="goal_areas",
        )
    removed.delete()


def _save_rules(program: Program, rules: dict[str, RuleSettings]) -> None:
    # A peer program's applicants are peers, under the peer rule (the two sides' rules are
    # kept too, so switching the model back loses nothing).
    roles = (Role.MENTOR, Role.MENTEE, Role.PEER) if program.is_peer else (Role.MENTOR, Role.MENTEE)
    for role in roles:
        settings = rules.get(role, RuleSettings())
        bad = [s for s in settings.allowed_statuses if s not in MemberStatus.values]
        if bad:
            raise ServiceError(f"Unknown member status: {', '.join(bad)}.")
        EligibilityRule.objects.update_or_create(
            program=program,
            role=role,
            defaults={
                "organization": program.organization,
                "allowed_statuses": list(settings.allowed_statuses),
                "min_years_experience": settings.min_years_experience or None,
                "attestations": [a.strip()[:300] for a in settings.attestations if a.strip()],
            },
        )


@transaction.atomic
def program_create(
    *,
    actor: Membership,
    values: dict,
    goal_areas: list[str] | None = None,
    rules: dict[str, RuleSettings] | None = None,
    guide=None,
) -> Program:
    """Create a program with its catalogue (the seeds' list by default) and eligibility rules."""
    organization = actor.organization
    require_coordinator(actor, organization)
    _validate(values)
    if Program.objects.filter(organization=organization, slug=values["slug"]).exists():
        raise ServiceError("Another program already uses this address.", field="slug")
    program = Program(organization=organization, **{k: values[k] for k in PROGRAM_FIELDS if k in values})
    if guide:
        program.guide = guide
    _full_clean(program)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:
        raise ServiceError("Another program already uses this address.", field="slug") from None
    _save_catalogue(program, list(goal_areas) if goal_areas else list(DEFAULT_GOAL_AREAS))
    _save_rules(program, rules or {})
    audit(organization=organization, actor=actor.user, action="program.created", summary=f"Created {program.name}")
    return program


@transaction.atomic
def program_update(
    *,
    actor: Membership,
    program: Program,
    values: dict,
    goal_areas: list[str],
    rules: dict[str, RuleSettings],
    guide=None,
    remove_guide: bool = False,
) -> Program:
    """Change a program's settings, catalogue and rules. The pairing model is fixed once
    anyone has applied, because applications were written for it."""
    organization = actor.organization
    require_coordinator(actor, organization)
    if program.organization_id != organization.pk:
        raise ServiceError("That program belongs to another organization.")
    program = Program.objects.select_for_update().get(pk=program.pk)
    _validate(values)
    if (
        values.get("model")
        and values["model"] != program.model
        and Application.objects.filter(program=program).exists()
    ):
        raise ServiceError(
            "People have already applied under the current pairing model, so it cannot change.", field="model"
        )
    new_slug = values.get("slug", program.slug)
    if new_slug != program.slug and Program.objects.filter(organization=organization, slug=new_slug).exists():
        raise ServiceError("Another program already uses this address.", field="slug")
    for key in PROGRAM_FIELDS:
        if key in values:
            setattr(program, key, values[key])
    if (remove_guide or guide) and program.guide:
        _delete_file_after_commit(program.guide)
        program.guide = ""
    if guide:
        program.guide = guide
    _full_clean(program)
    program.save()
    _save_catalogue(program, goal_areas)
    _save_rules(program, rules)
    audit(organization=organization, actor=actor.user, action="program.updated", summary=f"Updated {program.name}")
    return program
