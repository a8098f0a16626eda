from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "safeguard.notify"
    label = "notify"
    verbose_name = "GOV.UK Notify messages"

    def ready(self):
        from safeguard.core import registry
        from safeguard.notify import rules

        registry.work_item_rules.register(self.label, 160, rules.CONTACT_DETAILS_FAILED)
