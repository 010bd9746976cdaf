"""The relationship's pages, mounted under /o/<org_slug>/ (the tenancy middleware scopes
them). The URL names are the ones emails and templates use."""

from django.urls import path

from mentorship.tenancy import app_urlpatterns
from relationships.views import inbound, meetings, mentorships, record, search
from relationships.views import messages as conversation

_M = "mentorships/<int:pk>/meetings/"
_ONE = _M + "<int:meeting_pk>/"
_C = "mentorships/<int:pk>/messages/"

org_urlpatterns = [
    # The coordinators' search of the organization (people, programs, relationships).
    path("search/", search.organization_search, name="organization_search"),
    path("mentorships/<int:pk>/", mentorships.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:pk>/end/", mentorships.mentorship_end, name="mentorship_end"),
    path("programs/<slug:program_slug>/mentorships/", mentorships.program_mentorships, name="program_mentorships"),
    path(
        "programs/<slug:program_slug>/mentorships/export.csv",
        mentorships.program_mentorships_csv,
        name="program_mentorships_csv",
    ),
    # Meetings: scheduling and invitations, agendas, logs, tasks, private notes.
    path(_M, meetings.meeting_list, name="meeting_list"),
    path(_ONE, meetings.meeting_detail, name="meeting_detail"),
    path(_ONE + "invite.ics", meetings.meeting_ics, name="meeting_ics"),
    path(_ONE + "reschedule/", meetings.meeting_reschedule, name="meeting_reschedule"),
    path(_ONE + "cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path(_ONE + "agenda/", meetings.meeting_agenda, name="meeting_agenda"),
    path(_ONE + "log/", meetings.meeting_log, name="meeting_log"),
    path(_ONE + "tasks/", meetings.meeting_task_add, name="meeting_task_add"),
    path(_M + "tasks/<int:task_pk>/done/", meetings.meeting_task_done, name="meeting_task_done"),
    path(_ONE + "note/", meetings.meeting_note, name="meeting_note"),
    # The pair's conversation: messages, attachments, edits and removals.
    path(_C, conversation.conversation, name="conversation"),
    path(_C + "list/", conversation.conversation_messages, name="conversation_messages"),
    path(_C + "<int:message_pk>/edit/", conversation.message_edit, name="message_edit"),
    path(_C + "<int:message_pk>/remove/", conversation.message_remove, name="message_remove"),
    path(_C + "<int:message_pk>/attachment/", conversation.message_attachment, name="message_attachment"),
    # Goals, the stage, the program's resources.
    path("mentorships/<int:pk>/goals/", record.goal_list, name="goal_list"),
    path("mentorships/<int:pk>/goals/<int:goal_pk>/", record.goal_detail, name="goal_detail"),
    path("mentorships/<int:pk>/stage/", record.stage_set, name="stage_set"),
    path("programs/<slug:program_slug>/resources/", record.program_resources, name="program_resources"),
    path(
        "programs/<slug:program_slug>/resources/edit/",
        record.program_resources_edit,
        name="program_resources_edit",
    ),
]

public_urlpatterns = [
    # Reply by email: the mail provider's webhook (404 unless REPLY_BY_EMAIL).
    path("inbound/email/", inbound.inbound_email, name="inbound_email"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns, public=public_urlpatterns)
