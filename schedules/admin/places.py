"""Staff screens for where classes happen: locations and their rooms."""

from __future__ import annotations

from django.contrib import admin

from schedules.admin_limits import BoundedInline
from schedules.models import Location, Room


class RoomInline(BoundedInline, admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_online", "is_active"]
    list_filter = ["is_online", "is_active"]
    search_fields = ["name", "address"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "capacity", "is_active"]
    list_filter = ["location", "is_active"]
    search_fields = ["name", "location__name"]
    list_select_related = ["location"]
