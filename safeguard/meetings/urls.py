"""Multi-agency meetings (namespace "meetings")."""

from django.urls import path

from safeguard.meetings import views

app_name = "meetings"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/attendance/", views.attendance_report, name="meeting_attendance"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path(
        "meetings/<int:meeting_id>/attendance/",
        views.meeting_record_attendance,
        name="meeting_record_attendance",
    ),
    path("meetings/<int:meeting_id>/actions/", views.meeting_add_action, name="meeting_add_action"),
    path(
        "meetings/<int:meeting_id>/actions/<int:action_id>/done/",
        views.meeting_action_done,
        name="meeting_action_done",
    ),
]
