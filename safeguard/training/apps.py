from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "safeguard.training"
    label = "training"
    verbose_name = "Suicide-prevention and mandatory training"

    def ready(self):
        from safeguard.core import registry
        from safeguard.training import rules, sections

        registry.person_sections.register(self.label, 90, sections.practitioner_training_section)
        registry.work_item_rules.register(self.label, 230, rules.TRAINING_DUE)
