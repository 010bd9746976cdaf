"""What the demo's pairs signed and answered: agreements written, consented to and signed
through the agreement services (then given the days they were signed on, and sealed as PDFs
by the same task the site uses), and a survey with released results."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from agreements.models import Agreement, AgreementEdit, AgreementEvent, AgreementStatus, Signature, SigningConsent
from agreements.services import agreement as agreement_services
from agreements.tasks import render_agreement_pdf_task
from demo.history import Plan, at
from demo.history_matching import quietly
from programs.models import AuditEvent, Program
from relationships.models import Goal, GoalStatus
from relationships.services import record as record_services
from surveys.models import (
    Audience,
    Question,
    QuestionKind,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
    SurveyWave,
)

SECTION_TEXT = {
    "goals": "1. Decide on a focus for the next two years of practice.\n2. Take on a first leadership role.\n"
    "3. Submit one paper or abstract this year.",
    "success": "We look back at each goal at the six-month and yearly reviews; a goal is met when it is done, "
    "not when it is started.",
    "schedule": "About every six weeks by video, one hour; in person at the annual meeting. The mentee sends "
    "an agenda three days ahead.",
    "learning": "Shadowing one clinic; an introduction to the regional committee; reading each other's drafts.",
    "confidentiality": "What we discuss stays between us unless one of us is at risk of harm.",
    "ground_rules": "We answer messages within three working days, give a day's notice to move a meeting, and "
    "say so when something is not working.",
    "feedback": "Each of us gives the other one piece of honest feedback at every third meeting.",
}


def sign_agreements(program: Program, plans: list[Plan], seal: set[int]) -> tuple[int, int]:
    """Each pairing signs its agreement about two weeks in (a pair that started in the last
    fortnight is still writing it). The pairs whose mentorship id is in ``seal`` get their sealed
    PDF now; the others' are built by the worker when first downloaded. Call while every plan's
    mentorship is still live. Returns (signed, sealed)."""
    now = timezone.now()
    signed = sealed = 0
    for index, plan in enumerate(plans):
        mentorship = plan.mentorship
        day = plan.started + timedelta(days=9 + index % 8)
        signed_at = at(day, 19)
        drafting = signed_at + timedelta(days=1) >= now
        with quietly():
            agreement = agreement_services.agreement_start(actor=plan.mentee, mentorship=mentorship)
            editable = [s["key"] for s in agreement.sections if s.get("editable")]
            content = {key: SECTION_TEXT.get(key, "As discussed at our first meeting.") for key in editable}
            if drafting:  # still writing: half of it done
                content = dict(list(content.items())[: len(content) // 2])
            agreement = agreement_services.draft_save(
                actor=plan.mentee, agreement=agreement, content=content, revision=agreement.revision
            )
            if drafting:
                _redate_agreement(agreement, now - timedelta(days=2))
                continue
            for person in (plan.mentee, plan.mentor):
                agreement_services.consent_to_sign(actor=person, agreement=agreement)
                agreement.refresh_from_db()
                role = "mentee" if person == plan.mentee else "mentor"
                agreement_services.agreement_sign(
                    actor=person,
                    agreement=agreement,
                    typed_name=agreement.frozen_name(role),
                    confirm=True,
                    revision=agreement.revision,
                )
        _redate_agreement(agreement, signed_at, plan)
        _import_goals(plan, signed_at + timedelta(days=1, hours=2))
        signed += 1
        if mentorship.pk in seal:
            with _weasyprint_quiet():
                render_agreement_pdf_task(agreement.pk)
            AgreementEvent.objects.filter(agreement=agreement, kind="pdf").update(at=signed_at + timedelta(days=1))
            sealed += 1
    return signed, sealed


def _import_goals(plan: Plan, moment) -> None:
    """The pair turn their signed agreement's goals into their goal list (the record's own
    service) the day after signing; since then the first was achieved and the second is under
    way, if the pair has been going long enough."""
    goals = record_services.goals_import_from_agreement(actor=plan.mentee, mentorship=plan.mentorship)
    age = (timezone.localdate() - plan.started).days
    for number, goal in enumerate(goals):
        fields = {"created_at": moment, "updated_at": moment}
        if number == 0 and age > 120:
            achieved = min(plan.started + timedelta(days=100), (plan.ended or timezone.localdate()) - timedelta(days=1))
            fields.update(status=GoalStatus.ACHIEVED, achieved_on=achieved, updated_at=at(achieved, 18))
        elif number == 1 and age > 60:
            fields.update(status=GoalStatus.IN_PROGRESS, updated_at=moment + timedelta(days=30))
        Goal.objects.filter(pk=goal.pk).update(**fields)


@contextmanager
def _weasyprint_quiet():
    """WeasyPrint logs each step of each PDF at INFO: not news in the seed command's output."""
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        yield
    finally:
        progress.setLevel(level)


