"""The circles app's tables: circles, their members and agreement signatures (``circle.py``),
their record (``record.py``) and forming them from members' choices (``formation.py``)."""

from circles.models.circle import (
    LIVE_MEMBER_STATUSES,
    MAX_CAPACITY,
    MAX_FACILITATORS,
    MIN_CAPACITY,
    Circle,
    CircleAgreementSignature,
    CircleEndReason,
    CircleMember,
    CircleMemberStatus,
    CircleOrigin,
    CircleRole,
    CircleStatus,
)
from circles.models.formation import (
    MAX_CHOICES,
    CircleChoice,
    FormationPlacement,
    FormationRound,
    FormationStatus,
    FormationVote,
)
from circles.models.record import CircleMeeting, CircleNote, CircleRsvp, RsvpResponse

__all__ = [
    "LIVE_MEMBER_STATUSES",
    "MAX_CAPACITY",
    "MAX_CHOICES",
    "MAX_FACILITATORS",
    "MIN_CAPACITY",
    "Circle",
    "CircleAgreementSignature",
    "CircleChoice",
    "CircleEndReason",
    "CircleMeeting",
    "CircleMember",
    "CircleMemberStatus",
    "CircleNote",
    "CircleOrigin",
    "CircleRole",
    "CircleRsvp",
    "CircleStatus",
    "FormationPlacement",
    "FormationRound",
    "FormationStatus",
    "FormationVote",
    "RsvpResponse",
]
