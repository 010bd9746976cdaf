"""Peer mentoring in the department demo (seed 004's "peer" model): the department's
residents are paired with each other, as equals. One peer program with its applicants, a
completed and sent round (the real engine), two live peer pairs with a meeting held, one pair
waiting for the second peer's answer, and one resident still waiting for a decision."""

from datetime import timedelta

from django.utils import timezone

from demo.common import (
    IN_PERSON,
    PHONE,
    VIDEO,
    AppSpec,
    DemoPerson,
    S,
    ensure_applications,
    ensure_profiles,
    ensure_program,
    ensure_user,
    memberships_by_email,
    person_rng,
    this_year,
)
from matching.models import MatchRound, Proposal, ProposalStatus, Response, RoundStatus
from matching.services.rounds import default_weights, run_round
from programs.models import (
    Cadence,
    CommitteeRule,
    Membership,
    MemberStatus,
    Organization,
    PracticeSetting,
    ProgramModel,
    Role,
)
from relationships.models import Meeting, MeetingStatus, Mentorship, Origin, Stage
from relationships.services.lifecycle import mentorship_start

PROGRAM_SLUG = "resident-peers"
PEER_GOAL_AREAS = (
    "Board preparation",
    "Work-life balance and wellness",
    "Teaching effectively",
    "Designing research",
    "Career development and job search",
    "Residency or fellowship application",
    "Managing time, staff and budgets",
    "Navigating the institution",
)
PEER_PRINCIPLES = (
    "Participation is voluntary, and the pairing is a shared responsibility of both peers.\n"
    "Peers support each other as equals: each brings goals, and each listens.\n"
    "Peers keep their discussions confidential unless both agree otherwise.\n"
    "Both commit to the program's minimum commitment and meeting schedule."
)

# (first name, last name, postgraduate year, interest, areas, modes, status)
RESIDENTS = (
    ("Amara", "Osei", 2, "regional anesthesia", ("Board preparation", "Teaching effectively"), (VIDEO, IN_PERSON)),
    ("Lukas", "Brandt", 2, "regional anesthesia", ("Board preparation", "Designing research"), (IN_PERSON,)),
    ("Priya", "Nair", 3, "pediatric anesthesia", ("Residency or fellowship application",), (VIDEO,)),
    ("Tomás", "Herrera", 3, "pediatric anesthesia", ("Residency or fellowship application",), (VIDEO, PHONE)),
    (
        "Hana",
        "Kobayashi",
        1,
        "critical care",
        ("Work-life balance and wellness", "Navigating the institution"),
        (VIDEO,),
    ),
    ("Jonah", "Feld", 1, "critical care", ("Work-life balance and wellness",), (IN_PERSON, VIDEO)),
    ("Zainab", "Haddad", 4, "cardiac anesthesia", ("Career development and job search",), (VIDEO,)),
    (
        "Mateo",
        "Rossi",
        4,
        "cardiac anesthesia",
        ("Career development and job search", "Teaching effectively"),
        (PHONE,),
    ),
    ("Ines", "Carvalho", 2, "obstetric anesthesia", ("Managing time, staff and budgets",), (VIDEO,)),
)
DOMAIN = "lakeshore-anesthesiology.example.org"


def _email(first: str, last: str) -> str:
    return f"{first}.{last}@{DOMAIN}".lower().replace("á", "a")


def _people() -> list[DemoPerson]:
    return [DemoPerson(_email(first, last), f"{first} {last}", MemberStatus.TRAINEE) for first, last, *_ in RESIDENTS]


def _profile(email: str, year: int, interest: str) -> dict:
    rng = person_rng("lakeshore-peers", email)
    return {
        "specialty": "Anesthesiology",
        "practice_setting": PracticeSetting.ACADEMIC,
        "year_started_practice": this_year() - year,
        "institution": "Lakeshore University Medical Center",
        "city": "Chicago",
        "region": "Illinois",
        "country": "United States",
        "time_zone": "America/Chicago",
        "clinical_interests": interest.capitalize(),
        "research_interests": rng.choice(("Quality improvement", "Medical education", "Outcomes research")),
        "bio": f"PGY-{year} anesthesiology resident, interested in {interest}.",
    }


