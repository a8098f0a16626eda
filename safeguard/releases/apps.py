from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "safeguard.releases"
    label = "releases"
    verbose_name = "Release from custody: pre-release plans and the first days after"

    def ready(self):
        # Read and check the checklist now, so that a broken data file stops start-up.
        from safeguard.releases.catalogue import checklist

        checklist()
