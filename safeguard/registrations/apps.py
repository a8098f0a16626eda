from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "safeguard.registrations"
    label = "registrations"
    verbose_name = "Registrations"

    def ready(self):
        from safeguard.core import registry
        from safeguard.registrations import rules, sections

        registry.person_sections.register(self.label, 40, sections.registrations_section)
        registry.work_item_rules.register(self.label, 10, rules.REVIEW_OVERDUE)
        registry.work_item_rules.register(self.label, 20, rules.HYGIENE_PROBLEM)
