"""How each instructor is paid for a class they teach: a fixed amount, an amount per attendee, or a share.

A small table of its own (one row per instructor, edited in admin by the owner); the
monthly statements (payments.reports.pay) apply it to the classes taught.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schedules.models import Practitioner


class PayBasis(models.TextChoices):
    PER_CLASS = "per_class", _("A fixed amount per class")
    PER_HEAD = "per_head", _("An amount per attendee")
    SHARE = "share", _("A share of the class's revenue")


class InstructorPayRule(models.Model):
    instructor = models.OneToOneField(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="pay_rule",
        limit_choices_to={"is_instructor": True},
        verbose_name=_("instructor"),
    )
    basis = models.CharField(_("paid"), max_length=10, choices=PayBasis.choices, default=PayBasis.PER_CLASS)
    amount = models.DecimalField(
        _("amount"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Per class, or per attendee (checked in or completed), in the studio's currency."),
    )
    share_percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Of what clients paid for the class, less refunds."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="pay_rule_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(share_percent__gte=0, share_percent__lte=100), name="pay_rule_share_in_range"
            ),
        ]
        verbose_name = _("instructor pay rule")
        verbose_name_plural = _("instructor pay rules")

    def __str__(self) -> str:
        return f"{self.instructor}: {self.get_basis_display()}"
