from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "safeguard.audits"
    label = "audits"
    verbose_name = "Case audits"
