from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safeguard.assessments"
    label = "assessments"
    verbose_name = "Vulnerability screens and safety plans"

    def ready(self):
        from safeguard.assessments import caseload, live_risk, rules, sections
        from safeguard.core import registry

        registry.person_sections.register(self.label, 15, live_risk.live_risk_section)
        registry.caseload_filters.register(self.label, 10, caseload.risk_to_self_filters)
        registry.caseload_columns.register(self.label, 10, caseload.RISK_TO_SELF_COLUMN)
        registry.person_sections.register(self.label, 30, sections.risk_picture_section)
        registry.work_item_rules.register(self.label, 30, rules.SCREEN_DUE)
        registry.work_item_rules.register(self.label, 40, rules.SAFETY_PLAN_REVIEW_OVERDUE)
        registry.work_item_rules.register(self.label, 41, rules.VERY_HIGH_RISK_TO_SELF)
        registry.work_item_rules.register(self.label, 42, rules.SCREEN_URGENT_ACTION)
        registry.work_item_rules.register(self.label, 43, rules.RISK_TO_SELF_NOT_KNOWN)
        registry.work_item_rules.register(self.label, 44, rules.SAFETY_PLAN_REVIEW_AFTER_DISCLOSURE)
