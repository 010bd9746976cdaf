"""The privacy app's own erasers, one per domain app (registered in ``PrivacyConfig.ready``).

Each anonymizes what one membership holds in its organization and returns counts by kind.
What others need stays: the other party's notes and messages, the pair's shared record
(meetings, goals, quarterly reports), signed agreements with their hashes (marked redacted),
and anonymous survey responses (not linked to the person, so never looked for)."""

from django.db.models import F, Func, Q, Value
from django.utils import timezone

REMOVED = "[removed at the person's request]"
REDACTED = "Redacted at the person's request"


def _delete_files(rows, field: str) -> int:
    count = 0
    for row in rows:
        fieldfile = getattr(row, field)
        if fieldfile:
            fieldfile.delete(save=False)
            count += 1
    return count


def _replace(queryset, field: str, old: str, new: str) -> int:
    if not old:
        return 0
    return queryset.filter(**{f"{field}__contains": old}).update(
        **{field: Func(F(field), Value(old), Value(new), function="REPLACE")}
    )


def programs_eraser(membership, placeholder: str) -> dict:
    from programs.models import Application, AuditEvent, Invitation, Notification, Profile

    counts = {}
    org = membership.organization_id
    user = membership.user
    profiles = list(Profile.objects.filter(membership=membership))
    counts["cv_files"] = _delete_files(profiles, "cv")
    for profile in profiles:
        profile.cv_shared_with.clear()
    counts["profiles"] = Profile.objects.filter(membership=membership).update(
        specialty="",
        practice_setting="",
        year_started_practice=None,
        graduation_year=None,
        institution="",
        city="",
        region="",
        country="",
        clinical_interests="",
        research_interests="",
        languages="",
        bio="",
        cv="",
    )
    applications = list(Application.objects.filter(membership=membership))
    for application in applications:
        application.goals_statement = ""
        application.preferences = ""
        application.attestation_answers = {}
        application.decision_message = ""
        application.override_reason = ""
        application.save(
            update_fields=[
                "goals_statement",
                "preferences",
                "attestation_answers",
                "decision_message",
                "override_reason",
            ]
        )
    counts["applications"] = len(applications)
    counts["notifications"] = Notification.objects.filter(recipient=membership).delete()[0]
    counts["invitations"] = Invitation.objects.filter(organization_id=org, email__iexact=user.email).update(
        email=f"erased-{user.pk}@invalid.example", message="", profile_data={}
    )
    # Others' notifications and the audit log name the person in their titles and summaries.
    counts["notification_titles"] = _replace(
        Notification.objects.filter(organization_id=org), "title", user.full_name, placeholder
    )
    audit = AuditEvent.objects.filter(organization_id=org)
    counts["audit_summaries"] = _replace(audit, "summary", user.full_name, placeholder) + _replace(
        audit, "summary", user.email, placeholder
    )
    return counts


def relationships_eraser(membership, placeholder: str) -> dict:
    from relationships.models import (
        LIVE_STATUSES,
        EndReason,
        FollowUpTask,
        GoalNote,
        Meeting,
        Mentorship,
        Message,
        PrivateNote,
    )
    from relationships.services.lifecycle import mentorship_close

    counts = {}
    live = Mentorship.objects.select_for_update(of=("self",)).filter(
        Q(mentor=membership) | Q(mentee=membership), status__in=LIVE_STATUSES
    )
    ended = 0
    for pair in live:
        # A neutral ending: nobody is named as having ended it.
        mentorship_close(pair, reason=EndReason.NO_FAULT, ended_by=None, cancelled_by=None)
        ended += 1
    counts["relationships_ended"] = ended
    messages = list(Message.objects.filter(author=membership).exclude(attachment=""))
    counts["attachments"] = _delete_files(messages, "attachment")
    written = list(Message.objects.filter(author=membership))
    for message in written:
        message.body = REMOVED
        message.attachment = ""
        message.attachment_name = ""
        message.attachment_type = ""
        message.attachment_size = None
        message.save(update_fields=["body", "attachment", "attachment_name", "attachment_type", "attachment_size"])
    counts["messages"] = len(written)
    counts["private_notes"] = PrivateNote.objects.filter(author=membership).delete()[0]
    agendas = [m for m in Meeting.objects.filter(agenda_by=membership) if m.agenda]
    for meeting in agendas:
        meeting.agenda = ""
        meeting.save(update_fields=["agenda"])
    counts["agendas"] = len(agendas)
    summaries = [m for m in Meeting.objects.filter(logged_by=membership) if m.summary]
    for meeting in summaries:
        meeting.summary = REMOVED
        meeting.save(update_fields=["summary"])
    counts["summaries"] = len(summaries)
    notes = list(GoalNote.objects.filter(author=membership))
    for note in notes:
        note.text = REMOVED
        note.save(update_fields=["text"])
    counts["goal_notes"] = len(notes)
    tasks = list(FollowUpTask.objects.filter(created_by=membership))
    for task in tasks:
        task.description = REMOVED
        task.save(update_fields=["description"])
    counts["tasks"] = len(tasks)
    return counts


