from django.urls import path

from safeguard.equality import views

app_name = "equality"
urlpatterns = [
    path("insights/equality/", views.equality, name="equality"),
    path("insights/equality/export.<str:fmt>", views.equality_export, name="export"),
    path("insights/equality/local-authorities/", views.local_authorities, name="local_authorities"),
    path(
        "insights/equality/local-authorities/export.<str:fmt>",
        views.local_authorities_export,
        name="local_authorities_export",
    ),
]
