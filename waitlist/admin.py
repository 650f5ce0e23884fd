"""Staff screens for the waitlist. Every write calls waitlist.services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schedules.admin_limits import BoundedInline
from waitlist import services, wishes
from waitlist.models import (
    EntryState,
    TherapyWish,
    TherapyWishEvent,
    TherapyWishOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistOffer,
    WaitlistPriority,
    WaitlistSettings,
)


@admin.register(WaitlistSettings)
class WaitlistSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "is_enabled",
        "mode",
        "offer_hold_minutes",
        "soon_hours",
        "soon_hold_minutes",
        "cutoff_minutes",
        "max_waiting",
    ]
    list_select_related = ["class_type"]
    autocomplete_fields = ["class_type"]


@admin.register(WaitlistPriority)
class WaitlistPriorityAdmin(admin.ModelAdmin):
    list_display = ["client", "priority", "note", "created_at"]
    search_fields = ["client__email", "client__display_name", "note"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]


class ReadOnlyInline(BoundedInline):
    """An inline that shows rows the services wrote: nothing added or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(ReadOnlyInline, admin.TabularInline):
    """A waitlist or wish history (both event tables have the same columns): read, never edited."""

    fields = ["at", "from_state", "to_state", "who", "source", "reason", "offer", "data"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def who(self, obj) -> str:
        return obj.who

    def has_change_permission(self, request, obj=None):
        return False


class ServiceWrittenAdmin(admin.ModelAdmin):
    """Rows only the services create, kept for their history: no add or delete in admin."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def apply_each(self, request, queryset, act, done_text) -> None:
        """Run one service call per selected row; report the count done and each refusal."""
        done = 0
        for obj in queryset:
            try:
                act(obj)
                done += 1
            except services.WaitlistError as exc:
                self.message_user(request, f"{obj}: {exc}", messages.WARNING)
        self.message_user(request, done_text(done) % done, messages.SUCCESS)


class WaitlistEventInline(HistoryInline):
    model = WaitlistEvent


class OfferInline(ReadOnlyInline, admin.StackedInline):
    model = WaitlistOffer
    fields = ["state", "quantity", "created_at", "expires_at", "decided_at", "booking"]
    readonly_fields = fields


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ServiceWrittenAdmin):
    """The queues. Filter by class to see one session's waitlist in its order."""

    list_display = ["client", "session_link", "party_size", "state", "priority", "joined_at"]
    list_filter = ["state", ("session__starts_at", admin.DateFieldListFilter), "session__class_type"]
    search_fields = ["client__email", "client__display_name", "session__class_type__title"]
    list_select_related = ["client", "session__class_type", "session__location"]
    ordering = ["session__starts_at", "session_id", "-priority", "joined_at", "pk"]
    fields = ["client", "session", "party_size", "priority", "state", "joined_at", "updated_at"]
    readonly_fields = ["client", "session", "party_size", "state", "joined_at", "updated_at"]
    inlines = [OfferInline, WaitlistEventInline]
    actions = ["promote", "remove"]

    @admin.display(description=_("class"), ordering="session__starts_at")
    def session_link(self, obj: WaitlistEntry):
        url = reverse("admin:bookings_roster", args=[obj.session_id])
        return format_html('<a href="{}#waitlist">{}</a>', url, obj.session)

    @admin.action(description=_("Move to the top of the waitlist"), permissions=["change"])
    def promote(self, request, queryset):
        for entry in queryset.filter(state=EntryState.WAITING):
            self._promote(request, entry)

    @admin.action(description=_("Remove from the waitlist"), permissions=["change"])
    def remove(self, request, queryset):
        self.apply_each(
            request,
            queryset,
            lambda entry: services.remove_entry(entry=entry, actor=request.user),
            lambda n: ngettext("%d entry removed.", "%d entries removed.", n),
        )

    def _promote(self, request, entry: WaitlistEntry) -> None:
        try:
            promoted = services.promote_entry(entry=entry, actor=request.user)
        except services.WaitlistError as exc:
            self.message_user(request, f"{entry}: {exc}", messages.WARNING)
            return
        self.message_user(request, _("%s moved to the top.") % entry.client, messages.SUCCESS)
        for p in promoted:
            what = _("booked") if p.offer is None else _("offered a spot")
            self.message_user(request, f"{p.entry.client}: {what}", messages.SUCCESS)

    # --- buttons on the roster ------------------------------------------------------------

    def get_urls(self):
        return [
            path("<int:entry_id>/promote/", self.admin_site.admin_view(self.promote_view), name="waitlist_promote"),
            path("<int:entry_id>/remove/", self.admin_site.admin_view(self.remove_view), name="waitlist_remove"),
            *super().get_urls(),
        ]

    def _roster(self, entry: WaitlistEntry) -> HttpResponse:
        return redirect(reverse("admin:bookings_roster", args=[entry.session_id]) + "#waitlist")

    def promote_view(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        entry = get_object_or_404(WaitlistEntry.objects.select_related("client"), pk=entry_id)
        self._promote(request, entry)
        return self._roster(entry)

    def remove_view(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        entry = get_object_or_404(WaitlistEntry.objects.select_related("client"), pk=entry_id)
        try:
            services.remove_entry(entry=entry, actor=request.user)
        except services.WaitlistError as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, _("%s removed from the waitlist.") % entry.client)
        return self._roster(entry)

    def save_model(self, request, obj: WaitlistEntry, form, change: bool) -> None:
        """Only the priority is editable here; the change is written to the history."""
        if change and "priority" in form.changed_data:
            services.set_priority(entry=obj, priority=obj.priority, actor=request.user)


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(ServiceWrittenAdmin):
    list_display = ["client", "session", "quantity", "state", "created_at", "expires_at", "decided_at", "booking"]
    list_filter = ["state", ("expires_at", admin.DateFieldListFilter)]
    search_fields = ["client__email", "client__display_name", "booking__reference"]
    list_select_related = ["client", "session__class_type", "session__location", "booking"]
    readonly_fields = [
        "entry",
        "booking",
        "session",
        "client",
        "quantity",
        "state",
        "created_at",
        "expires_at",
        "decided_at",
    ]


# --- therapy wishes ---------------------------------------------------------------------------


class TherapyWishEventInline(HistoryInline):
    model = TherapyWishEvent


class TherapyWishOfferInline(ReadOnlyInline, admin.TabularInline):
    model = TherapyWishOffer
    fields = ["state", "practitioner", "booking", "created_at", "expires_at", "decided_at"]
    readonly_fields = fields


@admin.register(TherapyWish)
class TherapyWishAdmin(ServiceWrittenAdmin):
    """Clients waiting for a therapy time, in the order they are offered one."""

    list_display = [
        "client",
        "therapy_type",
        "practitioner",
        "minutes",
        "earliest_date",
        "latest_date",
        "hours",
        "priority",
        "state",
        "created_at",
    ]
    list_filter = ["state", "therapy_type", "practitioner"]
    search_fields = ["client__email", "client__display_name", "therapy_type__title"]
    list_select_related = ["client", "therapy_type", "practitioner"]
    ordering = ["-priority", "created_at", "pk"]
    readonly_fields = [
        "client",
        "therapy_type",
        "practitioner",
        "minutes",
        "earliest_date",
        "latest_date",
        "weekdays",
        "earliest_time",
        "latest_time",
        "time_zone",
        "priority",
        "state",
        "created_at",
    ]
    inlines = [TherapyWishOfferInline, TherapyWishEventInline]
    actions = ["withdraw"]

    @admin.display(description=_("hours"))
    def hours(self, obj: TherapyWish) -> str:
        return f"{obj.earliest_time:%H:%M}–{obj.latest_time:%H:%M} ({obj.time_zone})"

    @admin.action(description=_("Withdraw (an open offer is declined and its time passes on)"), permissions=["change"])
    def withdraw(self, request, queryset):
        self.apply_each(
            request,
            queryset,
            lambda wish: wishes.withdraw_wish(wish=wish, actor=request.user, meta=services.ADMIN),
            lambda n: ngettext("%d wish withdrawn.", "%d wishes withdrawn.", n),
        )


@admin.register(TherapyWishOffer)
class TherapyWishOfferAdmin(ServiceWrittenAdmin):
    list_display = ["client", "practitioner", "booking", "state", "created_at", "expires_at", "decided_at"]
    list_filter = ["state", ("expires_at", admin.DateFieldListFilter)]
    search_fields = ["client__email", "client__display_name", "booking__reference"]
    list_select_related = ["client", "practitioner", "booking"]
    readonly_fields = ["wish", "booking", "client", "practitioner", "state", "created_at", "expires_at", "decided_at"]
