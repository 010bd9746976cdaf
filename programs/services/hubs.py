"""Hubs and affinity groups of hub-model programs: the catalogue read and the coordinators' actions.

Every write is transactional, re-checks the acting coordinator under a lock
(``require_coordinator``), re-checks that every object it touches — program, affinity
group, hub, hub mentor, member — belongs to the actor's organization *and* to the same
program, and records an ``AuditEvent``. A foreign id therefore never writes across
tenants or programs, even if a view forgot to check.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, ProtectedError, Q

from mentorship.exceptions import ServiceError
from programs.models import AffinityGroup, Hub, HubChoice, HubMentor, HubTheme, Membership, Program, ProgramModel
from programs.services.access import require_coordinator
from programs.services.audit import apply_changes, audit

MAX_CAPACITY = 50


# --- Checks -------------------------------------------------------------------------


def _check_program(actor: Membership, program: Program) -> None:
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model != ProgramModel.HUBS:
        raise ServiceError("Hubs and affinity groups exist only in hub-model programs.")


def _check_in_program(actor: Membership, program: Program, obj, what: str) -> None:
    if obj.organization_id != actor.organization_id:
        raise PermissionDenied(f"That {what} belongs to another organization.")
    if obj.program_id != program.pk:
        raise PermissionDenied(f"That {what} belongs to another program.")


def _check_member(actor: Membership, membership: Membership | None, field_name: str) -> None:
    if membership is None:
        return
    if membership.organization_id != actor.organization_id:
        raise PermissionDenied("That person is not a member of this organization.")
    # Re-read: a member removed a moment ago cannot be given a role.
    if not Membership.objects.filter(pk=membership.pk, organization_id=actor.organization_id, is_active=True).exists():
        raise ServiceError("Choose an active member of the organization.", field=field_name)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Enter a name.", field="name")
    return name


def _check_capacity(capacity) -> int:
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise ServiceError("Capacity must be at least 1 mentee.", field="capacity")
    if capacity > MAX_CAPACITY:
        raise ServiceError(f"Capacity can be at most {MAX_CAPACITY} mentees.", field="capacity")
    return capacity


def _person(membership: Membership | None) -> str:
    if membership is None:
        return "nobody"
    return membership.user.full_name or membership.user.email


def _group_name_taken(program: Program, name: str, exclude_pk=None) -> bool:
    groups = AffinityGroup.objects.filter(program=program, name__iexact=name)
    if exclude_pk:
        groups = groups.exclude(pk=exclude_pk)
    return groups.exists()


def _hub_name_taken(program: Program, name: str, exclude_pk=None) -> bool:
    hubs = Hub.objects.filter(program=program, name__iexact=name)
    if exclude_pk:
        hubs = hubs.exclude(pk=exclude_pk)
    return hubs.exists()


def _group_taken_error(name: str) -> ServiceError:
    return ServiceError(f"This program already has an affinity group called “{name}”.", field="name")


def _hub_taken_error(name: str) -> ServiceError:
    return ServiceError(f"This program already has a hub called “{name}”.", field="name")


# --- Affinity groups ------------------------------------------------------------------


@transaction.atomic
def affinity_group_create(
    *, actor: Membership, program: Program, name: str, description: str = "", senior_mentor: Membership | None = None
) -> AffinityGroup:
    """A coordinator adds an affinity group, optionally naming its senior mentor."""
    require_coordinator(actor, actor.organization)
    _check_program(actor, program)
    _check_member(actor, senior_mentor, "senior_mentor")
    name = _clean_name(name)
    if _group_name_taken(program, name):
        raise _group_taken_error(name)
    try:
        with transaction.atomic():
            group = AffinityGroup.objects.create(
                organization_id=actor.organization_id,
                program=program,
                name=name,
                description=description.strip(),
                senior_mentor=senior_mentor,
            )
    except IntegrityError:
        raise _group_taken_error(name) from None
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="affinity_group.created",
        summary=f"Created the affinity group {name} in {program.name}",
        program=program.pk,
        affinity_group=group.pk,
        senior_mentor=senior_mentor.pk if senior_mentor else None,
    )
    return group


@transaction.atomic
def affinity_group_update(
    *,
    actor: Membership,
    group: AffinityGroup,
    name: str,
    description: str = "",
    senior_mentor: Membership | None = None,
) -> AffinityGroup:
    """A coordinator renames a group, edits its description or changes its senior mentor."""
    require_coordinator(actor, actor.organization)
    if group.organization_id != actor.organization_id:
        raise PermissionDenied("That affinity group belongs to another organization.")
    group = AffinityGroup.objects.select_for_update(of=("self",)).select_related("program").get(pk=group.pk)
    _check_program(actor, group.program)
    _check_member(actor, senior_mentor, "senior_mentor")
    name = _clean_name(name)
    if _group_name_taken(group.program, name, exclude_pk=group.pk):
        raise _group_taken_error(name)
    changes = apply_changes(
        group,
        (
            ("name", name),
            ("description", description.strip()),
            ("senior_mentor_id", senior_mentor.pk if senior_mentor else None),
        ),
    )
    if changes:
        try:
            with transaction.atomic():
                group.save()
        except IntegrityError:
            raise _group_taken_error(name) from None
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="affinity_group.updated",
            summary=f"Updated the affinity group {name}",
            program=group.program_id,
            affinity_group=group.pk,
            changes=changes,
        )
    return group


@transaction.atomic
def affinity_group_delete(*, actor: Membership, group: AffinityGroup) -> None:
    """Only an empty group can be deleted: its hubs must be moved or deleted first."""
    require_coordinator(actor, actor.organization)
    if group.organization_id != actor.organization_id:
        raise PermissionDenied("That affinity group belongs to another organization.")
    group = AffinityGroup.objects.select_for_update(of=("self",)).select_related("program").get(pk=group.pk)
    _check_program(actor, group.program)
    hub_count = Hub.objects.filter(affinity_group=group).count()
    if hub_count:
        raise ServiceError(
            f"“{group.name}” still has {hub_count} hub{'s' if hub_count != 1 else ''}. "
            "Move them to another affinity group or delete them first."
        )
    pk, name = group.pk, group.name
    try:
        with transaction.atomic():
            group.delete()
    except ProtectedError:  # a hub was added concurrently
        raise ServiceError(f"“{name}” still has hubs. Move them to another affinity group first.") from None
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="affinity_group.deleted",
        summary=f"Deleted the affinity group {name}",
        program=group.program_id,
        affinity_group=pk,
    )


# --- Hubs ---------------------------------------------------------------------------


def _check_theme(theme: str) -> str:
    if theme not in HubTheme.values:
        raise ServiceError("Choose a theme.", field="theme")
    return theme


@transaction.atomic
def hub_create(
    *,
    actor: Membership,
    program: Program,
    affinity_group: AffinityGroup,
    name: str,
    theme: str,
    description: str = "",
    is_active: bool = True,
) -> Hub:
    """A coordinator adds a hub to one of the program's affinity groups."""
    require_coordinator(actor, actor.organization)
    _check_program(actor, program)
    _check_in_program(actor, program, affinity_group, "affinity group")
    name = _clean_name(name)
    _check_theme(theme)
    if _hub_name_taken(program, name):
        raise _hub_taken_error(name)
    try:
        with transaction.atomic():
            hub = Hub.objects.create(
                organization_id=actor.organization_id,
                program=program,
                affinity_group=affinity_group,
                name=name,
                description=description.strip(),
                theme=theme,
                is_active=is_active,
            )
    except IntegrityError:
        raise _hub_taken_error(name) from None
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="hub.created",
        summary=f"Created the hub {name} in {program.name}",
        program=program.pk,
        hub=hub.pk,
        affinity_group=affinity_group.pk,
    )
    return hub


