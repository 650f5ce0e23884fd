"""Times a therapist proposes instead of the one asked for, accepted by the client with a click."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ProposalKind(models.TextChoices):
    ALTERNATIVE = "alternative", _("Alternative to a request")
    NEW_TIME = "new_time", _("New time for a confirmed session")


class ProposalState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TimeProposal(models.Model):
    """A time the therapist offers instead: the client accepts one with a click.

    Not a hold: the time is checked again when accepted, and the first of the
    booking's proposals accepted (a conditional update on ``state``) wins.
    """

    booking = models.ForeignKey("Booking", on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=12, choices=ProposalKind.choices)
    state = models.CharField(max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    message = models.CharField(_("message"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="proposal_ends_after_start"),
        ]
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.starts_at:%Y-%m-%d %H:%M} ({self.state})"
