"""The relationship's tables: the pairing itself (``mentorship.py``) and its working record
(``record.py``: meetings, tasks, private notes, goals, the access log, program resources)
and the pair's conversation (``messages.py``)."""

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
from relationships.models.messages import (
    ATTACHMENT_MAX_BYTES,
    EDIT_WINDOW,
    MESSAGE_MAX_LENGTH,
    Conversation,
    ConversationRead,
    Message,
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
    "ATTACHMENT_MAX_BYTES",
    "EDIT_WINDOW",
    "LIVE_STATUSES",
    "MESSAGE_MAX_LENGTH",
    "Conversation",
    "ConversationRead",
    "Message",
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
