"""Staff screens for money: the ledger (read-only once a row succeeded, never deleted) and the desk's pages.

The booking admin is extended from here (re-registered as a subclass), so bookings never
imports payments: its change page lists the booking's payments and refunds, the list
shows what is due and filters the unpaid and the refunds owed, and two pages take a
payment and pay a refund out. Every write goes through ``payments.services``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthedRequest
from bookings.admin import BookingAdmin
from bookings.models import Booking
from bookings.services import ADMIN, BookingError
from payments import selectors, services
from payments.forms import PayOutRefundForm, TakePaymentForm
from payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundStatus
from schedules.admin_limits import BoundedInline


class LedgerAdmin(admin.ModelAdmin):
    """Rows are written by the services only: no add, no delete, every field read-only."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):  # money rows are never deleted
        return False

    def has_change_permission(self, request, obj=None):
        """Only a pending row may be acted on (its actions); a succeeded one is a fact."""
        return super().has_change_permission(request, obj) and (obj is None or obj.status == PaymentStatus.PENDING)

    def save_model(self, request, obj, form, change) -> None:
        # Nothing on the page is editable: saving it must not write a stale copy of the row
        # over a webhook's change (the services are the only writers).
        pass

    def _each(self, request, queryset, act, done_message: str) -> None:
        done = 0
        for row in queryset:
            try:
                act(row)
                done += 1
            except BookingError as exc:
                self.message_user(request, f"{row}: {exc}", messages.WARNING)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(LedgerAdmin):
    list_display = ["created_at", "booking", "amount", "currency", "method", "status", "recorded_by"]
    list_filter = ["status", "method", "provider"]
    search_fields = ["booking__reference", "checkout_session_id", "payment_intent_id"]
    list_select_related = ["booking", "recorded_by"]
    actions = ["mark_succeeded", "mark_failed"]

    @admin.action(description=_("Mark pending payments as received"), permissions=["change"])
    def mark_succeeded(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: services.mark_payment_succeeded(payment=p, actor=request.user, meta=ADMIN),
            _("%(n)d payment(s) marked received."),
        )

    @admin.action(description=_("Mark pending payments as failed"), permissions=["change"])
    def mark_failed(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: services.mark_payment_failed(payment=p, actor=request.user, reason="marked in admin", meta=ADMIN),
            _("%(n)d payment(s) marked failed."),
        )


@admin.register(Refund)
class RefundAdmin(LedgerAdmin):
    list_display = ["created_at", "booking", "amount", "currency", "status", "method", "reason", "recorded_by"]
    list_filter = ["status", "method"]
    search_fields = ["booking__reference", "provider_refund_id"]
    list_select_related = ["booking", "recorded_by"]
    actions = ["mark_failed"]

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj) and (
            obj is None or obj.status == RefundStatus.PENDING
        )

    @admin.action(description=_("Mark refunds owed as failed (no longer owed)"), permissions=["change"])
    def mark_failed(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.mark_refund_failed(refund=r, actor=request.user, reason="marked in admin", meta=ADMIN),
            _("%(n)d refund(s) marked failed."),
        )


