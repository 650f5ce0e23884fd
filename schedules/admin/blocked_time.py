"""Staff screens for time the timetable cannot use: blackouts, and the occupancy table (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from schedules import selectors
from schedules.models import Blackout, Occupancy


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scope", "kind", "starts_at", "ends_at", "affected_sessions"]
    list_filter = ["scope", "kind", "location", "room", "practitioner"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"
    list_select_related = ["location", "room__location", "practitioner"]
    readonly_fields = ["affected_sessions_detail"]

    @admin.display(description=_("scheduled sessions inside"))
    def affected_sessions(self, obj: Blackout) -> str:
        count = selectors.sessions_in_blackout(blackout=obj).count()
        if not count:
            return "0"
        url = reverse("admin:schedules_classsession_changelist")
        ids = ",".join(
            str(pk) for pk in selectors.sessions_in_blackout(blackout=obj).values_list("pk", flat=True)[:200]
        )
        return format_html('<a href="{}?id__in={}&status__exact=scheduled">{} — review and cancel</a>', url, ids, count)

    @admin.display(description=_("sessions to review"))
    def affected_sessions_detail(self, obj: Blackout) -> str:
        if not obj.pk:
            return "—"
        return self.affected_sessions(obj)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    """Read-only view of the table the exclusion constraints guard."""

    list_display = ["starts_at", "ends_at", "kind", "practitioner", "room", "class_session"]
    list_filter = ["kind", "practitioner", "room"]
    date_hierarchy = "starts_at"
    list_select_related = ["practitioner", "room__location", "class_session__class_type", "class_session__location"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
