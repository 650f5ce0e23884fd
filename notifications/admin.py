"""Staff view of the outbox: what went out, what is waiting, what failed and why."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from notifications import services
from notifications.models import ChannelDefaults, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "channel", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient__email", "kind", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    # The message's data (names, times, links) is for rendering it, not for reading here:
    # an outbox role sees where a message went and why it failed, never what it says.
    exclude = ["context"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "context"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows are the record of what was sent: never edited

    def has_retry_permission(self, request) -> bool:
        """Retrying sends mail to clients: the outbox's change permission, not view."""
        return request.user.has_perm(services.RETRY)

    @admin.display(description=_("error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now (failed or waiting)"), permissions=["retry"])
    def retry_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.retry_now(notification_ids=ids, actor=request.user)
        self.message_user(request, _("%d message(s) queued; the next sweep sends them.") % count, messages.SUCCESS)


@admin.register(ChannelDefaults)
class ChannelDefaultsAdmin(admin.ModelAdmin):
    """One row: the channels new accounts start with."""

    list_display = ["__str__", "email", "sms", "whatsapp"]

    def has_add_permission(self, request):
        return not ChannelDefaults.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
