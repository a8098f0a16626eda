from django.contrib import admin, messages
from django.utils import timezone

from safeguard.notify.models import Message, MessageStatus
from safeguard.notify.services import SCRUBBED, enqueue_send_task_on_commit


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: status and the reason for it, so an administrator can see why a
    message is waiting (no API key, quiet hours, the hourly limit, backoff) or why it failed."""

    list_display = (
        "reference",
        "kind",
        "channel",
        "status",
        "status_reason",
        "send_after",
        "attempts",
        "notify_status",
    )
    list_filter = ("status", "channel", "kind", "template")
    search_fields = ("reference", "=notify_id", "person__crn")
    date_hierarchy = "send_after"
    exclude = ("recipient", "personalisation")  # personal data stays out of the admin
    readonly_fields = [
        f.name for f in Message._meta.fields if f.name not in ("recipient", "personalisation")
    ]
    actions = ["queue_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Queue again now (failed or waiting messages only)")
    def queue_again(self, request, queryset):
        now = timezone.now()
        count = 0
        for message in queryset.filter(status__in=[MessageStatus.FAILED, MessageStatus.QUEUED]):
            if SCRUBBED in message.personalisation.values():
                continue  # its check-in link is gone: set up a new check-in instead
            message.status = MessageStatus.QUEUED
            message.attempts = 0
            message.send_after = now
            message.completed_at = None
            message.status_reason = "Queued again by an administrator"
            message.save()
            enqueue_send_task_on_commit(message.pk, now)
            count += 1
        self.message_user(request, f"{count} queued again", messages.SUCCESS)
