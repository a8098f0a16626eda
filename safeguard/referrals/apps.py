from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "safeguard.referrals"
    label = "referrals"
    verbose_name = "Referrals, escalations and multi-agency meetings"
