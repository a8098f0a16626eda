from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "safeguard.alerts"
    label = "alerts"
    verbose_name = "Alerts about urgent work, and the duty rota"

    def ready(self):
        from safeguard.alerts import on_death, sweeps
        from safeguard.core import registry

        # Periodic: escalate what nobody acknowledged, and alert anything missed.
        registry.sweeps.register(self.label, 50, sweeps.alert_and_escalate)
        # At once: alert new urgent items as soon as a change has raised them.
        registry.after_work_refresh.register(self.label, 10, sweeps.alert_new_urgent_items)
        registry.on_death.register(self.label, 30, on_death.withdraw_alert_emails)