@admin.register(ProviderEvent)
class ProviderEventAdmin(LedgerAdmin):
    list_display = ["received_at", "provider", "type", "event_id", "processed_at"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(BoundedInline, admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "currency", "method", "status", "recorded_by", "note", "disputed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundInline(BoundedInline, admin.TabularInline):
    model = Refund
    fk_name = "booking"
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "currency", "status", "method", "reason", "recorded_by", "succeeded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MoneyFilter(admin.SimpleListFilter):
    title = _("money")
    parameter_name = "money"

    def lookups(self, request, model_admin):
        return [
            ("unpaid", _("Unpaid (balance due)")),
            ("refund_owed", _("Refund owed")),
            ("disputed", _("Payment disputed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unpaid":
            return queryset.filter(balance_due__gt=0)
        if self.value() == "refund_owed":
            return queryset.filter(amount_refund_pending__gt=0)
        if self.value() == "disputed":  # the client disputed a card payment with their bank (webhook)
            return queryset.filter(payments__disputed_at__isnull=False).distinct()
        return queryset


def _with_money_fields(fields: Sequence[Any]) -> list[Any]:
    """The booking's fields with its refund owed and the desk's money buttons after ``amount_refunded``."""
    at = list(fields).index("amount_refunded") + 1
    return [*fields[:at], "amount_refund_pending", "money_links", *fields[at:]]


admin.site.unregister(Booking)


@admin.register(Booking)
class BookingWithMoneyAdmin(BookingAdmin):
    """The booking admin plus its money: payments and refunds, what is due, and the desk's two pages."""

    list_display = [*BookingAdmin.list_display[:4], "due", *BookingAdmin.list_display[4:]]
    list_filter = [BookingAdmin.list_filter[0], MoneyFilter, *BookingAdmin.list_filter[1:]]
    readonly_fields = _with_money_fields(BookingAdmin.readonly_fields)
    fields = _with_money_fields(BookingAdmin.fields)
    inlines = [*BookingAdmin.inlines, PaymentInline, RefundInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return selectors.with_balance(super().get_queryset(request))

    @admin.display(description=_("due"), ordering="balance_due")
    def due(self, obj: Booking) -> str:
        due = getattr(obj, "balance_due", None)
        return f"{due} {obj.currency}" if due else "—"

    @admin.display(description=_("money"))
    def money_links(self, obj: Booking):
        links = [(reverse("admin:payments_take_payment", args=[obj.pk]), _("Take payment"))]
        if obj.amount_refund_pending:
            links.append((reverse("admin:payments_pay_refund", args=[obj.pk]), _("Pay out refund")))
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    def get_urls(self):
        return [
            path(
                "<int:booking_id>/take-payment/",
                self.admin_site.admin_view(self.take_payment_view),
                name="payments_take_payment",
            ),
            path(
                "<int:booking_id>/pay-refund/",
                self.admin_site.admin_view(self.pay_refund_view),
                name="payments_pay_refund",
            ),
            *super().get_urls(),
        ]

    def _booking(self, booking_id: int) -> Booking:
        return get_object_or_404(
            selectors.with_balance(
                Booking.objects.select_related("client", "class_session__class_type", "therapy_type")
            ),
            pk=booking_id,
        )

    def take_payment_view(self, request: AuthedRequest, booking_id: int) -> HttpResponse:
        """Cash, card terminal or bank transfer at the desk; the amount starts at the balance due."""
        if not request.user.has_perm(services.ADD_PAYMENT):
            return HttpResponse(status=403)
        booking = self._booking(booking_id)
        form = TakePaymentForm(request.POST or None, initial={"amount": services.due(booking)})
        if request.method == "POST" and form.is_valid():
            try:
                services.record_payment(
                    booking=booking,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                    meta=ADMIN,
                )
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(amount)s %(currency)s received for %(ref)s.")
                    % {"amount": form.cleaned_data["amount"], "currency": booking.currency, "ref": booking.reference},
                )
                return redirect("admin:bookings_booking_change", booking.pk)
        return self._money_page(request, "admin/payments/take_payment.html", _("Take payment"), booking, form)

    def pay_refund_view(self, request: AuthedRequest, booking_id: int) -> HttpResponse:
        """Mark a refund owed as paid back (cash, card terminal, bank transfer)."""
        if not request.user.has_perm(services.CHANGE_REFUND):
            return HttpResponse(status=403)
        booking = self._booking(booking_id)
        owed = booking.refunds.filter(status=RefundStatus.PENDING).order_by("created_at", "pk")
        if not owed.exists():
            messages.info(request, _("Nothing is owed back on this booking."))
            return redirect("admin:bookings_booking_change", booking.pk)
        form = PayOutRefundForm(request.POST or None, refunds=owed)
        if request.method == "POST" and form.is_valid():
            refund = form.cleaned_data["refund"]
            try:
                services.mark_refund_paid(
                    refund=refund, actor=request.user, method=form.cleaned_data["method"], meta=ADMIN
                )
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(amount)s %(currency)s paid back on %(ref)s.")
                    % {"amount": refund.amount, "currency": refund.currency, "ref": booking.reference},
                )
                return redirect("admin:bookings_booking_change", booking.pk)
        return self._money_page(request, "admin/payments/pay_refund.html", _("Pay out refund"), booking, form)

    def _money_page(self, request, template: str, title, booking: Booking, form) -> HttpResponse:
        return render(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": f"{title}: {booking.reference}",
                "booking": booking,
                "due": services.due(booking),
                "form": form,
                "opts": self.model._meta,
            },
        )


from payments import pay_admin  # noqa: E402, F401  (registers the instructors' pay rules)
