"""Everything periodic (seeds 000, 002, 003, 004), a module per area: reminders worked out
from the data by a daily scan (``reminders.py``), the joint quarterly report
(``reports.py``), surveys with anonymous aggregates (``surveys.py``), and feedback
(``feedback.py``).

Reminders are rows before they are emails: each has a unique ``key`` (who, what, which
period), so a second scan, a retried task or a restarted worker finds the row already
there and never sends it twice. A worker claims rows with a conditional update before it
sends them (see ``surveys.services.reminders``).
"""

from surveys.models.feedback import (
    Feedback,
)
from surveys.models.reminders import (
    NON_ESSENTIAL_KINDS,
    Reminder,
    ReminderKind,
    ReminderScan,
    ReminderStatus,
)
from surveys.models.reports import (
    QuarterlyReport,
)
from surveys.models.surveys import (
    LIKERT_LABELS,
    Audience,
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveySchedule,
    SurveyStatus,
    SurveyWave,
)

__all__ = [
    "Audience",
    "Feedback",
    "LIKERT_LABELS",
    "NON_ESSENTIAL_KINDS",
    "QuarterlyReport",
    "Question",
    "QuestionKind",
    "Reminder",
    "ReminderKind",
    "ReminderScan",
    "ReminderStatus",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveySchedule",
    "SurveyStatus",
    "SurveyWave",
]
