from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "safeguard.learning"
    label = "learning"
    verbose_name = "Learning from deaths under supervision"

    def ready(self):
        from safeguard.core import registry
        from safeguard.learning import closures, sections

        registry.person_sections.register(self.label, 10, sections.deceased_banner_section)
        registry.person_sections.register(self.label, 100, sections.record_death_section)
        # First of the on-death hooks: the case snapshot is taken before any of them runs.
        registry.on_death.register(self.label, 10, closures.close_work_items)
