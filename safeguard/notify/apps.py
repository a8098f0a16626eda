from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "safeguard.notify"
    label = "notify"
    verbose_name = "GOV.UK Notify messages"
