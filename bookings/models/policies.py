"""The studio's booking rules and cancellation terms, and which class or therapy type follows which."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings import policy
from schedules.models import ClassType, TherapyType


class BookingPolicy(models.Model):
    """Booking rules and cancellation terms; one is the studio default, others per class type."""

    name = models.CharField(_("name"), max_length=120)
    is_default = models.BooleanField(_("studio default"), default=False)
    booking_opens_days = models.PositiveIntegerField(_("booking opens (days ahead)"), default=30)
    cutoff_minutes = models.PositiveIntegerField(_("booking closes (minutes before start)"), default=60)
    max_party_size = models.PositiveIntegerField(
        _("max spots per booking"), default=4, validators=[MinValueValidator(1)]
    )
    max_active_per_day = models.PositiveIntegerField(_("max active bookings per client per day"), null=True, blank=True)
    max_active_per_week = models.PositiveIntegerField(
        _("max active bookings per client per week"), null=True, blank=True
    )
    late_cancel_fee = models.DecimalField(
        _("late-cancel fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    no_show_fee = models.DecimalField(
        _("no-show fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    attendance_closes_minutes = models.PositiveIntegerField(
        _("attendance closes (minutes after the end)"),
        default=60,
        help_text=_("Until then staff can still check clients in; then confirmed bookings are closed automatically."),
    )
    absent_is_no_show = models.BooleanField(
        _("not checked in counts as a no-show"),
        default=False,
        help_text=_(
            "When attendance closes, a confirmed booking nobody checked in becomes a no-show (and the no-show "
            "fee applies) instead of attended."
        ),
    )

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_booking_policy"
            ),
        ]
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")

    def __str__(self) -> str:
        return f"{self.name}{' (default)' if self.is_default else ''}"

    def terms(self) -> policy.PolicyTerms:
        """Plain terms for bookings.policy; uses prefetched tiers when present."""
        tiers = self.tiers.all() if self.pk else ()
        return policy.PolicyTerms(
            tiers=tuple(policy.Tier(t.min_hours_before, t.refund_percent) for t in tiers),
            late_cancel_fee=self.late_cancel_fee,
            no_show_fee=self.no_show_fee,
        )


class RefundTier(models.Model):
    policy = models.ForeignKey(BookingPolicy, on_delete=models.CASCADE, related_name="tiers")
    min_hours_before = models.DecimalField(
        _("cancelled at least (hours before)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )
    refund_percent = models.DecimalField(
        _("refund (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["-min_hours_before"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "min_hours_before"], name="one_tier_per_threshold"),
            models.CheckConstraint(
                condition=Q(refund_percent__gte=0, refund_percent__lte=100), name="refund_percent_range"
            ),
        ]
        verbose_name = _("refund tier")
        verbose_name_plural = _("refund tiers")

    def __str__(self) -> str:
        return f"≥ {self.min_hours_before} h: {self.refund_percent} %"


class ClassTypePolicy(models.Model):
    """Which policy applies to a class type (others use the studio default)."""

    class_type = models.OneToOneField(ClassType, on_delete=models.CASCADE, related_name="booking_policy_link")
    policy = models.ForeignKey(BookingPolicy, on_delete=models.PROTECT, related_name="class_type_links")

    class Meta:
        verbose_name = _("class type using this policy")
        verbose_name_plural = _("class types using this policy")

    def __str__(self) -> str:
        return f"{self.class_type} → {self.policy}"


class TherapyTypePolicy(models.Model):
    """Which policy applies to a therapy type (others use the studio default)."""

    therapy_type = models.OneToOneField(TherapyType, on_delete=models.CASCADE, related_name="booking_policy_link")
    policy = models.ForeignKey(BookingPolicy, on_delete=models.PROTECT, related_name="therapy_type_links")

    class Meta:
        verbose_name = _("therapy type using this policy")
        verbose_name_plural = _("therapy types using this policy")

    def __str__(self) -> str:
        return f"{self.therapy_type} → {self.policy}"
