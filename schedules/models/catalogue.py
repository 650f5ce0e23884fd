"""What the studio offers in its timetable: class types and their levels."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


class Level(models.TextChoices):
    ALL = "all", _("All levels")
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class PaymentMode(models.TextChoices):
    """How a class or therapy is paid for; online needs Stripe keys (else it is paid at the studio)."""

    FREE = "free", _("Free")
    AT_STUDIO = "at_studio", _("Pay at the studio")
    ONLINE = "online", _("Pay online (required)")
    ONLINE_OR_STUDIO = "online_or_studio", _("Pay online or at the studio")
    DEPOSIT = "deposit", _("Deposit online, rest at the studio")


class PaymentTerms(models.Model):
    """The payment mode staff choose per class type and therapy type (payments.modes reads it)."""

    payment_mode = models.CharField(
        _("payment"), max_length=20, choices=PaymentMode.choices, default=PaymentMode.AT_STUDIO
    )
    deposit_percent = models.PositiveIntegerField(
        _("deposit (percent)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("For a deposit: this share of the price online; or give a fixed amount."),
    )
    deposit_amount = models.DecimalField(
        _("deposit (fixed amount)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("For a deposit: this amount per spot online, at most the price."),
    )

    class Meta:
        abstract = True

    @property
    def mode_in_force(self) -> str:
        """The mode as it applies now: an online mode needs Stripe's keys, else it is paid at the studio."""
        online = self.payment_mode in (PaymentMode.ONLINE, PaymentMode.ONLINE_OR_STUDIO, PaymentMode.DEPOSIT)
        if online and not (settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET):
            return PaymentMode.AT_STUDIO
        return self.payment_mode

    @property
    def pays_online_only(self) -> bool:
        """A client must pay (all, or a deposit) online to book it."""
        return self.mode_in_force in (PaymentMode.ONLINE, PaymentMode.DEPOSIT)

    def clean(self) -> None:
        super().clean()
        if self.payment_mode == PaymentMode.DEPOSIT and (self.deposit_percent is None) == (self.deposit_amount is None):
            raise ValidationError({"deposit_percent": _("A deposit needs either a percent or a fixed amount.")})


class ClassType(PaymentTerms):
    """What is taught: the defaults every schedule and session of it starts from."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.ALL)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5)]
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=12, validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("price"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    tax_rate = models.ForeignKey(
        "schedules.TaxRate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tax rate"),
        help_text=_("Leave empty for the studio default."),
    )
    is_online = models.BooleanField(_("online"), default=False)
    video_link = models.URLField(
        _("video link"), blank=True, help_text=_("For online classes; shown to booked clients.")
    )
    min_participants = models.PositiveIntegerField(
        _("minimum participants"),
        null=True,
        blank=True,
        help_text=_("Below this many spots booked at the decision time, the class is cancelled automatically."),
    )
    min_decision_hours = models.PositiveIntegerField(
        _("decide minimum (hours before)"), default=3, help_text=_("When the minimum is checked.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("class type")
        verbose_name_plural = _("class types")

    def __str__(self) -> str:
        return self.title
