from django.urls import path

from safeguard.notify import views

app_name = "notify"
urlpatterns = [
    path("notify/callbacks/delivery-status", views.delivery_status, name="delivery_status"),
]
