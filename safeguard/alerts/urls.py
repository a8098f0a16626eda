from django.urls import path

from safeguard.alerts import views

app_name = "alerts"
urlpatterns = [
    path("duty-rota/", views.rota_index, name="rota"),
    path("duty-rota/teams/<int:team_id>/", views.team_rota, name="team_rota"),
    path("duty-rota/pdus/<int:pdu_id>/", views.pdu_rota, name="pdu_rota"),
    path("duty-rota/entries/<int:entry_id>/remove/", views.rota_entry_remove, name="remove"),
    path("alerts/items/<int:work_item_id>/", views.alert_item, name="item"),
    path(
        "alerts/items/<int:work_item_id>/acknowledge/",
        views.alert_acknowledge,
        name="acknowledge",
    ),
]
