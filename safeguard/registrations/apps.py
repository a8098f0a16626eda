from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "safeguard.registrations"
    label = "registrations"
    verbose_name = "Registrations"