def _lock_hub(actor: Membership, hub: Hub) -> Hub:
    if hub.organization_id != actor.organization_id:
        raise PermissionDenied("That hub belongs to another organization.")
    hub = Hub.objects.select_for_update(of=("self",)).select_related("program").get(pk=hub.pk)
    _check_program(actor, hub.program)
    return hub


@transaction.atomic
def hub_update(
    *,
    actor: Membership,
    hub: Hub,
    affinity_group: AffinityGroup,
    name: str,
    theme: str,
    description: str = "",
    is_active: bool = True,
) -> Hub:
    """A coordinator edits a hub, moves it to another group of the program, or (de)activates it."""
    require_coordinator(actor, actor.organization)
    hub = _lock_hub(actor, hub)
    _check_in_program(actor, hub.program, affinity_group, "affinity group")
    name = _clean_name(name)
    _check_theme(theme)
    if _hub_name_taken(hub.program, name, exclude_pk=hub.pk):
        raise _hub_taken_error(name)
    changes = apply_changes(
        hub,
        (
            ("name", name),
            ("description", description.strip()),
            ("theme", theme),
            ("affinity_group_id", affinity_group.pk),
            ("is_active", bool(is_active)),
        ),
    )
    if changes:
        try:
            with transaction.atomic():
                hub.save()
        except IntegrityError:
            raise _hub_taken_error(name) from None
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="hub.updated",
            summary=f"Updated the hub {name}",
            program=hub.program_id,
            hub=hub.pk,
            changes=changes,
        )
    return hub


