"""The relationship's tables: the pairing itself (``mentorship.py``) and its working record
(``record.py``: meetings, tasks, private notes, goals, the access log, program resources)."""

from relationships.models.mentorship import (
    LIVE_STATUSES,
    EndReason,
    ExclusionReason,
    Mentorship,
    MentorshipStatus,
    Origin,
    PairExclusion,
    ProgramRemoval,
    Stage,
)
from relationships.models.record import (
    ContentRead,
    FollowUpTask,
    Goal,
    GoalNote,
    GoalStatus,
    Meeting,
    MeetingMode,
    MeetingStatus,
    PrivateNote,
    ProgramResources,
)

__all__ = [
    "LIVE_STATUSES",
    "ContentRead",
    "EndReason",
    "ExclusionReason",
    "FollowUpTask",
    "Goal",
    "GoalNote",
    "GoalStatus",
    "Meeting",
    "MeetingMode",
    "MeetingStatus",
    "Mentorship",
    "MentorshipStatus",
    "Origin",
    "PairExclusion",
    "PrivateNote",
    "ProgramRemoval",
    "ProgramResources",
    "Stage",
]
