from django.core.management.base import BaseCommand

from safeguard.notify.catalogue import TEMPLATES


class Command(BaseCommand):
    help = "Print every Notify template Safeguard uses, to set them up in GOV.UK Notify."

    def handle(self, *args, **options):
        for template in TEMPLATES.values():
            self.stdout.write(f"== {template.name} [{template.channel}]")
            self.stdout.write(f"id: {template.id}")
            self.stdout.write(f"personalisation: {', '.join(template.fields)}")
            if template.subject:
                self.stdout.write(f"subject: {template.subject}")
            self.stdout.write(template.body)
            self.stdout.write("")
