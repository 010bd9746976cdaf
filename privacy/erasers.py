"""The privacy app's own erasers, one per domain app (registered in ``PrivacyConfig.ready``).

Each anonymizes what one membership holds in its organization and returns counts by kind.
What others need stays: the other party's notes and messages, the pair's shared record
(meetings, goals, quarterly reports), signed agreements with their hashes (marked redacted),
and anonymous survey responses (not linked to the person, so never looked for)."""

import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

REMOVED = "[removed at the person's request]"
REDACTED = "Redacted at the person's request"
# A name shorter than this is never searched for in others' text ("Jo" is in "John", "Joan",
# "Jordan"...): the person's own rows have their text blanked instead.
NAME_MIN_LENGTH = 4


def delete_file_on_commit(fieldfile) -> bool:
    """Delete a stored file once the erasure's transaction commits: a later failure rolls the
    rows back and the file they name must still be there. True if there was a file."""
    if not fieldfile:
        return False
    storage, name = fieldfile.storage, fieldfile.name
    transaction.on_commit(lambda: storage.delete(name))
    return True


def _delete_files(rows, field: str) -> int:
    return sum(1 for row in rows if delete_file_on_commit(getattr(row, field)))


def name_pattern(name: str) -> re.Pattern | None:
    """Whole-word occurrences of a full name (case as written), or None for a name too short
    to tell apart from parts of other words and names."""
    name = " ".join((name or "").split())
    if len(name) < NAME_MIN_LENGTH:
        return None
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def email_pattern(email: str) -> re.Pattern | None:
    """An email address in any case, not as the tail of a longer address nor followed by more
    of a domain (``alice@x.edu`` is not in ``malice@x.edu`` nor in ``alice@x.edu.au``)."""
    email = (email or "").strip()
    if "@" not in email:
        return None
    return re.compile(rf"(?<![\w.+-]){re.escape(email)}(?!\.?[\w-])", re.IGNORECASE)


def replace_person(text: str, patterns, placeholder: str) -> str:
    for pattern in patterns:
        text = pattern.sub(placeholder, text)
    return text


def _rewrite(queryset, field: str, user, placeholder: str, own: Q | None = None) -> int:
    """Replace the person's whole name and address in ``field`` of the rows that contain them
    (the database narrows the rows, Python does the word-bounded replacement). With a name too
    short to search for, the rows matched by ``own`` (the person's own) have ``field`` blanked."""
    by_email = email_pattern(user.email)
    by_name = name_pattern(user.full_name)
    patterns = [p for p in (by_email, by_name) if p is not None]
    candidates = Q(pk__in=[])
    if by_email is not None:
        candidates |= Q(**{f"{field}__icontains": user.email.strip()})
    if by_name is not None:
        candidates |= Q(**{f"{field}__contains": " ".join(user.full_name.split())})
    changed = []
    for row in queryset.filter(candidates).only("pk", field):
        new = replace_person(getattr(row, field), patterns, placeholder)
        if new != getattr(row, field):
            setattr(row, field, new)
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, [field], batch_size=500)
    count = len(changed)
    if by_name is None and own is not None:
        count += queryset.filter(own).exclude(**{field: ""}).update(**{field: ""})
    return count


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
    counts["notification_titles"] = _rewrite(
        Notification.objects.filter(organization_id=org), "title", user, placeholder
    )
    own_events = Q(actor=user) | Q(data__membership=membership.pk)
    counts["audit_summaries"] = _rewrite(
        AuditEvent.objects.filter(organization_id=org), "summary", user, placeholder, own=own_events
    )
    counts["roster_rows"] = _erase_roster_rows(membership, user)
    return counts


def _erase_roster_rows(membership, user) -> int:
    """The person's rows in the organization's uploaded rosters (encrypted, so read here): the
    row naming their membership or their address keeps its number, nothing else. The other rows
    of the same upload are other people's and stay; the uploaded file itself is not kept."""
    from programs.models import RosterImportRow

    email = (user.email or "").strip().lower()
    changed = []
    for row in RosterImportRow.objects.filter(organization_id=membership.organization_id).only("pk", "number", "data"):
        data = row.data or {}
        values = data.get("values") or {}
        emails = {str(data.get("email") or "").strip().lower(), str(values.get("email") or "").strip().lower()}
        if data.get("membership") != membership.pk and (not email or email not in emails):
            continue
        row.data = {
            "row": data.get("row", row.number),
            "values": dict.fromkeys(values, ""),
            "email": "",
            "name": "",
            "member_status": "",
            "profile": {},
            "membership": None,
            "action": "error",
            "errors": ["Erased at the person's request."],
            "notices": [],
            "changes": [],
        }
        row.action, row.has_error = "error", True
        changed.append(row)
    RosterImportRow.objects.bulk_update(changed, ["data", "action", "has_error"], batch_size=500)
    return len(changed)


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
