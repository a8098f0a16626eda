from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "safeguard.referrals"
    label = "referrals"
    verbose_name = "Referrals and escalations"

    def ready(self):
        from safeguard.core import registry
        from safeguard.referrals import rules, sections, sweeps

        registry.person_sections.register(self.label, 50, sections.referrals_section)
        registry.work_item_rules.register(self.label, 45, rules.READY_TO_SEND)
        registry.work_item_rules.register(self.label, 46, rules.NOT_SENT)
        registry.work_item_rules.register(self.label, 50, rules.REFERRAL_OVERDUE)
        registry.work_item_rules.register(self.label, 60, rules.REJECTED_WHILE_INDICATED)
        registry.work_item_rules.register(self.label, 70, rules.ESCALATION_TO_ANSWER)
        registry.work_item_rules.register(self.label, 80, rules.ESCALATION_OVERDUE)
        # Before the rules, so that the same scan gives the new level's holder their item.
        registry.sweeps.register(self.label, 60, sweeps.escalate_past_target)
