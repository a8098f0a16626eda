from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "safeguard.feedback"
    label = "feedback"
    verbose_name = "Feedback from people on probation"
