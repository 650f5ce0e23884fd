"""Tax rates the studio's prices carry: one studio default, and per class or therapy type."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TaxRate(models.Model):
    """A rate (e.g. VAT 21 %) and whether the prices staff enter include it (shown as entered)
    or have it added on top (shown as entered plus tax)."""

    name = models.CharField(_("name"), max_length=60)
    percent = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    inclusive = models.BooleanField(
        _("prices include it"), default=True, help_text=_("Untick if the tax is added on top of the prices entered.")
    )
    is_default = models.BooleanField(
        _("studio default"), default=False, help_text=_("For every class and therapy type that names no rate.")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="tax_rate_percent_range"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_tax_rate"),
        ]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")

    def __str__(self) -> str:
        how = _("included") if self.inclusive else _("added")
        return f"{self.name} ({self.percent.normalize():f} %, {how})"
