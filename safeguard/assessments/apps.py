from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safeguard.assessments"
    label = "assessments"
    verbose_name = "Vulnerability screens and safety plans"
