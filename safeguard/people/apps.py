from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "safeguard.people"
    label = "people"
    verbose_name = "People on probation"

    def ready(self):
        from safeguard.core import registry
        from safeguard.people.deaths import not_deceased
        from safeguard.people.work import urgent_work_count

        # After a death the record is closed for day-to-day work: no rule raises anything.
        registry.work_item_conditions.register(self.label, 10, not_deceased)
        registry.navigation_counts.register(self.label, 10, ("my_work", urgent_work_count))