def seed_peer_program(organization: Organization, created: dict) -> None:
    """The department's resident peer program, its residents and its history (idempotent)."""
    now = timezone.now()
    coordinator = Membership.objects.filter(organization=organization, is_coordinator=True).order_by("pk").first()
    # The residents sign in with the demo password, as everyone else does.
    password_hash = coordinator.user.password
    for person in _people():
        user, user_created = ensure_user(person, password_hash)
        created["users"] += user_created
        _, membership_created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"status": person.status}
        )
        created["memberships"] += membership_created
    program, program_created = ensure_program(
        organization,
        slug=PROGRAM_SLUG,
        name="Resident Peer Mentoring",
        description=(
            "Peer mentoring: residents at the same stage of training are paired with each other, to support one "
            "another as equals through boards, fellowship applications and the realities of residency. The "
            "program office proposes pairs; the education committee reviews them, and both residents accept."
        ),
        model=ProgramModel.PEER,
        applications_open=now - timedelta(days=60),
        applications_close=now + timedelta(days=30),
        min_commitment_months=6,
        meeting_cadence=Cadence.MONTHLY,
        first_meeting_days=21,
        six_month_assessment=False,
        yearly_review=False,
        committee_rule=CommitteeRule.COORDINATOR,
        principles=PEER_PRINCIPLES,
        is_published=True,
        goal_areas=PEER_GOAL_AREAS,
        rules={Role.PEER: {"allowed_statuses": [MemberStatus.TRAINEE]}},
    )
    created["programs"] += program_created
    memberships = memberships_by_email(organization)
    values = {
        _email(first, last): _profile(_email(first, last), year, interest)
        for first, last, year, interest, *_ in RESIDENTS
    }
    created["profiles"] += ensure_profiles(organization, memberships, values)
    plans = []
    for index, (first, last, year, interest, areas, modes) in enumerate(RESIDENTS):
        modes = modes or (VIDEO, PHONE)
        waiting = index == len(RESIDENTS) - 1  # the last one is still waiting for a decision
        plans.append(
            (
                _email(first, last),
                AppSpec(
                    Role.PEER,
                    S.ELIGIBLE if waiting else S.ACCEPTED,
                    f"PGY-{year}, interested in {interest}. I'd like a peer to study with, compare notes and keep "
                    "each other going.",
                    areas,
                    modes,
                    days_ago=40 - index,
                    decision="" if waiting else "Welcome to resident peer mentoring.",
                ),
            )
        )
    created["applications"] += ensure_applications(program, memberships, plans, coordinator)
    if not MatchRound.objects.filter(program=program).exists():
        _history(program, coordinator, created)


def _history(program, coordinator: Membership, created: dict) -> None:
    """A round run by the real engine, sent to the committee and approved; two pairs confirmed
    (with a meeting held), one waiting for the second peer's answer."""
    now = timezone.now()
    match_round = MatchRound.objects.create(
        organization=program.organization,
        program=program,
        created_by=coordinator,
        weights=default_weights(program),
        mode="peer",
        created_at=now - timedelta(days=21),
    )
    match_round = run_round(match_round.pk)
    proposals = list(
        Proposal.objects.filter(match_round=match_round)
        .select_related("mentor__user", "mentee__user")
        .order_by("-score")
    )
    MatchRound.objects.filter(pk=match_round.pk).update(status=RoundStatus.SENT, finished_at=now - timedelta(days=21))
    for index, proposal in enumerate(proposals):
        proposal.status = ProposalStatus.OFFERED
        proposal.created_at = now - timedelta(days=21)
        proposal.offered_at = now - timedelta(days=18)
        proposal.decided_at = now - timedelta(days=18)
        if index < 2:  # both accepted: a live peer pairing, three weeks old, one meeting held
            proposal.mentor_response = proposal.mentee_response = Response.ACCEPTED
            proposal.mentor_responded_at = proposal.mentee_responded_at = now - timedelta(days=16)
            mentorship = mentorship_start(
                program=program, mentor=proposal.mentor, mentee=proposal.mentee, origin=Origin.PROPOSAL
            )
            started = (now - timedelta(days=16)).date()
            Mentorship.objects.filter(pk=mentorship.pk).update(
                started_on=started, stage=Stage.EXPLORATION, created_at=now - timedelta(days=16)
            )
            proposal.status = ProposalStatus.CONFIRMED
            proposal.mentorship = mentorship
            created["mentorships"] += 1
            held = now - timedelta(days=7)
            Meeting.objects.create(
                organization=program.organization,
                mentorship=mentorship,
                scheduled_by=proposal.mentee,
                starts_at=held,
                mode=VIDEO,
                status=MeetingStatus.HELD,
                agenda="How we each study for the in-training exam; what is hardest about nights right now.",
                agenda_updated_at=held - timedelta(days=2),
                agenda_by=proposal.mentee,
                summary="Swapped question banks and set up a weekly study hour. Agreed to check in after nights.",
                held_minutes=45,
                logged_by=proposal.mentor,
                logged_at=held + timedelta(hours=2),
                stage=Stage.EXPLORATION,
                created_at=held - timedelta(days=5),
            )
            Meeting.objects.create(
                organization=program.organization,
                mentorship=mentorship,
                scheduled_by=proposal.mentor,
                starts_at=now + timedelta(days=14),
                mode=VIDEO,
                stage=Stage.EXPLORATION,
                created_at=now - timedelta(days=6),
            )
        elif index == 2:  # one peer accepted; the other has not answered yet
            proposal.mentor_response = Response.ACCEPTED
            proposal.mentor_responded_at = now - timedelta(days=15)
        proposal.save()
