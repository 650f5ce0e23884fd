"""The history both queues keep: who changed what, when, from where and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import EventSource


class HistoryEvent(models.Model):
    """One line of a waitlist entry's or a therapy wish's history: who changed what,
    when, from where, and why. The subclasses add what it is the history of."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's name as it was: the account may be deleted (or erased) later, and the
    # history must still say who did it. Set with the event by the services' _log.
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    @property
    def who(self) -> str:
        """Who did it, for the history: the account if it still exists, else the kept name."""
        if self.actor_id:
            return str(self.actor)
        if self.actor_name:
            return _("%(name)s (account deleted)") % {"name": self.actor_name}
        return _("the system")
