"""Two organizations with one of everything the API serves, every text carrying a marker;
and tokens. Shared by the API's tests and its benchmark."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus
from api.models import ALL_SCOPES
from api.services.tokens import token_create
from matching.models import MatchRound, Proposal, RoundStatus
from programs.models import Application, ApplicationStatus, ProgramModel, Role, RosterImport
from relationships.models import (
    Conversation,
    FollowUpTask,
    Goal,
    GoalNote,
    Meeting,
    MeetingStatus,
    Mentorship,
    Message,
    PrivateNote,
)
from surveys.models import Survey, SurveyWave
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

# The texts of a relationship's record that the API must never return.
SECRET_TEXTS = (
    "SECRET-LOCATION",
    "SECRET-AGENDA",
    "SECRET-SUMMARY",
    "SECRET-PRIVATENOTE",
    "SECRET-TASK",
    "SECRET-GOAL",
    "SECRET-GOALNOTE",
    "SECRET-MESSAGE",
    "SECRET-AGREEMENT-TEXT",
)


@dataclass
class Org:
    organization: object
    coordinator: object
    ids: dict  # object kind -> id


def make_token(coordinator, scopes=ALL_SCOPES, name="Sync"):
    """A token of the coordinator's organization; returns (token, secret)."""
    with scopes_disabled():
        new = token_create(actor=coordinator, name=name, scopes=list(scopes))
    return new.token, new.secret


def build_org(slug: str, marker: str) -> Org:
    organization = OrganizationFactory(name=f"{marker}Organization", slug=slug)
    today = timezone.localdate()
    with scopes_disabled():
        coordinator = MembershipFactory(organization=organization, is_coordinator=True)
        mentor = MembershipFactory(organization=organization, user__full_name=f"{marker}Mentor")
        mentee = MembershipFactory(organization=organization, user__full_name=f"{marker}Mentee")
        program = ProgramFactory(organization=organization, slug=f"{slug}-society", name=f"{marker}Society")
        ProgramFactory(
            organization=organization, slug=f"{slug}-alumni", name=f"{marker}Alumni", model=ProgramModel.SELF_SELECT
        )
        application = Application.objects.create(
            organization=organization,
            program=program,
            membership=mentee,
            role=Role.MENTEE,
            status=ApplicationStatus.ELIGIBLE,
            submitted_at=timezone.now(),
        )
        mentorship = Mentorship.objects.create(
            organization=organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=today - timedelta(days=100),
            planned_end_on=today + timedelta(days=300),
        )
        meeting = Meeting.objects.create(
            organization=organization,
            mentorship=mentorship,
            scheduled_by=mentee,
            starts_at=timezone.now() - timedelta(days=3),
            location=f"{marker}SECRET-LOCATION",
            agenda=f"{marker}SECRET-AGENDA",
            summary=f"{marker}SECRET-SUMMARY",
            status=MeetingStatus.HELD,
            held_minutes=45,
            logged_by=mentor,
            logged_at=timezone.now() - timedelta(days=2),
        )
        PrivateNote.objects.create(
            organization=organization, meeting=meeting, author=mentor, text=f"{marker}SECRET-PRIVATENOTE"
        )
        FollowUpTask.objects.create(
            organization=organization,
            mentorship=mentorship,
            meeting=meeting,
            description=f"{marker}SECRET-TASK",
            owner=mentee,
            created_by=mentor,
        )
        goal = Goal.objects.create(
            organization=organization, mentorship=mentorship, title=f"{marker}SECRET-GOAL", created_by=mentee
        )
        GoalNote.objects.create(organization=organization, goal=goal, author=mentee, text=f"{marker}SECRET-GOALNOTE")
        conversation = Conversation.objects.create(
            organization=organization, mentorship=mentorship, message_count=1, last_message_at=timezone.now()
        )
        Message.objects.create(
            organization=organization, conversation=conversation, author=mentee, body=f"{marker}SECRET-MESSAGE"
        )
        agreement = Agreement.objects.create(
            organization=organization,
            mentorship=mentorship,
            version=1,
            status=AgreementStatus.SIGNED,
            title="Mentoring Partnership Agreement",
            sections=[{"key": "goals", "heading": "Goals", "editable": True, "guidance": ""}],
            content={"goals": f"{marker}SECRET-AGREEMENT-TEXT"},
            content_hash="0" * 64,
            signed_at=timezone.now(),
        )
        agreement.pdf.save(f"agreement-{agreement.pk}.pdf", ContentFile(b"%PDF-1.4\n% sealed " + marker.encode()))
        match_round = MatchRound.objects.create(
            organization=organization,
            program=program,
            created_by=coordinator,
            status=RoundStatus.COMPLETE,
            weights={"goals": 3.0},
            unmatched=[{"mentee": mentee.pk, "reason": "no mentor left"}],
            stats={"pairs": 1},
            finished_at=timezone.now(),
        )
        Proposal.objects.create(
            organization=organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            match_round=match_round,
            score=2.5,
            status="draft",
        )
        roster = RosterImport.objects.create(organization=organization, created_by=coordinator, filename="roster.csv")
        survey = Survey.objects.create(
            organization=organization, program=program, title=f"{marker}Survey", anonymous=True, status="active"
        )
        SurveyWave.objects.create(
            organization=organization,
            survey=survey,
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=10),
        )
    return Org(
        organization=organization,
        coordinator=coordinator,
        ids={
            "program": program.pk,
            "member": mentee.pk,
            "application": application.pk,
            "relationship": mentorship.pk,
            "round": match_round.pk,
            "import": roster.pk,
            "agreement": agreement.pk,
            "survey": survey.pk,
        },
    )
