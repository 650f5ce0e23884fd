"""Feedback in admin: read-only (clients give it; nobody edits what they said)."""

from django.contrib import admin

from feedback.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["booking", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["booking__reference", "comment"]
    readonly_fields = ["booking", "rating", "comment", "created_at"]
    list_select_related = ["booking"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
