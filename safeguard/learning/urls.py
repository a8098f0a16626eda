from django.urls import path

from safeguard.learning import views

app_name = "learning"
urlpatterns = [
    path("people/<str:crn>/death/", views.death_notification_new, name="death_new"),
    path("learning/", views.learning_page, name="learning"),
    path("learning/export/<str:fmt>/", views.learning_export, name="export"),
    path("learning/board-pack/", views.board_pack, name="board_pack"),
    path("learning/board-pack/pdf/", views.board_pack_pdf, name="board_pack_pdf"),
    path("learning/board-pack/xlsx/", views.board_pack_xlsx, name="board_pack_xlsx"),
    path("learning/board-pack/shared/", views.board_pack_shares, name="board_pack_shares"),
    path(
        "learning/board-pack/shared/response/",
        views.board_pack_response,
        name="board_pack_response",
    ),
    path("learning/reviews/", views.review_list, name="reviews"),
    path("learning/reviews/<int:review_id>/", views.review_detail, name="review"),
    path("learning/reviews/<int:review_id>/start/", views.review_start, name="start"),
    path("learning/reviews/<int:review_id>/move/", views.review_transition, name="transition"),
    path("learning/reviews/<int:review_id>/findings/", views.review_findings, name="findings"),
    path("learning/reviews/<int:review_id>/factors/", views.review_factor_add, name="factor_add"),
    path(
        "learning/reviews/<int:review_id>/factors/<int:factor_id>/remove/",
        views.review_factor_remove,
        name="factor_remove",
    ),
    path("learning/reviews/<int:review_id>/actions/", views.review_action_add, name="action_add"),
    path(
        "learning/reviews/<int:review_id>/actions/<int:action_id>/done/",
        views.review_action_done,
        name="action_done",
    ),
    path(
        "learning/reviews/<int:review_id>/reclassify/",
        views.review_reclassify,
        name="reclassify",
    ),
]
