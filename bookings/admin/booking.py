"""Staff screens for bookings: the list, the booking page and its actions. Every write calls bookings.services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.http import AuthedRequest
from bookings import exports, permissions, selectors, services
from bookings.admin.roster import RosterViews
from bookings.models import Booking, BookingEvent, TimeProposal
from bookings.transitions import Status
from config.money import format_money
from schedules.admin import SessionDateFilter
from schedules.admin_limits import BoundedInline

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class BookingEventInline(BoundedInline, admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "who", "source", "reason", "ip_address", "data")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def who(self, obj: BookingEvent) -> StrOrPromise:
        return obj.who

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TimeProposalInline(BoundedInline, admin.TabularInline):
    """Times a therapist proposed instead (read-only: proposals go through the therapy services)."""

    model = TimeProposal
    extra = 0
    can_delete = False
    fields = ("kind", "state", "starts_at", "ends_at", "message", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class StaffCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the client)"), max_length=255)
    waive_fee = forms.BooleanField(label=_("Waive the late-cancel fee"), required=False)


BEGINS = "begins"  # the booking's start, class or therapy: see selectors.with_times
START_FORMAT = "D j M Y, H:i"  # "Wed 3 Dec 2026, 18:00": short enough for the list at 1280 px


class BookingStartFilter(SessionDateFilter):
    title = _("start")
    parameter_name = "starts"
    field_name = BEGINS


class BookingChangeList(ChangeList):
    """The bookings list, its date drill-down on the start annotation.

    ``ModelAdmin.date_hierarchy`` must name a model field (admin check E127), and a
    class booking's start is its session's; so the admin leaves it unset and the list
    always drills down on ``begins`` (the setter swallows the admin's None).
    """

    @property
    def date_hierarchy(self) -> str:
        return BEGINS

    @date_hierarchy.setter
    def date_hierarchy(self, value) -> None:
        pass


@admin.register(Booking)
class BookingAdmin(RosterViews):
    list_display = ["reference", "start", "booking", "state", "amount", "checked_in"]
    list_filter = [
        BookingStartFilter,
        "status",
        "class_session__class_type",
        "class_session__location",
        "class_session__instructor",
        "therapy_type",
        "practitioner",
    ]
    search_fields = ["reference", "client__email", "client__display_name", "client__first_name", "client__last_name"]
    list_select_related = [
        "client",
        "class_session__class_type",
        "therapy_type",
        "practitioner",
    ]
    readonly_fields = [
        "reference",
        "client",
        "class_session",
        "therapy_type",
        "practitioner",
        "starts_at",
        "ends_at",
        "location",
        "room",
        "series",
        "respond_by",
        "hold_until",
        "status",
        "quantity",
        "unit_price",
        "discount",
        "tax",
        "total",
        "currency",
        "amount_paid",
        "amount_refunded",
        "fee_charged",
        "policy",
        "checked_in_at",
        "cancelled_at",
        "cancel_reason",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:3], "change_link", "note", *readonly_fields[3:]]
    readonly_fields = [*readonly_fields, "change_link"]
    inlines = [TimeProposalInline, BookingEventInline]
    actions = ["confirm", "cancel", "mark_completed", "mark_no_show", "export_csv"]

    def has_add_permission(self, request):  # bookings are made through the booking service
        return False

    def has_delete_permission(self, request, obj=None):  # never deleted (DESIGN invariant 3)
        return False

    def get_queryset(self, request: HttpRequest):
        return selectors.with_times(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs):
        return BookingChangeList

    @admin.display(description=_("starts"), ordering=BEGINS)
    def start(self, obj: Booking) -> str:
        return date_format(timezone.localtime(getattr(obj, BEGINS)), START_FORMAT)

    @admin.display(description=_("booking"), ordering="client__display_name")
    def booking(self, obj: Booking):
        """What (linked to the class roster), with whom, and for which client: one narrow column."""
        if obj.is_therapy:
            what = format_html("{} · {}", obj.kind.title, obj.practitioner.public_name if obj.practitioner else "")
        else:
            url = reverse("admin:bookings_roster", args=[obj.class_session_id])
            what = format_html('<a href="{}">{}</a>', url, obj.session.class_type.title)
        return format_html('{}<br><span class="quiet">{}</span>', what, obj.client.name)

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj: Booking) -> str:
        status = obj.get_status_display()
        return f"{status} ×{obj.quantity}" if obj.quantity > 1 else status

    @admin.display(description=_("total"), ordering="total")
    def amount(self, obj: Booking):
        return format_html(
            '{}<br><span class="quiet">{}</span>', format_money(obj.total, obj.currency), obj.payment_state
        )

    @admin.display(description=_("in"), boolean=True, ordering="checked_in_at")
    def checked_in(self, obj: Booking) -> bool:
        return obj.checked_in_at is not None

    @admin.display(description=_("change"))
    def change_link(self, obj: Booking):
        if obj.status != Status.CONFIRMED or not obj.class_session_id:
            return "—"
        url = reverse("admin:bookings_move", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Move to another date / change spots"))

    def _transition(self, request, queryset, to: str) -> None:
        done, failed = 0, []
        for booking in queryset:
            try:
                services.set_status(booking=booking, to=to, actor=request.user, meta=services.ADMIN)
                done += 1
            except services.BookingError as exc:
                failed.append(f"{booking.reference}: {exc}")
        if done:
            self.message_user(
                request, ngettext("%d booking updated.", "%d bookings updated.", done) % done, messages.SUCCESS
            )
        for line in failed:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Confirm selected bookings"), permissions=["change"])
    def confirm(self, request, queryset):
        self._transition(request, queryset, Status.CONFIRMED)

    @admin.action(description=_("Mark as attended (completed)"), permissions=["change"])
    def mark_completed(self, request, queryset):
        self._transition(request, queryset, Status.COMPLETED)

    @admin.action(description=_("Mark as no-show"), permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._transition(request, queryset, Status.NO_SHOW)

    @admin.action(description=_("Cancel selected bookings (with a reason)"), permissions=["change"])
    def cancel(self, request, queryset):
        form = StaffCancelForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return render(
                request,
                "admin/bookings/cancel_bookings.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Cancel bookings"),
                    "form": form,
                    "bookings": queryset.select_related("client", "class_session__class_type"),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        done, failed = 0, []
        for booking in queryset:
            try:
                services.cancel_booking(
                    booking=booking,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    meta=services.ADMIN,
                    waive_fee=form.cleaned_data["waive_fee"],
                )
                done += 1
            except services.BookingError as exc:
                failed.append(f"{booking.reference}: {exc}")
        self.message_user(
            request, ngettext("%d booking cancelled.", "%d bookings cancelled.", done) % done, messages.SUCCESS
        )
        for line in failed:
            self.message_user(request, line, messages.WARNING)
        return None

    def has_export_permission(self, request: AuthedRequest) -> bool:
        """The CSV action: view is not enough (see bookings.permissions.may_export)."""
        return permissions.may_export(request.user)

    @admin.action(description=_("Export selected as CSV"), permissions=["export"])
    def export_csv(self, request, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="bookings.csv"'
        exports.export_csv(actor=request.user, bookings=queryset, out=response)
        return response
