"""Promo codes and each use of one: a discount a client types in when booking."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from bookings.models.booking import Booking
from schedules.models import ClassType, TherapyType


class PromoCode(models.Model):
    """A code worth a percentage or an amount off, within a window and usage limits.

    Uses are PromoRedemption rows, counted under the code's row lock when a booking
    redeems it (bookings.services.promos), so a limit holds under simultaneous bookings.
    """

    code = models.CharField(
        _("code"), max_length=40, help_text=_("What clients type; upper and lower case are the same.")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    percent_off = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    amount_off = models.DecimalField(
        _("amount off"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(
        _("uses in all"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    max_uses_per_client = models.PositiveIntegerField(
        _("uses per client"), null=True, blank=True, default=1, help_text=_("Leave empty for no limit.")
    )
    first_booking_only = models.BooleanField(
        _("first booking only"), default=False, help_text=_("Only for clients who have never booked before.")
    )
    class_types = models.ManyToManyField(
        ClassType,
        blank=True,
        related_name="+",
        verbose_name=_("class types"),
        help_text=_("Leave both lists empty for every class and therapy."),
    )
    therapy_types = models.ManyToManyField(TherapyType, blank=True, related_name="+", verbose_name=_("therapies"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="promo_code_unique_any_case"),
            models.CheckConstraint(
                condition=Q(percent_off__isnull=False, amount_off__isnull=True)
                | Q(percent_off__isnull=True, amount_off__isnull=False),
                name="promo_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="promo_window_forward",
            ),
        ]
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")

    def __str__(self) -> str:
        return self.code


class PromoRedemption(models.Model):
    """One booking that used a code, with the discount it gave. Kept when the booking is
    cancelled: the use was made (a studio that wants it back raises the limit)."""

    promo = models.ForeignKey(PromoCode, on_delete=models.PROTECT, related_name="redemptions")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="promo_redemption")
    discount = models.DecimalField(_("discount"), max_digits=8, decimal_places=2)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["promo", "client"], name="promo_use_client_idx")]
        verbose_name = _("promo code use")
        verbose_name_plural = _("promo code uses")

    def __str__(self) -> str:
        return f"{self.promo} → {self.booking}"
