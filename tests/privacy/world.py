"""A member with a history in two organizations, for the export and erasure tests.

Nia Mensah (the person) is mentored by Dana Whitfield in org A; each wrote messages, notes
and agenda items; they signed an agreement with a sealed PDF; Nia answered a named survey
and an anonymous one. Olga Other, in org B, has data of her own that must never leak."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature
from circles.models import Circle, CircleMember, CircleNote
from programs.models import Membership
from relationships.models import Conversation, Goal, GoalNote, Meeting, Mentorship, Message, PrivateNote
from surveys.models import Question, Survey, SurveyAnswer, SurveyResponse, SurveyWave
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    MentorshipFactory,
    ProfileFactory,
    ProgramFactory,
    dana_and_nia,
)

NIA_NOTE = "NIA-PRIVATE-MARKER about my career"
DANA_NOTE = "DANA-PRIVATE-MARKER about Nia"
NIA_MESSAGE = "NIA-MESSAGE-MARKER hello Dana"
DANA_MESSAGE = "DANA-MESSAGE-MARKER hello Nia"
NIA_AGENDA = "NIA-AGENDA-MARKER talk about surgery"
NIA_BIO = "NIA-BIO-MARKER trained in Accra"
NIA_SURVEY_TEXT = "NIA-SURVEY-MARKER great program"
ANON_SURVEY_TEXT = "ANON-SURVEY-MARKER fine"
OLGA_NOTE = "OLGA-PRIVATE-MARKER"
ATTACHMENT = b"%PDF-1.4 nia's attachment"
SEALED = b"%PDF-1.7 sealed agreement of Dana Whitfield and Nia Mensah"


@dataclass
class World:
    pair: Mentorship
    nia: Membership
    dana: Membership
    olga: Membership
    agreement: Agreement
    named_survey: Survey
    anonymous_survey: Survey
    circle: Circle


def build(org_a, org_b) -> World:
    with scopes_disabled():
        pair = dana_and_nia(org_a, mentee={"user__email": "nia@example.org"})
        nia, dana = pair.mentee, pair.mentor
        ProfileFactory(membership=nia, bio=NIA_BIO, city="Accra")
        ApplicationFactory(membership=nia, program=pair.program, role="mentee", goals_statement="NIA-GOALS-MARKER")
        conversation = Conversation.objects.create(organization=org_a, mentorship=pair)
        Message.objects.create(organization=org_a, conversation=conversation, author=nia, body=NIA_MESSAGE)
        Message.objects.create(organization=org_a, conversation=conversation, author=dana, body=DANA_MESSAGE)
        attached = Message(
            organization=org_a,
            conversation=conversation,
            author=nia,
            body="see attached",
            attachment_name="my-plan.pdf",
            attachment_type="application/pdf",
            attachment_size=len(ATTACHMENT),
        )
        attached.attachment.save("my-plan.pdf", ContentFile(ATTACHMENT), save=False)
        attached.save()
        meeting = Meeting.objects.create(
            organization=org_a,
            mentorship=pair,
            scheduled_by=nia,
            starts_at=timezone.now() - timedelta(days=7),
            agenda=NIA_AGENDA,
            agenda_by=nia,
        )
        PrivateNote.objects.create(organization=org_a, meeting=meeting, author=nia, text=NIA_NOTE)
        PrivateNote.objects.create(organization=org_a, meeting=meeting, author=dana, text=DANA_NOTE)
        goal = Goal.objects.create(organization=org_a, mentorship=pair, title="Publish a paper", created_by=nia)
        GoalNote.objects.create(organization=org_a, goal=goal, author=nia, text="NIA-GOALNOTE-MARKER")
        agreement = Agreement(
            organization=org_a,
            mentorship=pair,
            title="Mentoring Partnership Agreement",
            status=AgreementStatus.SIGNED,
            program_name=pair.program.name,
            mentor_name="Dana Whitfield",
            mentee_name="Nia Mensah",
            sections=[{"key": "goals", "heading": "Goals", "editable": True}],
            content={"goals": "Grow"},
            signed_at=timezone.now(),
        )
        agreement.content_hash = agreement.compute_hash()
        agreement.pdf.save("sealed.pdf", ContentFile(SEALED), save=False)
        agreement.pdf_sha256 = hashlib.sha256(SEALED).hexdigest()
        agreement.save()
        for who, role, name in ((dana, "mentor", "Dana Whitfield"), (nia, "mentee", "Nia Mensah")):
            Signature.objects.create(
                organization=org_a,
                agreement=agreement,
                signer=who,
                role=role,
                typed_name=name,
                content_hash=agreement.content_hash,
                ip_address="203.0.113.9",
            )
        named = _survey(org_a, "Named check-in", anonymous=False)
        anonymous = _survey(org_a, "Anonymous pulse", anonymous=True)
        _answer(named, nia, 5, NIA_SURVEY_TEXT)
        _answer(named, dana, 3, "DANA-SURVEY")
        _answer(anonymous, None, 4, ANON_SURVEY_TEXT)
        circle = Circle.objects.create(
            organization=org_a,
            program=pair.program,
            name="Surgeons circle",
            theme="Careers",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=300),
        )
        CircleMember.objects.create(organization=org_a, circle=circle, membership=nia)
        CircleNote.objects.create(organization=org_a, circle=circle, author=nia, text="NIA-CIRCLE-MARKER")
        olga = MembershipFactory(organization=org_b, user__full_name="Olga Other", user__email="olga@example.org")
        other_pair = MentorshipFactory(program=ProgramFactory(organization=org_b), mentor=olga)
        other_meeting = Meeting.objects.create(
            organization=org_b, mentorship=other_pair, starts_at=timezone.now() - timedelta(days=3)
        )
        PrivateNote.objects.create(organization=org_b, meeting=other_meeting, author=olga, text=OLGA_NOTE)
    return World(pair, nia, dana, olga, agreement, named, anonymous, circle)


def _survey(org, title, *, anonymous):
    survey = Survey.objects.create(organization=org, title=title, anonymous=anonymous, status="active")
    Question.objects.create(organization=org, survey=survey, position=1, kind="likert", text="How is it going?")
    Question.objects.create(organization=org, survey=survey, position=2, kind="text", text="Comments", required=False)
    SurveyWave.objects.create(
        organization=org,
        survey=survey,
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + timedelta(days=14),
    )
    return survey


def _answer(survey, membership, number, text):
    wave = survey.waves.get()
    response = SurveyResponse.objects.create(
        organization=survey.organization,
        survey=survey,
        wave=wave,
        respondent=membership,
        role="mentee",
        submitted_on=timezone.localdate().replace(day=1),
    )
    likert, comment = survey.questions.order_by("position")
    SurveyAnswer.objects.create(organization=survey.organization, response=response, question=likert, number=number)
    SurveyAnswer.objects.create(organization=survey.organization, response=response, question=comment, text=text)


def survey_numbers(survey) -> list:
    with scopes_disabled():
        return sorted(
            SurveyAnswer.objects.filter(response__survey=survey, number__isnull=False).values_list("number", flat=True)
        )