@transaction.atomic
def hub_set_active(*, actor: Membership, hub: Hub, is_active: bool) -> Hub:
    """Deactivate a hub (hidden from members, no new rankings; existing rankings stay) or reactivate it."""
    require_coordinator(actor, actor.organization)
    hub = _lock_hub(actor, hub)
    if hub.is_active != is_active:
        hub.is_active = is_active
        hub.save(update_fields=["is_active"])
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="hub.activated" if is_active else "hub.deactivated",
            summary=f"{'Reactivated' if is_active else 'Deactivated'} the hub {hub.name}",
            program=hub.program_id,
            hub=hub.pk,
        )
    return hub


def hub_delete_refusal(hub: Hub) -> str:
    """Why this hub cannot be deleted, or "" if it can."""
    ranked = HubChoice.objects.filter(hub=hub).count()
    if ranked:
        return (
            f"“{hub.name}” cannot be deleted: {ranked} applicant{'s have' if ranked != 1 else ' has'} "
            "already ranked it. Deactivate it instead — it disappears from the catalogue and cannot be "
            "ranked again, and existing rankings are kept."
        )
    return ""


@transaction.atomic
def hub_delete(*, actor: Membership, hub: Hub) -> None:
    """Delete a hub nobody has ranked yet (its mentor assignments go with it)."""
    require_coordinator(actor, actor.organization)
    # The lock also holds off an applicant ranking the hub at this moment.
    hub = _lock_hub(actor, hub)
    refusal = hub_delete_refusal(hub)
    if refusal:
        raise ServiceError(refusal)
    pk, name, program_id = hub.pk, hub.name, hub.program_id
    hub.delete()
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="hub.deleted",
        summary=f"Deleted the hub {name}",
        program=program_id,
        hub=pk,
    )


# --- Hub mentors --------------------------------------------------------------------


@transaction.atomic
def hub_mentor_add(*, actor: Membership, hub: Hub, membership: Membership, capacity: int) -> HubMentor:
    """Add an active member of the organization as a mentor in the hub."""
    require_coordinator(actor, actor.organization)
    hub = _lock_hub(actor, hub)
    if membership is None:
        raise ServiceError("Choose a member.", field="membership")
    _check_member(actor, membership, "membership")
    capacity = _check_capacity(capacity)
    if HubMentor.objects.filter(hub=hub, membership=membership).exists():
        raise ServiceError(f"{_person(membership)} is already a mentor in this hub.", field="membership")
    try:
        with transaction.atomic():
            hub_mentor = HubMentor.objects.create(
                organization_id=actor.organization_id, hub=hub, membership=membership, capacity=capacity
            )
    except IntegrityError:
        raise ServiceError(f"{_person(membership)} is already a mentor in this hub.", field="membership") from None
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="hub.mentor_added",
        summary=f"Added {_person(membership)} as a mentor in {hub.name}",
        program=hub.program_id,
        hub=hub.pk,
        membership=membership.pk,
        capacity=capacity,
    )
    return hub_mentor


