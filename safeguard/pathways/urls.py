from django.urls import path

from safeguard.pathways import views

app_name = "pathways"
urlpatterns = [
    path("people/<str:crn>/pathways/", views.person_pathways, name="person"),
    path("people/<str:crn>/pathways/offers/new/", views.offer_new, name="offer_new"),
    path(
        "people/<str:crn>/pathways/offers/<int:offer_id>/",
        views.offer_status,
        name="offer_status",
    ),
    path("people/<str:crn>/pathways/needs/", views.need_record, name="need_record"),
    path("people/<str:crn>/pathways/needs/<int:need_id>/end/", views.need_end, name="need_end"),
    path("people/<str:crn>/health/", views.health, name="health"),
    path("people/<str:crn>/health/attendances/new/", views.attendance_new, name="attendance_new"),
    path("people/<str:crn>/health/gp/", views.gp_status, name="gp"),
    path("people/<str:crn>/contact-reduction/", views.reduction_new, name="reduction"),
    path("people/<str:crn>/feeling-safe/", views.office_wish, name="office_wish"),
    path("insights/pathways/", views.measures, name="measures"),
    path(
        "people/<str:crn>/contact-reduction/<int:reduction_id>/decide/",
        views.reduction_decide,
        name="reduction_decide",
    ),
]
