"""The access log in admin: read only. No add, change or delete, for anyone (the database refuses too)."""

from __future__ import annotations

from django.contrib import admin

from privacy.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "viewer", "client", "kind", "page", "ip_address", "reason"]
    list_filter = ["kind"]
    search_fields = ["client__email", "viewer__email", "reason"]
    list_select_related = ["viewer", "client"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLogEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