def _redate_agreement(agreement: Agreement, signed_at, plan: Plan | None = None) -> None:
    """Give an agreement's rows the days they happened: opened five days before the mentee
    signed, written the next day, consent just before signing, the mentor's signature a day
    after the mentee's."""
    opened = signed_at - timedelta(days=5)
    Agreement.objects.filter(pk=agreement.pk).update(created_at=opened)
    AgreementEdit.objects.filter(agreement=agreement).update(created_at=opened + timedelta(days=1))
    AgreementEvent.objects.filter(agreement=agreement, kind="created").update(at=opened)
    AgreementEvent.objects.filter(agreement=agreement, kind="edited").update(at=opened + timedelta(days=1))
    if plan is None:
        return
    moments = {plan.mentee.pk: signed_at, plan.mentor.pk: signed_at + timedelta(days=1)}
    for signer, moment in moments.items():
        Signature.objects.filter(agreement=agreement, signer_id=signer).update(signed_at=moment)
        AgreementEvent.objects.filter(agreement=agreement, actor_id=signer, kind="signed").update(at=moment)
        AgreementEvent.objects.filter(agreement=agreement, actor_id=signer, kind="consent").update(
            at=moment - timedelta(minutes=3)
        )
        consent = SigningConsent.objects.get(membership_id=signer)
        if consent.consented_at > moment:  # consent is given once: before the first signature
            SigningConsent.objects.filter(pk=consent.pk).update(consented_at=moment - timedelta(minutes=3))
    both = signed_at + timedelta(days=1)
    Agreement.objects.filter(pk=agreement.pk, status=AgreementStatus.SIGNED).update(signed_at=both)
    AuditEvent.objects.filter(action="agreement.signed", data__agreement=agreement.pk).update(created_at=both)


QUESTIONS = (
    (QuestionKind.LIKERT, "My mentoring partner and I meet as often as we agreed.", []),
    (QuestionKind.LIKERT, "Our meetings are worth the time they take.", []),
    (QuestionKind.RATING, "How likely are you to recommend the program to a colleague?", []),
    (QuestionKind.SINGLE, "How do you usually meet?", ["Video", "Phone", "In person", "A mix"]),
    (QuestionKind.TEXT, "What would make the program better?", []),
)
IDEAS = (
    "More structure for the first meeting.",
    "A mid-year social event for all the pairs.",
    "Shorter reminder emails.",
    "Keep it as it is: it works.",
    "A list of topics other pairs found useful.",
)


def write_survey(program: Program, plans: list[Plan], coordinator) -> Survey:
    """The mid-year survey: sent on the first day of the month before last to everyone then
    in a live pairing, closed after two weeks. Most answered, enough mentors and mentees (at
    least five of each) that its anonymous results are released, by role too. The invitations
    and the reminder the scan sent a week later are there; the answers keep no names."""
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    opens = (first_of_month - timedelta(days=35)).replace(day=1)
    closes = opens + timedelta(days=13)
    organization = program.organization
    survey = Survey.objects.create(
        organization=organization,
        program=program,
        title="Mid-year check-in",
        intro="Five short questions about how your mentoring is going. Anonymous: the program office sees only "
        "totals for groups of five or more.",
        audience=Audience.BOTH,
        anonymous=True,
        opens_on=opens,
        open_days=14,
        status=SurveyStatus.CLOSED,
        created_by=coordinator,
        created_at=at(opens, 9) - timedelta(days=7),
    )
    questions = Question.objects.bulk_create(
        Question(organization=organization, survey=survey, position=n, kind=kind, text=text, choices=choices)
        for n, (kind, text, choices) in enumerate(QUESTIONS)
    )
    wave = SurveyWave.objects.create(
        organization=organization, survey=survey, number=1, opens_on=opens, closes_on=closes, created_at=at(opens, 6)
    )
    invited = []
    for plan in plans:
        ended = plan.ended and plan.ended < opens
        if plan.started < opens and not ended:
            invited += [(plan.mentor, "mentor"), (plan.mentee, "mentee")]
    seen, invitations, responses, answers, reminders = set(), [], [], [], []
    for index, (membership, role) in enumerate(invited):
        if membership.pk in seen:
            continue
        seen.add(membership.pk)
        answered = index % 4 != 3
        invitation = SurveyInvitation(
            organization=organization,
            wave=wave,
            membership=membership,
            role=role,
            program=program,
            answered=answered,
            created_at=at(opens, 6),
        )
        invitations.append(invitation)
        if not answered:
            continue
        response = SurveyResponse(organization=organization, survey=survey, wave=wave, role=role, submitted_on=opens)
        responses.append(response)
        for question in questions:
            answer = SurveyAnswer(organization=organization, response=response, question=question)
            if question.kind == QuestionKind.LIKERT:
                answer.number = 3 + (index + question.position) % 3
            elif question.kind == QuestionKind.RATING:
                answer.number = 6 + index % 5
            elif question.kind == QuestionKind.SINGLE:
                answer.choices = [question.choices[index % len(question.choices)]]
            elif index % 3 == 0:
                answer.text = IDEAS[index % len(IDEAS)]
            answers.append(answer)
    SurveyInvitation.objects.bulk_create(invitations)
    SurveyResponse.objects.bulk_create(responses)
    SurveyAnswer.objects.bulk_create(answers)
    sent = at(opens, 7)  # the invitation itself
    for invitation in invitations:
        reminders.append(
            Reminder(
                organization=organization,
                recipient=invitation.membership,
                program=program,
                kind=ReminderKind.SURVEY,
                key=f"survey:{invitation.pk}",
                period=str(opens),
                due_on=closes,
                path=f"/o/{organization.slug}/surveys/mine/",
                context={"program": program.name, "survey": survey.title},
                status=ReminderStatus.SENT,
                attempts=1,
                handed_out_at=sent,
                sent_at=sent,
                created_at=sent - timedelta(minutes=2),
            )
        )
    Reminder.objects.bulk_create(reminders)
    return survey
