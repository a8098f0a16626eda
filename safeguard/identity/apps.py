from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "safeguard.identity"
    label = "identity"
    verbose_name = "Single sign-on and second factors"
