from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "safeguard.releases"
    label = "releases"
    verbose_name = "Release from custody: pre-release plans and the first days after"

    def ready(self):
        from safeguard.core import registry
        from safeguard.releases import rules, sections, sweeps
        from safeguard.releases.catalogue import checklist

        # Read and check the checklist now, so that a broken data file stops start-up.
        checklist()
        registry.person_sections.register(self.label, 20, sections.first_days_section)
        registry.person_sections.register(self.label, 60, sections.release_section)
        for order, rule in (
            (170, rules.PLAN_12_WEEKS),
            (180, rules.PLAN_8_WEEKS),
            (190, rules.PLAN_4_WEEKS),
            (200, rules.PLAN_1_WEEK),
            (210, rules.AT_RISK_NO_ACCOMMODATION),
            (220, rules.FIRST_14_DAYS),
        ):
            registry.work_item_rules.register(self.label, order, rule)
        # Sweeps write the rows the rules look at; opening plans comes first.
        registry.sweeps.register(self.label, 10, sweeps.open_due_release_plans)
        registry.sweeps.register(self.label, 20, sweeps.record_accommodation_at_12_weeks)
