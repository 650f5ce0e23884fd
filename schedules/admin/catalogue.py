"""Staff screens for what the studio offers: therapy types (with their lengths) and class types."""

from __future__ import annotations

from django.contrib import admin

from schedules.admin_limits import BoundedInline
from schedules.models import ClassType, TaxRate, TherapyDuration, TherapyType


class TherapyDurationInline(BoundedInline, admin.TabularInline):
    model = TherapyDuration
    max_num = 12  # lengths one therapy is offered in
    extra = 1
    min_num = 1


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    """Rates a studio changes once a year; a rate in use is protected (PROTECT) from deletion."""

    list_display = ["name", "percent", "inclusive", "is_default"]


@admin.register(TherapyType)
class TherapyTypeAdmin(admin.ModelAdmin):
    list_display = ["title", "is_online", "currency", "payment_mode", "is_active"]
    list_filter = ["is_online", "payment_mode", "is_active"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["therapists", "rooms"]
    inlines = [TherapyDurationInline]


@admin.register(ClassType)
class ClassTypeAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "level",
        "duration_minutes",
        "capacity",
        "price",
        "currency",
        "payment_mode",
        "is_online",
        "is_active",
    ]
    list_filter = ["level", "is_online", "payment_mode", "is_active"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
