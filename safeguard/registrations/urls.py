from django.urls import path

from safeguard.registrations import views

app_name = "registrations"
urlpatterns = [
    path("people/<str:crn>/registrations/add/", views.registration_add, name="add"),
    path(
        "people/<str:crn>/registrations/<int:registration_id>/review/",
        views.registration_review,
        name="review",
    ),
    path(
        "people/<str:crn>/registrations/<int:registration_id>/end/",
        views.registration_end,
        name="end",
    ),
    path("registrations/hygiene/", views.hygiene_report, name="hygiene"),
]
