"""Staff screens for promo codes: the code's terms, and every use of it (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bookings.models import PromoCode, PromoRedemption
from schedules.admin_limits import BoundedInline


class RedemptionInline(BoundedInline, admin.TabularInline):
    """Uses are written by the booking service only, and kept."""

    model = PromoRedemption
    extra = 0
    can_delete = False
    fields = ("at", "client", "booking", "discount")
    readonly_fields = ("at", "client", "booking", "discount")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "percent_off", "amount_off", "valid_until", "used", "max_uses", "is_active"]
    list_filter = ["is_active", "first_booking_only"]
    search_fields = ["code", "description"]
    filter_horizontal = ["class_types", "therapy_types"]
    inlines = [RedemptionInline]
    fieldsets = (
        (None, {"fields": ("code", "description", "is_active")}),
        (_("Worth"), {"fields": ("percent_off", "amount_off")}),
        (_("When and how often"), {"fields": ("valid_from", "valid_until", "max_uses", "max_uses_per_client")}),
        (_("For whom and what"), {"fields": ("first_booking_only", "class_types", "therapy_types")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromoCode]:
        return super().get_queryset(request).annotate(use_count=Count("redemptions"))

    @admin.display(description=_("used"), ordering="use_count")
    def used(self, obj: PromoCode) -> int:
        return getattr(obj, "use_count", 0)

    def has_delete_permission(self, request, obj=None):
        """A used code stays (its uses point at it); an unused one may go."""
        return super().has_delete_permission(request, obj) and (obj is None or not obj.redemptions.exists())
