"""The money ledger: payments, refunds, and the provider events that moved them.

Rows are facts. Once a payment or refund has succeeded its amount, currency and booking
never change and no row is ever deleted (a correction is a new row); on PostgreSQL
migration 0002's triggers refuse it even from a raw SQL edit. A booking's counters
(``amount_paid``, ``amount_refunded``, ``amount_refund_pending``) are kept in step by
``payments.services`` in the same transaction and recomputed by ``check_integrity``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking


class Method(models.TextChoices):
    ONLINE_CARD = "online_card", _("Card online")
    CASH = "cash", _("Cash")
    CARD_TERMINAL = "card_terminal", _("Card terminal")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    PASS_CREDIT = "pass_credit", _("Pass credit")


DESK_METHODS = (Method.CASH, Method.CARD_TERMINAL, Method.BANK_TRANSFER)


class Provider(models.TextChoices):
    DESK = "desk", _("Studio desk")
    STRIPE = "stripe", _("Stripe")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Owed")
    SUCCEEDED = "succeeded", _("Paid back")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    """One attempt to take money for a booking: at the desk (succeeds at once) or online."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking"))
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices, default=Provider.DESK)
    checkout_session_id = models.CharField(_("checkout session"), max_length=255, blank=True)
    payment_intent_id = models.CharField(_("payment intent"), max_length=255, blank=True)
    # The hosted page the client pays on, while the payment is pending (the "Pay now" link).
    checkout_url = models.URLField(_("checkout page"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    # The client disputed the charge with their bank: staff look at the booking.
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.SUCCEEDED) | Q(succeeded_at__isnull=False),
                name="payment_succeeded_has_time",
            ),
            models.UniqueConstraint(
                fields=["provider", "payment_intent_id"],
                condition=~Q(payment_intent_id=""),
                name="payment_intent_once",
            ),
            models.UniqueConstraint(
                fields=["provider", "checkout_session_id"],
                condition=~Q(checkout_session_id=""),
                name="payment_checkout_session_once",
            ),
        ]
        indexes = [
            models.Index(fields=["booking", "status"], name="payment_booking_status_idx"),
            # The money report reads a period's takings by day (payments.reports.queries).
            models.Index(fields=["succeeded_at"], condition=Q(status="succeeded"), name="payment_succeeded_idx"),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_method_display()}, {self.get_status_display()})"


class Refund(models.Model):
    """Money owed back on one payment: pending (owed) until paid back, then succeeded.

    ``booking`` repeats the payment's booking so the counters can be summed per booking;
    on PostgreSQL a composite foreign key (migration 0002) makes it the payment's booking.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("booking"))
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    method = models.CharField(_("paid back by"), max_length=20, choices=Method.choices, blank=True)
    provider_refund_id = models.CharField(_("provider refund"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid back by (staff)"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("paid back at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status=RefundStatus.SUCCEEDED) | Q(succeeded_at__isnull=False),
                name="refund_succeeded_has_time",
            ),
            models.UniqueConstraint(
                fields=["provider_refund_id"], condition=~Q(provider_refund_id=""), name="provider_refund_once"
            ),
        ]
        indexes = [
            models.Index(fields=["booking", "status"], name="refund_booking_status_idx"),
            models.Index(fields=["succeeded_at"], condition=Q(status="succeeded"), name="refund_succeeded_idx"),
        ]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_status_display()})"


class ProviderEvent(models.Model):
    """A provider's webhook event, stored once by its id so a second delivery changes nothing."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


ZERO = Decimal("0.00")

from payments.pay_rules import InstructorPayRule  # noqa: E402, F401  (the pay rules' table, its own module)
