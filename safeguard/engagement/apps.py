from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "safeguard.engagement"
    label = "engagement"
    verbose_name = "Engagement: appointments, reminders, check-ins and travel support"
