from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safeguard.assessments"
    label = "assessments"
    verbose_name = "Vulnerability screens and safety plans"

    def ready(self):
        from safeguard.assessments import rules, sections
        from safeguard.core import registry

        registry.person_sections.register(self.label, 30, sections.risk_picture_section)
        registry.work_item_rules.register(self.label, 30, rules.SCREEN_DUE)
        registry.work_item_rules.register(self.label, 40, rules.SAFETY_PLAN_REVIEW_OVERDUE)
