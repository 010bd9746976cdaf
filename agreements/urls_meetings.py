# URL patterns under /o/<org_slug>/ for this feature; included by agreements/urls.py.
from django.urls import path

from agreements import views_meetings as views

_M = "mentorships/<int:pk>/meetings/"
_ONE = _M + "<int:meeting_pk>/"

org_urlpatterns = [
    path(_M, views.meeting_list, name="meeting_list"),
    path(_ONE, views.meeting_detail, name="meeting_detail"),
    path(_ONE + "invite.ics", views.meeting_ics, name="meeting_ics"),
    path(_ONE + "reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path(_ONE + "cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(_ONE + "agenda/", views.meeting_agenda, name="meeting_agenda"),
    path(_ONE + "log/", views.meeting_log, name="meeting_log"),
    path(_ONE + "tasks/", views.meeting_task_add, name="meeting_task_add"),
    path(_M + "tasks/<int:task_pk>/done/", views.meeting_task_done, name="meeting_task_done"),
    path(_ONE + "note/", views.meeting_note, name="meeting_note"),
]
