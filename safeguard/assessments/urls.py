from django.urls import path

from safeguard.assessments import views

app_name = "assessments"
urlpatterns = [
    path("people/<str:crn>/vulnerability-screen/", views.screen_new, name="screen_new"),
    path("people/<str:crn>/vulnerability-screen/steps/", views.screen_steps, name="screen_steps"),
    path(
        "people/<str:crn>/vulnerability-screen/steps/check/",
        views.screen_check,
        name="screen_check",
    ),
    path(
        "people/<str:crn>/vulnerability-screen/steps/<slug:domain>/",
        views.screen_step,
        name="screen_step",
    ),
    path("people/<str:crn>/vulnerability-screens/", views.screen_list, name="screen_list"),
    path(
        "people/<str:crn>/vulnerability-screens/<int:pk>/",
        views.screen_detail,
        name="screen_detail",
    ),
    path("people/<str:crn>/safety-plan/", views.safety_plan, name="safety_plan"),
    path("people/<str:crn>/safety-plan/edit/", views.safety_plan_edit, name="safety_plan_edit"),
    path("people/<str:crn>/safety-plan/pdf/", views.safety_plan_pdf, name="safety_plan_pdf"),
    path("people/<str:crn>/safety-plan/print/", views.safety_plan_print, name="safety_plan_print"),
    path(
        "people/<str:crn>/safety-plan/print/pdf/",
        views.safety_plan_print_pdf,
        name="safety_plan_print_pdf",
    ),
]
