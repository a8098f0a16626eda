from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from safeguard.core.models import PDU, AccessLogEntry, LocalAuthority, Region, Staff, Team


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "in_post", "is_active")
    list_filter = ("role", "in_post", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        ("Role and memberships", {"fields": ("role", "teams", "pdu", "region", "in_post")}),
    )
    filter_horizontal = ("teams", "groups", "user_permissions")


admin.site.register(Region)
admin.site.register(PDU, list_display=("code", "name", "region"), list_filter=("region",))
admin.site.register(Team, list_display=("name", "pdu"), search_fields=("name",))
admin.site.register(LocalAuthority, list_display=("name", "region", "pdu"))


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only."""

    list_display = ("at", "actor", "action", "channel", "crn")
    list_filter = ("action", "channel")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
