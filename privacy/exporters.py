"""The privacy app's own parts of a person's export, one per domain app (registered in
``PrivacyConfig.ready``). Each reads with ``scopes_disabled`` (the export spans the
person's organizations) a bounded number of queries, whatever the history's size.

What is left out on purpose: the other party's private notes; anonymous survey responses
(nothing links them to the person, and the export does not try); coordinators' notes
about the person (proposals' notes, removal reasons), which are the program office's; the
summaries of the audit events the person acted in (they name the members acted on: only the
action's code, organization and time are exported)."""

import os

from django.db.models import Q

from privacy.registry import ExportPart
from programs.services.profiles import EDITABLE_FIELDS as PROFILE_FIELDS


def _iso(value):
    return value.isoformat() if value is not None else None


def _reader(fieldfile):
    """Opens the stored file when the ZIP gets to it (the ZIP copies it in chunks)."""
    storage, name = fieldfile.storage, fieldfile.name

    def read():
        return storage.open(name, "rb")

    return read


def _ext(name: str, default: str = ".bin") -> str:
    ext = os.path.splitext(name or "")[1].lower()
    return ext if ext and len(ext) <= 8 and ext[1:].isalnum() else default


def account_part(user, memberships) -> ExportPart:
    from programs.models import Application, AuditEvent, Notification, Profile

    part = ExportPart()
    part.add(
        "account",
        {
            "organization": None,
            "full_name": user.full_name,
            "email": user.email,
            "time_zone": user.time_zone,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
    )
    slugs = {m.pk: m.organization.slug for m in memberships}
    for m in memberships:
        part.add(
            "memberships",
            {
                "organization": m.organization.slug,
                "organization_name": m.organization.name,
                "member_status": m.status,
                "coordinator": m.is_coordinator,
                "committee": m.is_committee,
                "active": m.is_active,
                "joined_at": _iso(m.joined_at),
            },
        )
    for p in Profile.objects.filter(membership__in=slugs):
        org = slugs[p.membership_id]
        row = {"organization": org}
        for name in PROFILE_FIELDS:
            row[name] = getattr(p, name)
        row["cv"] = f"files/{org}/profile/cv-{p.pk}.pdf" if p.cv else ""
        part.add("profile", row)
        if p.cv:
            part.files.append((row["cv"], _reader(p.cv)))
    for a in Application.objects.filter(membership__in=slugs).select_related("program").order_by("pk"):
        part.add(
            "applications",
            {
                "organization": slugs[a.membership_id],
                "program": a.program.name,
                "role": a.role,
                "status": a.status,
                "goals_statement": a.goals_statement,
                "preferences": a.preferences,
                "meeting_modes": a.meeting_modes,
                "capacity": a.capacity,
                "decision_message": a.decision_message,
                "submitted_at": _iso(a.submitted_at),
                "decided_at": _iso(a.decided_at),
                "created_at": _iso(a.created_at),
            },
        )
    for n in Notification.objects.filter(recipient__in=slugs).order_by("pk"):
        part.add(
            "notifications",
            {
                "organization": slugs[n.recipient_id],
                "title": n.title,
                "kind": n.kind,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            },
        )
    org_slugs = {m.organization_id: m.organization.slug for m in memberships}
    # What they did, not whom to: a summary (and the data) names the other members a
    # coordinator acted on, and those are not the person's data.
    for e in AuditEvent.objects.filter(actor=user).only("organization_id", "action", "created_at").order_by("pk"):
        part.add(
            "audit_events",
            {"organization": org_slugs.get(e.organization_id), "action": e.action, "at": _iso(e.created_at)},
        )
    return part


def relationships_part(user, memberships) -> ExportPart:
    from relationships.models import FollowUpTask, Goal, GoalNote, Meeting, Mentorship, Message, PrivateNote

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    pairs = {
        pair.pk: pair
        for pair in Mentorship.objects.filter(Q(mentor__in=mine) | Q(mentee__in=mine)).select_related(
            "program", "mentor__user", "mentee__user"
        )
    }
    for pair in pairs.values():
        me_mentor = pair.mentor_id in mine
        other = pair.mentee if me_mentor else pair.mentor
        part.add(
            "relationships",
            {
                "organization": mine[pair.mentor_id if me_mentor else pair.mentee_id],
                "id": pair.pk,
                "program": pair.program.name,
                "my_role": "mentor" if me_mentor else "mentee",
                "other_party": other.user.full_name,
                "status": pair.status,
                "stage": pair.stage,
                "started_on": _iso(pair.started_on),
                "ended_at": _iso(pair.ended_at),
                "end_reason": pair.end_reason,
            },
        )

    def org_of(pair_id):
        pair = pairs[pair_id]
        return mine.get(pair.mentor_id) or mine.get(pair.mentee_id)

    for meeting in Meeting.objects.filter(mentorship__in=pairs).order_by("starts_at", "pk"):
        part.add(
            "meetings",
            {
                "organization": org_of(meeting.mentorship_id),
                "relationship": meeting.mentorship_id,
                "starts_at": _iso(meeting.starts_at),
                "duration_minutes": meeting.duration_minutes,
                "mode": meeting.mode,
                "status": meeting.status,
                "location": meeting.location,
                "agenda_i_wrote": meeting.agenda if meeting.agenda_by_id in mine else "",
                "summary_i_logged": meeting.summary if meeting.logged_by_id in mine else "",
            },
        )
    for note in PrivateNote.objects.filter(author__in=mine).select_related("meeting").order_by("pk"):
        part.add(
            "private_notes",
            {
                "organization": mine[note.author_id],
                "relationship": note.meeting.mentorship_id,
                "meeting_starts_at": _iso(note.meeting.starts_at),
                "text": note.text,
                "updated_at": _iso(note.updated_at),
            },
        )
    for message in (
        Message.objects.filter(conversation__mentorship__in=pairs)
        .select_related("conversation")
        .order_by("created_at", "pk")
    ):
        org = org_of(message.conversation.mentorship_id)
        written = message.author_id in mine
        attachment = ""
        if message.attachment and written and not message.removed_at:
            attachment = f"files/{org}/messages/{message.pk}{_ext(message.attachment_name)}"
            part.files.append((attachment, _reader(message.attachment)))
        part.add(
            "messages",
            {
                "organization": org,
                "relationship": message.conversation.mentorship_id,
                "from": "me" if written else "the other party",
                "body": "" if message.removed_at else message.body,
                "attachment": attachment,
                "attachment_name": message.attachment_name if written else "",
                "created_at": _iso(message.created_at),
                "removed_at": _iso(message.removed_at),
            },
        )
    for goal in Goal.objects.filter(mentorship__in=pairs).order_by("pk"):
        part.add(
            "goals",
            {
                "organization": org_of(goal.mentorship_id),
                "relationship": goal.mentorship_id,
                "title": goal.title,
                "status": goal.status,
                "target_on": _iso(goal.target_on),
                "achieved_on": _iso(goal.achieved_on),
            },
        )
    for note in GoalNote.objects.filter(author__in=mine).select_related("goal").order_by("pk"):
        part.add(
            "goal_notes",
            {
                "organization": mine[note.author_id],
                "relationship": note.goal.mentorship_id,
                "text": note.text,
                "at": _iso(note.created_at),
            },
        )
    for task in FollowUpTask.objects.filter(Q(owner__in=mine) | Q(created_by__in=mine)).order_by("pk"):
        part.add(
            "tasks",
            {
                "organization": org_of(task.mentorship_id),
                "relationship": task.mentorship_id,
                "description": task.description,
                "mine": task.owner_id in mine,
                "due_on": _iso(task.due_on),
                "done_at": _iso(task.done_at),
            },
        )
    return part


def matching_part(user, memberships) -> ExportPart:
    from matching.models import MentorshipRequest

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    for r in MentorshipRequest.objects.filter(mentee__in=mine).select_related("program").order_by("pk"):
        part.add(
            "requests",
            {
                "organization": mine[r.mentee_id],
                "program": r.program.name,
                "message": r.message,
                "status": r.status,
                "created_at": _iso(r.created_at),
            },
        )
    return part


def agreements_part(user, memberships) -> ExportPart:
    from agreements.models import Agreement, MentorshipDocument, Signature, YearlyReview

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    pair_filter = Q(mentorship__mentor__in=mine) | Q(mentorship__mentee__in=mine)
    signed = set(Signature.objects.filter(signer__in=mine).values_list("agreement_id", flat=True))
    for agreement in Agreement.objects.filter(pair_filter).select_related("mentorship").order_by("pk"):
        pair = agreement.mentorship
        org = mine.get(pair.mentor_id) or mine.get(pair.mentee_id)
        pdf = ""
        if agreement.pdf and agreement.pk in signed:
            pdf = f"files/{org}/agreements/agreement-{agreement.pk}-v{agreement.version}.pdf"
            part.files.append((pdf, _reader(agreement.pdf)))
        part.add(
            "agreements",
            {
                "organization": org,
                "relationship": pair.pk,
                "title": agreement.title,
                "version": agreement.version,
                "status": agreement.status,
                "content": agreement.content,
                "content_hash": agreement.content_hash,
                "signed_at": _iso(agreement.signed_at),
                "sealed_pdf": pdf,
                "sealed_pdf_sha256": agreement.pdf_sha256,
                "i_signed": agreement.pk in signed,
            },
        )
    for doc in MentorshipDocument.objects.filter(uploaded_by__in=mine).order_by("pk"):
        org = mine[doc.uploaded_by_id]
        name = f"files/{org}/documents/document-{doc.pk}{_ext(doc.file.name, '.pdf')}"
        part.files.append((name, _reader(doc.file)))
        part.add(
            "documents",
            {
                "organization": org,
                "relationship": doc.mentorship_id,
                "kind": doc.kind,
                "file": name,
                "uploaded_at": _iso(doc.uploaded_at),
            },
        )
    for review in YearlyReview.objects.filter(pair_filter).select_related("mentorship").order_by("pk"):
        role = "mentor" if review.mentorship.mentor_id in mine else "mentee"
        part.add(
            "yearly_reviews",
            {
                "organization": mine[getattr(review.mentorship, f"{role}_id")],
                "relationship": review.mentorship_id,
                "due_on": _iso(review.due_on),
                "my_answer": getattr(review, f"{role}_answer"),
                "my_comment": getattr(review, f"{role}_comment"),
                "outcome": review.outcome,
            },
        )
    return part


def circles_part(user, memberships) -> ExportPart:
    from circles.models import CircleAgreementSignature, CircleMember, CircleNote

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    for place in CircleMember.objects.filter(membership__in=mine).select_related("circle").order_by("pk"):
        part.add(
            "circle_memberships",
            {
                "organization": mine[place.membership_id],
                "circle": place.circle.name,
                "role": place.role,
                "status": place.status,
                "joined_at": _iso(place.joined_at),
                "left_at": _iso(place.left_at),
            },
        )
    for note in CircleNote.objects.filter(author__in=mine).select_related("circle").order_by("pk"):
        part.add(
            "circle_notes",
            {
                "organization": mine[note.author_id],
                "circle": note.circle.name,
                "text": note.text,
                "at": _iso(note.created_at),
            },
        )
    for sig in CircleAgreementSignature.objects.filter(member__membership__in=mine).select_related("member"):
        org = mine[sig.member.membership_id]
        pdf = ""
        if sig.pdf:
            pdf = f"files/{org}/circles/circle-agreement-{sig.pk}.pdf"
            part.files.append((pdf, _reader(sig.pdf)))
        part.add("circle_agreements", {"organization": org, "signed_at": _iso(sig.signed_at), "sealed_pdf": pdf})
    return part


def events_part(user, memberships) -> ExportPart:
    from events.models import SpeedParticipant, SpeedPick

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    for p in SpeedParticipant.objects.filter(membership__in=mine).select_related("event").order_by("pk"):
        part.add(
            "speed_events",
            {
                "organization": mine[p.membership_id],
                "event": p.event.name,
                "role": p.role,
                "starts_at": _iso(p.event.starts_at),
                "checked_in_at": _iso(p.checked_in_at),
            },
        )
    picks = SpeedPick.objects.filter(chooser__membership__in=mine).select_related(
        "event", "chooser", "chosen__membership__user"
    )
    for pick in picks.order_by("pk"):
        part.add(
            "speed_picks",
            {
                "organization": mine[pick.chooser.membership_id],
                "event": pick.event.name,
                "picked": pick.chosen.membership.user.full_name,
                "at": _iso(pick.created_at),
            },
        )
    return part


def surveys_part(user, memberships) -> ExportPart:
    from surveys.models import Feedback, QuarterlyReport, SurveyAnswer

    part = ExportPart()
    mine = {m.pk: m.organization.slug for m in memberships}
    # Named responses only: an anonymous one has no respondent and is not looked for.
    answers = (
        SurveyAnswer.objects.filter(response__respondent__in=mine, response__survey__anonymous=False)
        .select_related("response__survey", "question")
        .order_by("response__submitted_on", "question__position")
    )
    for a in answers:
        part.add(
            "survey_answers",
            {
                "organization": mine[a.response.respondent_id],
                "survey": a.response.survey.title,
                "submitted_on": _iso(a.response.submitted_on),
                "question": a.question.text,
                "number": a.number,
                "choices": a.choices,
                "text": a.text,
            },
        )
    pair_filter = Q(mentorship__mentor__in=mine) | Q(mentorship__mentee__in=mine)
    for r in QuarterlyReport.objects.filter(pair_filter).select_related("mentorship").order_by("pk"):
        pair = r.mentorship
        part.add(
            "quarterly_reports",
            {
                "organization": mine.get(pair.mentor_id) or mine.get(pair.mentee_id),
                "relationship": pair.pk,
                "year": r.year,
                "quarter": r.quarter,
                "goals_achieved": r.goals_achieved,
                "next_plans": r.next_plans,
                "barriers": r.barriers,
                "submitted_at": _iso(r.submitted_at),
            },
        )
    for f in Feedback.objects.filter(author__in=mine).order_by("pk"):
        part.add("feedback", {"organization": mine[f.author_id], "text": f.text, "at": _iso(f.created_at)})
    return part


BUILTIN = {
    "account": account_part,
    "relationships": relationships_part,
    "matching": matching_part,
    "agreements": agreements_part,
    "circles": circles_part,
    "events": events_part,
    "surveys": surveys_part,
}
