from django.apps import AppConfig


class EqualityConfig(AppConfig):
    name = "safeguard.equality"
    label = "equality"
    verbose_name = "Equal treatment: who is screened, registered, referred and supported"

    def ready(self):
        from safeguard.equality.catalogue import decisions

        # Read and check the catalogue now, so that a broken data file stops start-up.
        decisions()
