"""The department's group circles (issue 19, seed 004's "group" and "facilitated peer"
models): an Early Career Circles program with three circles around themes, each with a
facilitator or two and members, signed circle agreements (sealed PDFs when WeasyPrint is
available), and meetings with their agendas, summaries and attendance. Idempotent:
everything is found by its natural key first."""

import logging
import random
from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from agreements.consent import CONSENT_TEXT_HASH
from agreements.models import SigningConsent
from agreements.pdf import sha256_hex
from circles.models import (
    Circle,
    CircleAgreementSignature,
    CircleMeeting,
    CircleMember,
    CircleRsvp,
    CircleStatus,
)
from circles.services.agreement import agreement_hash, render_signature_pdf
from demo.common import ensure_program, memberships_by_email
from programs.models import (
    Application,
    ApplicationStatus,
    Cadence,
    GoalArea,
    MemberStatus,
    Organization,
    ProgramModel,
    Role,
)

logger = logging.getLogger(__name__)

SLUG = "early-career-circles"
# (name, theme, goal area, capacity, open to join, facilitators, members, description)
CIRCLES = (
    (
        "First grants circle",
        "Writing your first grant",
        "Writing grants and finding funding",
        6,
        False,
        2,
        6,
        "For faculty writing their first career-development or foundation grant. Monthly, by video; each member "
        "brings a specific aims page to one meeting.",
    ),
    (
        "New faculty circle",
        "Your first two years on faculty",
        "Navigating the institution",
        8,
        True,
        1,
        5,
        "For faculty in their first two years: how the department works, clinical scheduling, finding mentors "
        "and sponsors. Meets every month over lunch.",
    ),
    (
        "Teaching circle",
        "Teaching in the operating room",
        "Teaching effectively",
        5,
        True,
        1,
        3,
        "Peer observation and feedback on intraoperative teaching. Open to anyone who supervises residents.",
    ),
)
AGENDAS = (
    (
        "Introductions; what each of us wants from the circle; our ground rules.",
        "We agreed our ground rules and a monthly rhythm. Each member named one goal for the term.",
    ),
    (
        "Two members present their draft; round of feedback.",
        "Both drafts had strong aims; the common issue was an "
        "unclear gap statement. Next time: bring revised first paragraphs.",
    ),
    ("Guest topic: reading a funding announcement closely.", ""),
)


def _accepted(program, membership, role, decided_by) -> None:
    if Application.objects.filter(program=program, membership=membership, role=role).exists():
        return
    now = timezone.now()
    Application.objects.create(
        organization=program.organization,
        program=program,
        membership=membership,
        role=role,
        status=ApplicationStatus.ACCEPTED,
        principles_accepted=True,
        eligible=True,
        submitted_at=now - timedelta(days=40),
        decided_by=decided_by,
        decided_at=now - timedelta(days=35),
    )


def _sign(place: CircleMember, when) -> None:
    if CircleAgreementSignature.objects.filter(member=place).exists():
        return
    membership = place.membership
    consent, _ = SigningConsent.objects.get_or_create(
        membership=membership,
        defaults={
            "organization": membership.organization,
            "consent_text_hash": CONSENT_TEXT_HASH,
            "consented_at": when,
        },
    )
    name = membership.user.full_name or membership.user.email
    signature = CircleAgreementSignature.objects.create(
        organization=membership.organization,
        circle=place.circle,
        member=place,
        typed_name=name,
        consent=consent,
        consent_text_hash=consent.consent_text_hash,
        consented_at=consent.consented_at,
        signed_at=when,
        text_sha256=agreement_hash(place.circle, name),
        user_agent="Demo data",
    )
    try:
        data = render_signature_pdf(signature)
    except OSError:  # WeasyPrint's system libraries are missing: the signature stands without its copy
        logger.warning("No PDF for the demo circle signature %s: WeasyPrint is unavailable", signature.pk)
        return
    signature.pdf_sha256 = sha256_hex(data)
    signature.pdf.save("agreement.pdf", ContentFile(data), save=False)
    signature.save(update_fields=["pdf", "pdf_sha256"])


