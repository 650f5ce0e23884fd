"""Staff screens for the booking policies, their refund steps and which types follow them."""

from __future__ import annotations

from django.contrib import admin

from bookings.models import BookingPolicy, ClassTypePolicy, RefundTier, TherapyTypePolicy
from schedules.admin_limits import BoundedInline


class RefundTierInline(BoundedInline, admin.TabularInline):
    model = RefundTier
    max_num = 10  # refund steps of one policy
    extra = 1


class ClassTypePolicyInline(BoundedInline, admin.TabularInline):
    model = ClassTypePolicy
    extra = 0
    autocomplete_fields = ["class_type"]


class TherapyTypePolicyInline(BoundedInline, admin.TabularInline):
    model = TherapyTypePolicy
    extra = 0
    autocomplete_fields = ["therapy_type"]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_default",
        "booking_opens_days",
        "cutoff_minutes",
        "max_party_size",
        "late_cancel_fee",
        "no_show_fee",
        "absent_is_no_show",
    ]
    inlines = [RefundTierInline, ClassTypePolicyInline, TherapyTypePolicyInline]
