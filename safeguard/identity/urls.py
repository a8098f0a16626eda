from django.urls import path

from safeguard.identity import views

app_name = "identity"
urlpatterns = [
    path("sign-in/sso/", views.sso_start, name="sso_start"),
    path("sign-in/sso/callback/", views.sso_callback, name="sso_callback"),
    path("sign-in/two-factor/", views.two_factor, name="two_factor"),
    path("sign-in/two-factor/set-up/", views.two_factor_set_up, name="two_factor_set_up"),
    path("sign-in/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
