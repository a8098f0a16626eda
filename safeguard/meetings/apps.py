from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "safeguard.meetings"
    label = "meetings"
    verbose_name = "Multi-agency meetings"

    def ready(self):
        from safeguard.core import registry
        from safeguard.meetings import views

        registry.person_sections.register(self.label, 70, views.meetings_section)