def matching_eraser(membership, placeholder: str) -> dict:
    from matching.models import MentorshipRequest

    requests = list(MentorshipRequest.objects.filter(mentee=membership))
    for request in requests:
        request.message = REMOVED
        request.save(update_fields=["message"])
    return {"requests": len(requests)}


def agreements_eraser(membership, placeholder: str) -> dict:
    from agreements.models import Agreement, MentorshipDocument, Signature, SigningConsent, YearlyReview

    now = timezone.now()
    counts = {}
    counts["agreements_redacted"] = Agreement.objects.filter(mentorship__mentor=membership).update(
        mentor_name=REDACTED, redacted_at=now
    ) + Agreement.objects.filter(mentorship__mentee=membership).update(mentee_name=REDACTED, redacted_at=now)
    counts["signatures"] = Signature.objects.filter(signer=membership).update(
        typed_name=REDACTED, ip_address=None, user_agent=""
    )
    SigningConsent.objects.filter(membership=membership).update(ip_address=None, user_agent="")
    documents = list(MentorshipDocument.objects.filter(uploaded_by=membership))
    counts["documents"] = _delete_files(documents, "file")
    MentorshipDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    reviews = list(YearlyReview.objects.filter(Q(mentorship__mentor=membership) | Q(mentorship__mentee=membership)))
    for review in reviews:
        field = "mentor_comment" if review.mentorship.mentor_id == membership.pk else "mentee_comment"
        setattr(review, field, "")
        review.save(update_fields=[field])
    counts["reviews"] = len(reviews)
    return counts


def circles_eraser(membership, placeholder: str) -> dict:
    from circles.models import CircleAgreementSignature, CircleNote

    return {
        "circle_notes": CircleNote.objects.filter(author=membership).delete()[0],
        "circle_signatures": CircleAgreementSignature.objects.filter(member__membership=membership).update(
            typed_name=REDACTED, ip_address=None, user_agent=""
        ),
    }


def events_eraser(membership, placeholder: str) -> dict:
    from events.models import SpeedPick

    return {"speed_picks": SpeedPick.objects.filter(chooser__membership=membership).delete()[0]}


def surveys_eraser(membership, placeholder: str) -> dict:
    from surveys.models import Feedback, SurveyAnswer

    # Named responses only: their numbers stay (aggregates unchanged), their free text goes.
    answers = [a for a in SurveyAnswer.objects.filter(response__respondent=membership) if a.text]
    for answer in answers:
        answer.text = ""
        answer.save(update_fields=["text"])
    feedback = list(Feedback.objects.filter(author=membership))
    for item in feedback:
        item.text = REMOVED
        item.save(update_fields=["text"])
    return {"survey_texts": len(answers), "feedback": len(feedback)}


BUILTIN = [
    programs_eraser,
    relationships_eraser,
    matching_eraser,
    agreements_eraser,
    circles_eraser,
    events_eraser,
    surveys_eraser,
]
