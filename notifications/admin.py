"""Staff view of the outbox: what went out, what is waiting, what failed and why."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import ChannelDefaults, Notification, OutboxStatus


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "channel", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient__email", "kind", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now (failed or waiting)"))
    def retry_now(self, request, queryset):
        count = queryset.filter(status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]).update(
            status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, claimed_at=None
        )
        self.message_user(request, _("%d message(s) queued; the next sweep sends them.") % count, messages.SUCCESS)


@admin.register(ChannelDefaults)
class ChannelDefaultsAdmin(admin.ModelAdmin):
    """One row: the channels new accounts start with."""

    list_display = ["__str__", "email", "sms", "whatsapp"]

    def has_add_permission(self, request):
        return not ChannelDefaults.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
