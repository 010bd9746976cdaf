"""The agreements app's tables: the agreement with its drafts, consents and signatures
(``agreement.py``), and the yearly review with its checklist and documents (``review.py``)."""

from agreements.models.agreement import (
    DEFAULT_SECTIONS,
    Agreement,
    AgreementEdit,
    AgreementEvent,
    AgreementStatus,
    AgreementTemplate,
    Signature,
    SigningConsent,
)
from agreements.models.review import (
    ChecklistTick,
    DocumentKind,
    MentorshipDocument,
    ReviewAnswer,
    ReviewOutcome,
    YearlyReview,
)

__all__ = [
    "DEFAULT_SECTIONS",
    "Agreement",
    "AgreementEdit",
    "AgreementEvent",
    "AgreementStatus",
    "AgreementTemplate",
    "ChecklistTick",
    "DocumentKind",
    "MentorshipDocument",
    "ReviewAnswer",
    "ReviewOutcome",
    "Signature",
    "SigningConsent",
    "YearlyReview",
]
