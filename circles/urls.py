"""The circles app's pages. ``org_urlpatterns`` are mounted under /o/<org_slug>/ (the tenancy
middleware scopes them)."""

from django.urls import path

from circles.views import agreement, circles, formation, record
from mentorship.tenancy import app_urlpatterns

CIRCLES = "programs/<slug:program_slug>/circles/"
CIRCLE = CIRCLES + "<int:pk>/"

org_urlpatterns = [
    path(CIRCLES, circles.circle_list, name="circle_list"),
    path(CIRCLES + "new/", circles.circle_create, name="circle_create"),
    path(CIRCLES + "choices/", formation.circle_choices, name="circle_choices"),
    path(CIRCLES + "rounds/", formation.circle_rounds, name="circle_rounds"),
    path(CIRCLES + "rounds/<int:pk>/", formation.circle_round_detail, name="circle_round_detail"),
    path(CIRCLES + "rounds/<int:pk>/action/", formation.circle_round_action, name="circle_round_action"),
    path(CIRCLES + "rounds/<int:pk>/vote/", formation.circle_round_vote, name="circle_round_vote"),
    path(CIRCLE, circles.circle_detail, name="circle_detail"),
    path(CIRCLE + "edit/", circles.circle_edit, name="circle_edit"),
    path(CIRCLE + "end/", circles.circle_end, name="circle_end"),
    path(CIRCLE + "members/add/", circles.circle_member_add, name="circle_member_add"),
    path(CIRCLE + "members/<int:place_pk>/remove/", circles.circle_member_remove, name="circle_member_remove"),
    path(
        CIRCLE + "facilitators/<int:place_pk>/replace/",
        circles.circle_facilitator_replace,
        name="circle_facilitator_replace",
    ),
    path(CIRCLE + "join/", circles.circle_join, name="circle_join"),
    path(CIRCLE + "leave/", circles.circle_leave, name="circle_leave"),
    path(CIRCLE + "agreement/", agreement.circle_agreement, name="circle_agreement"),
    path(CIRCLE + "agreement/<int:signature_pk>/pdf/", agreement.circle_agreement_pdf, name="circle_agreement_pdf"),
    # The circle's record (circles/views/record.py).
    path(CIRCLE + "meetings/new/", record.circle_meeting_new, name="circle_meeting_new"),
    path(CIRCLE + "meetings/<int:meeting_pk>/", record.circle_meeting_detail, name="circle_meeting_detail"),
    path(CIRCLE + "meetings/<int:meeting_pk>/invite.ics", record.circle_meeting_ics, name="circle_meeting_ics"),
    path(CIRCLE + "meetings/<int:meeting_pk>/move/", record.circle_meeting_move, name="circle_meeting_move"),
    path(CIRCLE + "meetings/<int:meeting_pk>/cancel/", record.circle_meeting_cancel, name="circle_meeting_cancel"),
    path(CIRCLE + "meetings/<int:meeting_pk>/rsvp/", record.circle_meeting_rsvp, name="circle_meeting_rsvp"),
    path(CIRCLE + "meetings/<int:meeting_pk>/agenda/", record.circle_meeting_agenda, name="circle_meeting_agenda"),
    path(CIRCLE + "meetings/<int:meeting_pk>/summary/", record.circle_meeting_summary, name="circle_meeting_summary"),
    path(
        CIRCLE + "meetings/<int:meeting_pk>/attendance/",
        record.circle_meeting_attendance,
        name="circle_meeting_attendance",
    ),
    path(CIRCLE + "meetings/<int:meeting_pk>/note/", record.circle_meeting_note, name="circle_meeting_note"),
    path(CIRCLE + "notes/", record.circle_notes, name="circle_notes"),
    path(CIRCLE + "notes/<int:note_pk>/edit/", record.circle_note_edit, name="circle_note_edit"),
    path(CIRCLE + "notes/<int:note_pk>/delete/", record.circle_note_delete, name="circle_note_delete"),
]

urlpatterns = app_urlpatterns(org=org_urlpatterns)
