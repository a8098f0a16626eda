from django.urls import path

from safeguard.training import views

app_name = "training"
urlpatterns = [
    path("training/", views.training_page, name="training"),
    path("training/records/new/", views.training_entry, name="training_entry"),
    path("training/import/", views.training_import, name="training_import"),
]
