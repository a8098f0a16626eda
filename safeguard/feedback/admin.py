from django.contrib import admin

from safeguard.feedback.models import Office


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    """Offices are set up here: appointments booked at ``location`` are "held there"."""

    list_display = ("code", "name", "pdu", "location")
    list_filter = ("pdu__region", "pdu")
    search_fields = ("code", "name", "location")
