"""The owner edits each instructor's pay rule here; the statements are a report page (reports/instructor-pay/)."""

from __future__ import annotations

from django.contrib import admin

from payments.pay_rules import InstructorPayRule


@admin.register(InstructorPayRule)
class InstructorPayRuleAdmin(admin.ModelAdmin):
    list_display = ("instructor", "basis", "amount", "share_percent", "updated_at")
    list_filter = ("basis",)
    search_fields = ("instructor__public_name",)
    autocomplete_fields = ("instructor",)
