from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "safeguard.referrals"
    label = "referrals"
    verbose_name = "Referrals, escalations and multi-agency meetings"

    def ready(self):
        from safeguard.core import registry
        from safeguard.referrals import meetings_views, rules, sections

        registry.person_sections.register(self.label, 50, sections.referrals_section)
        registry.person_sections.register(self.label, 70, meetings_views.meetings_section)
        registry.work_item_rules.register(self.label, 50, rules.REFERRAL_OVERDUE)
        registry.work_item_rules.register(self.label, 60, rules.REJECTED_WHILE_INDICATED)
        registry.work_item_rules.register(self.label, 70, rules.ESCALATION_TO_ANSWER)
        registry.work_item_rules.register(self.label, 80, rules.ESCALATION_OVERDUE)
