from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "safeguard.pathways"
    label = "pathways"
    verbose_name = "Pathways: offers and take-up, health, the probation reset safeguard"

    def ready(self):
        from safeguard.core import registry
        from safeguard.pathways import rules, sections
        from safeguard.pathways.catalogue import catalogue

        # Read and check the catalogue now, so that a broken data file stops start-up.
        catalogue()
        registry.person_sections.register(self.label, 33, sections.health_section)
        registry.person_sections.register(self.label, 85, sections.pathways_section)
        registry.work_item_rules.register(self.label, 251, rules.NEED_NO_OFFER)
        registry.work_item_rules.register(self.label, 253, rules.CONTACT_REDUCTION_AWAITING)
        registry.appointment_booking_notices.register(self.label, 10, sections.booking_notice)