def _lock_hub_mentor(actor: Membership, hub_mentor: HubMentor) -> HubMentor:
    if hub_mentor.organization_id != actor.organization_id:
        raise PermissionDenied("That hub mentor belongs to another organization.")
    hub_mentor = (
        HubMentor.objects.select_for_update(of=("self",))
        .select_related("hub__program", "membership__user")
        .get(pk=hub_mentor.pk)
    )
    _check_program(actor, hub_mentor.hub.program)
    return hub_mentor


@transaction.atomic
def hub_mentor_set_capacity(*, actor: Membership, hub_mentor: HubMentor, capacity: int) -> HubMentor:
    """Change how many mentees a hub mentor can take."""
    require_coordinator(actor, actor.organization)
    hub_mentor = _lock_hub_mentor(actor, hub_mentor)
    capacity = _check_capacity(capacity)
    if hub_mentor.capacity != capacity:
        before = hub_mentor.capacity
        hub_mentor.capacity = capacity
        hub_mentor.save(update_fields=["capacity"])
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="hub.mentor_capacity_changed",
            summary=f"Changed {_person(hub_mentor.membership)}'s capacity in {hub_mentor.hub.name} "
            f"from {before} to {capacity}",
            program=hub_mentor.hub.program_id,
            hub=hub_mentor.hub_id,
            membership=hub_mentor.membership_id,
            changes={"capacity": [before, capacity]},
        )
    return hub_mentor


@transaction.atomic
def hub_mentor_remove(*, actor: Membership, hub_mentor: HubMentor) -> None:
    """Take a mentor out of a hub."""
    require_coordinator(actor, actor.organization)
    hub_mentor = _lock_hub_mentor(actor, hub_mentor)
    hub, membership = hub_mentor.hub, hub_mentor.membership
    hub_mentor.delete()
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="hub.mentor_removed",
        summary=f"Removed {_person(membership)} from the mentors of {hub.name}",
        program=hub.program_id,
        hub=hub.pk,
        membership=membership.pk,
    )


# --- Reads --------------------------------------------------------------------------


@dataclass
class CatalogueGroup:
    group: AffinityGroup
    hubs: list = field(default_factory=list)


@dataclass
class Catalogue:
    groups: list[CatalogueGroup]
    hub_count: int
    filtered: bool


def hub_catalogue(*, program: Program, include_inactive: bool = False, theme: str = "", search: str = "") -> Catalogue:
    """The program's hubs grouped by affinity group, in four queries whatever the size.

    Each hub gets ``mentors`` (its hub mentors with their people) and ``total_capacity``
    (summed over mentors who are still active members). Members see active hubs and
    active mentors only; coordinators (``include_inactive``) see everything.
    """
    groups = list(AffinityGroup.objects.filter(program=program).select_related("senior_mentor__user"))
    mentors = HubMentor.objects.select_related("membership__user").order_by(
        "membership__user__full_name", "membership__user__email"
    )
    if not include_inactive:
        mentors = mentors.filter(membership__is_active=True)
    hubs = Hub.objects.filter(program=program).prefetch_related(
        Prefetch("hub_mentors", queryset=mentors, to_attr="mentors")
    )
    if not include_inactive:
        hubs = hubs.filter(is_active=True)
    if theme:
        hubs = hubs.filter(theme=theme)
    if search:
        mentor_hubs = HubMentor.objects.filter(
            Q(membership__user__full_name__icontains=search), membership__is_active=True
        ).values("hub_id")
        hubs = hubs.filter(
            Q(name__icontains=search)
            | Q(description__icontains=search)
            | Q(affinity_group__name__icontains=search)
            | Q(pk__in=mentor_hubs)
        )
    by_group = {group.pk: CatalogueGroup(group=group) for group in groups}
    count = 0
    for hub in hubs.order_by("name"):
        hub.total_capacity = sum(m.capacity for m in hub.mentors if m.membership.is_active)
        entry = by_group.get(hub.affinity_group_id)
        if entry is None:  # a group created after the groups were read
            continue
        entry.hubs.append(hub)
        count += 1
    filtered = bool(theme or search)
    shown = [entry for entry in by_group.values() if entry.hubs or (include_inactive and not filtered)]
    return Catalogue(groups=shown, hub_count=count, filtered=filtered)
