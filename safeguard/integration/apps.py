from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    """nDelius: HMPPS domain events (``consume_events``), the case summary contract, the bulk
    load (``import_delius``) and the local fake (``fake_delius``). See the README."""

    name = "safeguard.integration"
    label = "integration"
    verbose_name = "nDelius integration"
