"""How the waitlist works per class type (with the studio default), and clients with priority."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schedules.models import ClassType
from waitlist import rules


class WaitlistMode(models.TextChoices):
    OFFER = "offer", _("Offer the spot (the client accepts within the hold time)")
    AUTO_ENROLL = "auto", _("Book the first client who fits at once")


class WaitlistSettings(models.Model):
    """How a class type's waitlist works; one row is the studio default, others per class type."""

    class_type = models.OneToOneField(
        ClassType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_settings",
        verbose_name=_("class type"),
        help_text=_("Leave empty for the studio default, used by every class type without its own."),
    )
    is_enabled = models.BooleanField(_("waitlist open"), default=True)
    mode = models.CharField(_("when a spot frees up"), max_length=10, choices=WaitlistMode.choices, default="offer")
    offer_hold_minutes = models.PositiveIntegerField(
        _("offer holds the spot for (minutes)"), default=120, validators=[MinValueValidator(5)]
    )
    soon_hours = models.PositiveIntegerField(
        _("class starts soon: within (hours)"),
        default=12,
        help_text=_("Offers made this close to the start hold the spot for the shorter time below."),
    )
    soon_hold_minutes = models.PositiveIntegerField(
        _("offer holds the spot for, when the class starts soon (minutes)"),
        default=30,
        validators=[MinValueValidator(5)],
    )
    cutoff_minutes = models.PositiveIntegerField(
        _("waitlist closes (minutes before start)"),
        default=60,
        help_text=_("No offers or bookings from the waitlist after this; open offers end by then at the latest."),
    )
    max_waiting = models.PositiveIntegerField(
        _("max people waiting per class"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["class_type"], condition=Q(class_type__isnull=True), name="one_default_waitlist_settings"
            ),
            models.CheckConstraint(condition=Q(offer_hold_minutes__gte=5), name="waitlist_hold_at_least_5_min"),
        ]
        verbose_name = _("waitlist settings")
        verbose_name_plural = _("waitlist settings")

    def __str__(self) -> str:
        return str(self.class_type) if self.class_type_id else str(_("Studio default"))

    def terms(self) -> rules.HoldTerms:
        return rules.HoldTerms(
            offer_hold_minutes=self.offer_hold_minutes,
            soon_hours=self.soon_hours,
            soon_hold_minutes=self.soon_hold_minutes,
            cutoff_minutes=self.cutoff_minutes,
        )


class WaitlistPriority(models.Model):
    """A client who goes ahead of the others on every waitlist they join (members, regulars)."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="waitlist_priority",
        verbose_name=_("client"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Higher goes first; everyone else has 0. Equal priorities wait in the order they joined."),
    )
    note = models.CharField(_("why"), max_length=120, blank=True, help_text=_("e.g. member, teacher trainee"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "client__email"]
        verbose_name = _("client with waitlist priority")
        verbose_name_plural = _("clients with waitlist priority")

    def __str__(self) -> str:
        return f"{self.client} ({self.priority})"
