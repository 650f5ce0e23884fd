"""The access log in admin: read only. No add, change or delete, for anyone (the database refuses too)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from privacy import erasure
from privacy.models import AccessLogEntry, ErasureRequest


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


class ErasureRequestForm(forms.ModelForm):
    class Meta:
        model = ErasureRequest
        fields = ["client", "reason"]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for erasing this client's account."))
        return reason

    def clean(self):
        client = self.cleaned_data.get("client")
        if client is not None and erasure.pending_erasure(client) is not None:
            raise forms.ValidationError(_("Deleting this account is already requested."))
        return self.cleaned_data


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    """Staff erase an account with a reason: the request is due at once; "Erase now" runs it."""

    list_display = ["client", "state", "requested_at", "due_at", "requested_by", "reason", "cancelled_bookings"]
    list_filter = ["state"]
    raw_id_fields = ["client"]
    actions = ["erase_now"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ErasureRequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["client", "reason"] if obj is None else [f.name for f in ErasureRequest._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [f.name for f in ErasureRequest._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            made = erasure.request_erasure(client=obj.client, actor=request.user, reason=obj.reason)
        except erasure.ErasureError as exc:
            raise PermissionDenied(str(exc)) from None
        obj.pk = made.pk  # admin's message and redirect name the row the service made

    @admin.action(description=_("Erase now"), permissions=["add"])
    def erase_now(self, request, queryset) -> None:
        done = sum(1 for row in queryset if erasure.erase(request_id=row.pk))
        self.message_user(request, _("%(n)d account(s) anonymised.") % {"n": done}, messages.SUCCESS)
