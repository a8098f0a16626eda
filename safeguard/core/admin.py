from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from django.utils.html import format_html

from safeguard.core.audit import Channel
from safeguard.core.models import (
    PDU,
    AccessLogEntry,
    ApiToken,
    LocalAuthority,
    Region,
    Staff,
    Team,
)
from safeguard.core.tokens import api_token_revoke


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "in_post", "is_active")
    list_filter = ("role", "in_post", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        (
            "Role and memberships",
            {"fields": ("role", "teams", "pdu", "region", "in_post", "staff_code")},
        ),
    )
    filter_horizontal = ("teams", "groups", "user_permissions")


admin.site.register(Region)
admin.site.register(PDU, list_display=("code", "name", "region"), list_filter=("region",))
admin.site.register(Team, list_display=("name", "code", "pdu"), search_fields=("name", "code"))
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


class TokenExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("soon", "Expires within 14 days"),
            ("later", "Expires later"),
            ("expired", "Expired"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        soon = now + ApiToken.EXPIRY_WARNING
        if self.value() == "soon":
            return queryset.filter(is_active=True, expires_at__gt=now, expires_at__lte=soon)
        if self.value() == "later":
            return queryset.filter(expires_at__gt=soon)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: who has one, what for, when it expires and was last used; revoke them here.

    New tokens are made with ``manage.py api_tokens create`` (the token is shown once there,
    never in a page or a message a browser could keep)."""

    list_display = (
        "id",
        "staff",
        "name",
        "scope",
        "created_at",
        "expires",
        "last_used_at",
        "state",
    )
    list_filter = (TokenExpiryFilter, "read_only", "is_active")
    search_fields = ("staff__username", "name")
    list_select_related = ("staff",)
    fields = (
        "staff",
        "name",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "is_active",
        "revoked_at",
    )
    readonly_fields = (
        "staff",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "is_active",
        "revoked_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays, for the record

    @admin.display(description="Scope", ordering="read_only")
    def scope(self, token):
        return "Read only" if token.read_only else "Read and write"

    @admin.display(description="State")
    def state(self, token):
        return token.state().capitalize()

    @admin.display(description="Expires", ordering="expires_at")
    def expires(self, token):
        now = timezone.now()
        when = timezone.localtime(token.expires_at).strftime("%d %b %Y %H:%M")
        if token.is_active and now < token.expires_at <= now + ApiToken.EXPIRY_WARNING:
            days = (token.expires_at - now) // timedelta(days=1)
            left = "today" if days < 1 else f"in {days} day{'s' if days != 1 else ''}"
            return format_html('<strong class="errornote">{} (expires {})</strong>', when, left)
        return when

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        revoked = sum(
            1
            for token in queryset
            if api_token_revoke(token=token, actor=request.user, channel=Channel.ADMIN)
        )
        self.message_user(request, f"{revoked} token(s) revoked", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        now = timezone.now()
        soon = ApiToken.objects.filter(
            is_active=True, expires_at__gt=now, expires_at__lte=now + ApiToken.EXPIRY_WARNING
        ).count()
        if soon and request.method == "GET":
            self.message_user(
                request,
                f"{soon} active token(s) expire within 14 days. Make new ones with "
                "`manage.py api_tokens create` before they do, then revoke the old ones.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)