def seed_circles(
    organization: Organization, coordinator_email: str, created: dict, candidates: set[str] | None = None
) -> None:
    """The program, its circles, people, signatures and meetings (the people are the
    department's faculty who are in no other role of the demo's circles yet)."""
    today = timezone.localdate()
    program, program_created = ensure_program(
        organization,
        slug=SLUG,
        name="Early Career Circles",
        description=(
            "Small groups of three to twelve faculty who meet around one theme with one or two experienced "
            "facilitators, for a term. Join an open circle or rank the circles you would like; the Office of "
            "Faculty Affairs places members from everyone's choices."
        ),
        model=ProgramModel.CIRCLES,
        applications_open=timezone.now() - timedelta(days=60),
        applications_close=timezone.now() + timedelta(days=60),
        min_commitment_months=6,
        meeting_cadence=Cadence.MONTHLY,
        is_published=True,
        goal_areas=[name for _n, _t, name, *_rest in CIRCLES],
        rules={
            Role.MENTOR: {"allowed_statuses": [MemberStatus.FACULTY]},
            Role.MENTEE: {"allowed_statuses": [MemberStatus.FACULTY]},
        },
    )
    created["programs"] += program_created
    memberships = memberships_by_email(organization)
    coordinator = memberships[coordinator_email]
    # The department's faculty (the program admits them) among ``candidates``, the organization's own
    # demo people: not the history's cohort or the peer program's residents, added later in a first
    # seed and already there in a second, so that every seed chooses the same people.
    people = sorted(
        (
            m
            for e, m in memberships.items()
            if e != coordinator_email and m.status == MemberStatus.FACULTY and (candidates is None or e in candidates)
        ),
        key=lambda m: m.user.email,
    )
    random.Random(1919).shuffle(people)
    areas = {a.name: a for a in GoalArea.objects.filter(program=program)}
    start = today - timedelta(days=75)
    for index, (name, theme, area, capacity, open_to_join, n_facilitators, n_members, description) in enumerate(
        CIRCLES
    ):
        circle, _ = Circle.objects.get_or_create(
            program=program,
            name=name,
            defaults={
                "organization": organization,
                "theme": theme,
                "goal_area": areas.get(area),
                "description": description,
                "capacity": capacity,
                "open_to_join": open_to_join,
                "starts_on": start,
                "ends_on": start + timedelta(days=240),
                "status": CircleStatus.ACTIVE,
            },
        )
        if CircleMember.objects.filter(circle=circle).exists():
            continue
        chosen = people[index * 10 : index * 10 + n_facilitators + n_members]
        places = []
        for position, membership in enumerate(chosen):
            role = "facilitator" if position < n_facilitators else "member"
            _accepted(program, membership, Role.MENTOR if role == "facilitator" else Role.MENTEE, coordinator)
            places.append(
                CircleMember.objects.create(
                    organization=organization,
                    circle=circle,
                    membership=membership,
                    role=role,
                    origin="coordinator" if role == "facilitator" or not open_to_join else "joined",
                    joined_at=timezone.make_aware(datetime.combine(start - timedelta(days=10 - position), time(9))),
                )
            )
        # Everyone signed but the circle's newest member, who still has it to do.
        for position, place in enumerate(places[:-1]):
            _sign(place, place.joined_at + timedelta(hours=2 + position))
        facilitator = places[0].membership
        for number, (agenda, summary) in enumerate(AGENDAS):
            starts_at = timezone.make_aware(datetime.combine(start + timedelta(days=30 * number + 7), time(17)))
            meeting = CircleMeeting.objects.create(
                organization=organization,
                circle=circle,
                starts_at=starts_at,
                duration_minutes=60,
                location="Video call" if number else "Department library, room 4",
                agenda=agenda,
                summary=summary if starts_at < timezone.now() else "",
                created_by=facilitator,
            )
            held = starts_at < timezone.now()
            for position, place in enumerate(places):
                CircleRsvp.objects.create(
                    organization=organization,
                    meeting=meeting,
                    member=place,
                    response="yes" if (position + number) % 4 else "maybe",
                    responded_at=starts_at - timedelta(days=3),
                    attended=((position + number) % 5 != 0) if held else None,
                )
