"""A booking's audit trail: one row per change, never edited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from bookings.models.booking import Booking


class EventSource(models.TextChoices):
    PAGE = "page", _("Web page")
    ADMIN = "admin", _("Admin")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System")


class BookingEvent(models.Model):
    """One line of a booking's history: who changed what, when, from where, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's name as it was: the account may be deleted (or erased) later, and the
    # history must still say who did it. Set with the event by the services' _log.
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '∅'} → {self.to_status}"

    @property
    def who(self) -> StrOrPromise:
        """Who did it, for the history: the account if it still exists, else the kept name."""
        if self.actor_id:
            return str(self.actor)
        if self.actor_name:
            return _("%(name)s (account deleted)") % {"name": self.actor_name}
        return _("the system")
