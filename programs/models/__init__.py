"""The tables of `programs`, one module per area. Every model, choice and constant is
named here too, so `from programs.models import Membership` works everywhere (Django's convention)."""

from programs.models.applications import (
    MENTEE_LIVE,
    MENTOR_LIVE,
    Application,
    ApplicationStatus,
    HubChoice,
    MeetingMode,
)
from programs.models.hubs import AffinityGroup, Hub, HubMentor, HubTheme
from programs.models.messaging import Announcement, AnnouncementAudience, EmailTemplateOverride
from programs.models.organizations import (
    DEFAULT_BRAND_COLOUR,
    INVITATION_VALID_DAYS,
    ORGANIZATION_SLUG_STEM_LENGTH,
    AuditEvent,
    Invitation,
    InvitationStatus,
    Membership,
    MemberStatus,
    Organization,
    SentEmail,
    SentEmailKind,
    slug_validator,
)
from programs.models.profiles import PROFILE_IMPORT_FIELDS, PracticeSetting, Profile
from programs.models.programs import (
    DEFAULT_GOAL_AREAS,
    DEFAULT_PRINCIPLES,
    Cadence,
    CommitteeRule,
    EligibilityRule,
    GoalArea,
    InPersonCadence,
    Program,
    ProgramModel,
    Role,
)
from programs.models.roster import RosterImport, RosterImportStatus

__all__ = [
    "Announcement",
    "AnnouncementAudience",
    "DEFAULT_BRAND_COLOUR",
    "EmailTemplateOverride",
    "MENTEE_LIVE",
    "MENTOR_LIVE",
    "AffinityGroup",
    "Application",
    "ApplicationStatus",
    "AuditEvent",
    "Cadence",
    "CommitteeRule",
    "DEFAULT_GOAL_AREAS",
    "DEFAULT_PRINCIPLES",
    "EligibilityRule",
    "GoalArea",
    "Hub",
    "HubChoice",
    "HubMentor",
    "HubTheme",
    "INVITATION_VALID_DAYS",
    "InPersonCadence",
    "Invitation",
    "InvitationStatus",
    "MeetingMode",
    "MemberStatus",
    "Membership",
    "ORGANIZATION_SLUG_STEM_LENGTH",
    "Organization",
    "PROFILE_IMPORT_FIELDS",
    "PracticeSetting",
    "Profile",
    "Program",
    "ProgramModel",
    "Role",
    "RosterImport",
    "RosterImportStatus",
    "SentEmail",
    "SentEmailKind",
    "slug_validator",
]
