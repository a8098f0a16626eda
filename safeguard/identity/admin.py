from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from safeguard.identity.models import SignInIdentity, SignInMapping


@admin.register(SignInMapping)
class SignInMappingAdmin(SimpleHistoryAdmin):
    """Who may sign in through single sign-on, and as what. Every change is kept (History)."""

    list_display = ("claim", "value", "role", "team", "pdu", "region", "note")
    list_filter = ("role", "claim")
    search_fields = ("value", "note")
    autocomplete_fields = ("team",)
    fieldsets = (
        (None, {"fields": ("claim", "value", "note")}),
        (
            "What it gives",
            {
                "fields": ("role", "team", "pdu", "region"),
                "description": "Practitioners and senior probation officers need a team, heads "
                "of PDU a PDU (or a team in it) and regional leads a region (or a PDU or team in "
                "it). National leads, inspectors and administrators cover the whole country.",
            },
        ),
    )


@admin.register(SignInIdentity)
class SignInIdentityAdmin(admin.ModelAdmin):
    """Accounts at the identity provider and the staff they sign in as. Delete one to make the
    next sign-in start a new account; deactivate the member of staff to stop them signing in."""

    list_display = ("staff", "issuer", "created_at", "last_signed_in_at")
    search_fields = ("staff__username", "staff__last_name")
    readonly_fields = ("issuer", "subject", "staff", "created_at", "last_signed_in_at")

    def has_add_permission(self, request):
        return False
