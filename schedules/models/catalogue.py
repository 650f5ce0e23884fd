"""What the studio offers in its timetable: class types and their levels."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


class Level(models.TextChoices):
    ALL = "all", _("All levels")
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class ClassType(models.Model):
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
