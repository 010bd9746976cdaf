"""The facts beside a pairing decision: for each offer or request a person answers, the
other person's profile card and the reasons for the match in plain words.

``pairing_cards`` reads everything for a whole list in a fixed number of queries (profiles,
applications with their goal areas, hubs, CV shares), whatever the list's length. Every
query is filtered by the viewer's organization as well as going through the scoped
managers, so nothing of another organization is ever read.

A card carries only what the person entered for matching (their profile and their
application's goals, goal areas and meeting modes): never private reasons, notes or
preferences about the other person, and a CV link only when they shared their CV with the
viewer (``programs.selectors.profiles.can_download_cv``'s rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.selectors.reasons import Facts, match_reasons, pairing_hub
from programs.models import (
    Application,
    ApplicationStatus,
    HubChoice,
    HubMentor,
    MeetingMode,
    Membership,
    Profile,
    ProgramModel,
    Role,
)


@dataclass
class ProfileCard:
    """What a person sees of the other person in a pairing (templates/includes/profile_card.html)."""

    membership_id: int
    name: str
    initials: str
    role: str
    program_name: str
    photo_url: str | None = None
    specialty: str = ""
    practice_setting: str = ""
    institution: str = ""
    clinical_interests: str = ""
    research_interests: str = ""
    goals: str = ""
    goals_label: str = "Goals"
    goal_areas: list[str] = field(default_factory=list)
    goal_areas_label: str = "Goal areas"
    meeting_modes: list[str] = field(default_factory=list)
    hub: str = ""
    cv_profile_id: int | None = None  # set only when the viewer may download the CV


def initials(name: str) -> str:
    """ "Dana Whitfield" → "DW"; "?" for a person without a name."""
    words = [w for w in (name or "").split() if w[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


MODE_LABELS = dict(MeetingMode.choices)


def _latest_applications(org_id: int, program_ids: set[int], people: set[int]) -> dict:
    """(program id, membership id, role) → the person's latest application that counts."""
    applications = (
        Application.objects.filter(organization_id=org_id, program_id__in=program_ids, membership_id__in=people)
        .exclude(status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.DRAFT])
        .prefetch_related("goal_areas")
        .order_by("created_at", "pk")
    )
    return {(a.program_id, a.membership_id, a.role): a for a in applications}  # the latest wins


def pairing_cards(items, *, viewer: Membership) -> None:
    """For each offer (``Proposal``) or request (``MentorshipRequest``) in ``items`` (with
    ``program``, ``mentor__user`` and ``mentee__user`` selected), set:

    - ``item.card``: the other person's :class:`ProfileCard`;
    - ``item.reasons``: the reasons for the match, sentences addressed to the viewer;
    - ``item.reasons_heading``: "Why you were matched" when the engine explained the pair,
      otherwise "What you have in common".
    """
    items = list(items)
    if not items:
        return
    org_id = viewer.organization_id
    people = {viewer.pk} | {i.mentor_id for i in items} | {i.mentee_id for i in items}
    programs = {i.program_id: i.program for i in items}
    profiles = {p.membership_id: p for p in Profile.objects.filter(organization_id=org_id, membership_id__in=people)}
    applications = _latest_applications(org_id, set(programs), people)
    hub_programs = {pk for pk, program in programs.items() if program.model == ProgramModel.HUBS}
    hubs_of: dict[tuple[int, int], dict[int, str]] = {}
    choices_of: dict[int, dict[int, tuple[int, str]]] = {}
    if hub_programs:
        for hm in HubMentor.objects.filter(
            organization_id=org_id, hub__program_id__in=hub_programs, hub__is_active=True, membership_id__in=people
        ).select_related("hub"):
            hubs_of.setdefault((hm.hub.program_id, hm.membership_id), {})[hm.hub_id] = hm.hub.name
        mentee_apps = [
            a.pk
            for (program_id, _, role), a in applications.items()
            if program_id in hub_programs and role == Role.MENTEE
        ]
        for choice in HubChoice.objects.filter(organization_id=org_id, application_id__in=mentee_apps).select_related(
            "hub"
        ):
            choices_of.setdefault(choice.application_id, {})[choice.hub_id] = (choice.rank, choice.hub.name)
    with_cv = [p.pk for p in profiles.values() if p.cv and p.membership_id != viewer.pk]
    shared_cvs = (
        set(
            Profile.cv_shared_with.through.objects.filter(profile_id__in=with_cv, membership_id=viewer.pk).values_list(
                "profile_id", flat=True
            )
        )
        if with_cv and viewer.is_active
        else set()
    )

    def facts(item, membership: Membership, role: str) -> Facts:
        application = applications.get((item.program_id, membership.pk, role))
        return Facts(
            # Never the email address: the two learn each other's address only once paired.
            name=membership.user.full_name or "The other person",
            profile=profiles.get(membership.pk),
            time_zone=membership.user.time_zone,
            goal_areas={a.pk: a.name for a in application.goal_areas.all()} if application else {},
            meeting_modes=list(application.meeting_modes or []) if application else [],
            hubs=hubs_of.get((item.program_id, membership.pk), {}),
            hub_choices=choices_of.get(application.pk, {}) if application else {},
            application=application,
        )

    for item in items:
        viewer_is_mentor = item.mentor_id == viewer.pk
        other = item.mentee if viewer_is_mentor else item.mentor
        peer = item.program.model == ProgramModel.PEER  # no sides: both applied as peers
        other_role = Role.PEER if peer else (Role.MENTEE if viewer_is_mentor else Role.MENTOR)
        mentor = facts(item, item.mentor, Role.PEER if peer else Role.MENTOR)
        mentee = facts(item, item.mentee, Role.PEER if peer else Role.MENTEE)
        mine, theirs = (mentor, mentee) if viewer_is_mentor else (mentee, mentor)
        hub_name, hub_rank = pairing_hub(item.program, mentor, mentee)
        contributions = getattr(item, "contributions", None) or {}
        item.card = _card(item, other, other_role, theirs, hub_name, shared_cvs)
        item.reasons = match_reasons(
            mine=mine,
            theirs=theirs,
            viewer_is_mentor=viewer_is_mentor,
            contributions=contributions,
            hub=(hub_name, hub_rank),
            peer=peer,
        )
        item.reasons_heading = "Why you were matched" if contributions else "What you have in common"


def _card(item, other: Membership, role: str, theirs: Facts, hub_name: str, shared_cvs: set[int]) -> ProfileCard:
    profile, application = theirs.profile, theirs.application
    is_mentor = role == Role.MENTOR
    card = ProfileCard(
        membership_id=other.pk,
        name=theirs.name,
        initials=initials(other.user.full_name),
        role=Role(role).label,
        program_name=item.program.name,
        hub=hub_name or "",
        goals_label="What they offer" if is_mentor else "Their goals",
        goal_areas_label="Mentors in"
        if is_mentor
        else ("Wants to work on" if role == Role.PEER else "Wants help with"),
    )
    if profile is not None:
        card.specialty = profile.specialty
        card.practice_setting = profile.get_practice_setting_display() if profile.practice_setting else ""
        card.institution = profile.institution
        card.clinical_interests = profile.clinical_interests
        card.research_interests = profile.research_interests
        if profile.pk in shared_cvs and other.is_active:
            card.cv_profile_id = profile.pk
    if application is not None:
        card.goals = application.goals_statement
        card.goal_areas = list(theirs.goal_areas.values())
        card.meeting_modes = [MODE_LABELS[m] for m in theirs.meeting_modes if m in MODE_LABELS]
    return card
