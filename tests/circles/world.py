"""The circles part of the isolation matrix's and the bad-input test's worlds
(tests/test_isolation_matrix.py, tests/bad_input_support.py): in a pairing's organization,
a circle where the pairing's mentor facilitates and its mentee is a member, both signed,
with a held meeting whose texts carry ``marker``; and the organization's formation round."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from circles.models import (
    Circle,
    CircleAgreementSignature,
    CircleMeeting,
    CircleMember,
    CircleNote,
    CircleRsvp,
    FormationRound,
    FormationStatus,
)
from programs.models import Application, ApplicationStatus, Role


def circle_ids(org, program, *, mentor, mentee, marker: str = "") -> dict:
    """Unscoped (call inside ``scopes_disabled()``). ``marker`` prefixes the record's texts:
    "PAIR1-" gives PAIR1-SECRET-CIRCLEAGENDA (the pair's), PAIR1-MENTEENOTE-CIRCLENOTE..."""
    today, now = timezone.localdate(), timezone.now()
    for member, role in ((mentor, Role.MENTOR), (mentee, Role.MENTEE)):
        Application.objects.create(
            organization=org, program=program, membership=member, role=role, status=ApplicationStatus.ACCEPTED
        )
    circle = Circle.objects.create(
        organization=org,
        program=program,
        name="Grant writers",
        theme="Writing your first grant",
        capacity=6,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=150),
        status="active",
    )
    facilitator = CircleMember.objects.create(organization=org, circle=circle, membership=mentor, role="facilitator")
    member = CircleMember.objects.create(organization=org, circle=circle, membership=mentee, role="member")
    signatures = {}
    for place in (facilitator, member):
        signature = CircleAgreementSignature(
            organization=org,
            circle=circle,
            member=place,
            typed_name="x",
            text_sha256="0" * 64,
            consent_text_hash="0" * 64,
        )
        signature.pdf.save("agreement.pdf", ContentFile(b"%PDF-1.4\n% circle agreement"), save=False)
        signature.save()
        signatures[place.pk] = signature
    meeting = CircleMeeting.objects.create(
        organization=org,
        circle=circle,
        starts_at=now - timedelta(days=3),
        location=f"{marker}SECRET-CIRCLELOCATION",
        agenda=f"{marker}SECRET-CIRCLEAGENDA",
        summary=f"{marker}SECRET-CIRCLESUMMARY",
        created_by=mentor,
    )
    for place in (facilitator, member):
        CircleRsvp.objects.create(organization=org, meeting=meeting, member=place, response="yes", attended=True)
    CircleNote.objects.create(
        organization=org, circle=circle, author=mentor, meeting=meeting, text=f"{marker}MENTORNOTE-CIRCLENOTE"
    )
    CircleNote.objects.create(
        organization=org, circle=circle, author=mentee, meeting=meeting, text=f"{marker}MENTEENOTE-CIRCLENOTE"
    )
    return {
        "circle": circle.pk,
        "circle_member": member.pk,
        "circle_facilitator": facilitator.pk,
        "circle_signature": signatures[member.pk].pk,
    }


def formation_round_id(org, program, coordinator) -> int:
    return FormationRound.objects.create(
        organization=org, program=program, created_by=coordinator, status=FormationStatus.IN_REVIEW
    ).pk
