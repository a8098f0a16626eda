from django.urls import path

from safeguard.engagement import checkin_views, views

app_name = "engagement"
urlpatterns = [
    path("appointments/", views.appointments_overview, name="overview"),
    path("continuity/", views.continuity, name="continuity"),
    path("travel-support/", views.travel_totals, name="travel_totals"),
    path("people/<str:crn>/appointments/", views.appointments, name="appointments"),
    path("people/<str:crn>/appointments/add/", views.appointment_add, name="appointment_add"),
    path(
        "people/<str:crn>/appointments/<int:appointment_id>/move/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "people/<str:crn>/appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "people/<str:crn>/appointments/<int:appointment_id>/outcome/",
        views.appointment_outcome,
        name="appointment_outcome",
    ),
    path(
        "people/<str:crn>/appointments/<int:appointment_id>/welfare-check/",
        views.appointment_welfare,
        name="appointment_welfare",
    ),
    path("people/<str:crn>/reminders/", views.reminder_preferences, name="reminders"),
    path("people/<str:crn>/messages/", views.person_messages, name="messages"),
    path("people/<str:crn>/check-ins/", views.person_check_ins, name="check_ins"),
    path("people/<str:crn>/check-ins/<int:check_in_id>/", views.check_in_detail, name="check_in"),
    path("people/<str:crn>/travel-support/", views.person_travel, name="travel"),
    path("people/<str:crn>/safety-plan/send/", views.safety_plan_send, name="safety_plan_send"),
    path(
        "people/<str:crn>/travel-support/<int:request_id>/decide/",
        views.travel_decide,
        name="travel_decide",
    ),
    path(
        "people/<str:crn>/travel-support/<int:request_id>/paid/",
        views.travel_paid,
        name="travel_paid",
    ),
]

# The person's own pages: no sign-in, outside the "engagement" namespace so the names are
# short in templates that have no staff context.
public_urlpatterns = [
    path("check-in/sent", checkin_views.sent, name="check_in_sent"),
    path("check-in/privacy", checkin_views.privacy, name="check_in_privacy"),
    path("check-in/accessibility", checkin_views.accessibility, name="check_in_accessibility"),
    path("safety-plan/<str:token>", checkin_views.safety_plan, name="safety_plan_public"),
    path("check-in/<str:token>", checkin_views.start, name="check_in_start"),
    path("check-in/<str:token>/support", checkin_views.support, name="check_in_support"),
    path("check-in/<str:token>/check", checkin_views.check, name="check_in_check"),
    path("check-in/<str:token>/<str:step>", checkin_views.question, name="check_in_question"),
]
