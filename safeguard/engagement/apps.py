from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "safeguard.engagement"
    label = "engagement"
    verbose_name = "Engagement: appointments, reminders, check-ins and travel support"

    def ready(self):
        from safeguard.core import registry
        from safeguard.engagement import on_death, rules, sections, sweeps

        registry.person_sections.register(self.label, 80, sections.engagement_section)
        for order, rule in (
            (90, rules.MISSED_APPOINTMENT_WELFARE),
            (100, rules.APPOINTMENTS_MOVED_TOO_OFTEN),
            (110, rules.CHECK_IN_SELF_HARM),
            (120, rules.CHECK_IN_SELF_HARM_DUTY),
            (130, rules.CHECK_IN_CALL_BACK),
            (140, rules.CHECK_IN_MISSED),
            (150, rules.HANDOVER_AFTER_REALLOCATION),
        ):
            registry.work_item_rules.register(self.label, order, rule)
        registry.sweeps.register(self.label, 30, sweeps.send_due_check_ins)
        registry.sweeps.register(self.label, 40, sweeps.send_due_summaries)
        registry.on_death.register(self.label, 20, on_death.withdraw_reminders_and_check_ins)
