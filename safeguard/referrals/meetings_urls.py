"""Multi-agency meetings, included from safeguard/referrals/urls.py (namespace "referrals")."""

from django.urls import path

from safeguard.referrals import meetings_views as views

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
