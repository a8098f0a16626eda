from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "safeguard.learning"
    label = "learning"
    verbose_name = "Learning from deaths under supervision; suicide-prevention training"
