from django.contrib import admin
from django.db.models import Count, Sum

from safeguard.integration.models import EventProblem, ImportRun


@admin.register(EventProblem)
class EventProblemAdmin(admin.ModelAdmin):
    """The messages ``consume_events`` could not take, counted by reason. Read-only: they wait
    on the queue for its dead-letter redrive; fix the cause, then redrive the dead-letter
    queue."""

    list_display = ("last_seen", "event_type", "reason", "detail", "times_received", "message_id")
    list_filter = ("reason", "event_type")
    readonly_fields = [f.name for f in EventProblem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        counts = (
            EventProblem.objects.values("reason")
            .annotate(messages=Count("pk"), receipts=Sum("times_received"))
            .order_by("reason")
        )
        labels = dict(EventProblem._meta.get_field("reason").choices)
        extra_context = {
            **(extra_context or {}),
            "subtitle": "; ".join(
                f"{labels.get(c['reason'], c['reason'])}: {c['messages']} messages" for c in counts
            )
            or "No problems",
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "cases",
        "allocations",
        "registrations",
        "bad_rows",
    )
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
