from django.urls import path

from safeguard.releases import views

app_name = "releases"
urlpatterns = [
    path("releases/board/", views.board, name="board"),
    path("people/<str:crn>/release-plan/", views.plan_detail, name="plan"),
    path("people/<str:crn>/release-plan/items/<str:key>/", views.item_update, name="item"),
    path("people/<str:crn>/release/", views.release_record, name="record"),
    path(
        "people/<str:crn>/release/confirm-accommodation/",
        views.confirm_accommodation,
        name="confirm_accommodation",
    ),
    path("insights/releases/", views.measures, name="measures"),
    path("insights/releases/export.<str:fmt>", views.measures_export, name="export"),
]
