"""The queue for full classes: who waits for which session, and the offers that hold a spot."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from schedules.models import ClassSession
from waitlist.models.history import HistoryEvent


class EntryState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a spot")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined the offer")
    EXPIRED = "expired", _("Let the offer expire")
    LEFT = "left", _("Left the waitlist")
    REMOVED = "removed", _("Removed by the studio")
    CLOSED = "closed", _("Closed (class started or cancelled)")


LIVE_STATES = [EntryState.WAITING.value, EntryState.OFFERED.value]


class WaitlistEntry(models.Model):
    """A client's place in the queue of one class session, for a party of ``party_size``.

    The queue's order is priority (higher first), then the time they joined.
    """

    session = models.ForeignKey(
        ClassSession, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name=_("class")
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name=_("client")
    )
    party_size = models.PositiveIntegerField(_("spots wanted"), default=1, validators=[MinValueValidator(1)])
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher goes first."))
    state = models.CharField(_("state"), max_length=10, choices=EntryState.choices, default=EntryState.WAITING)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client"],
                condition=Q(state__in=LIVE_STATES),
                name="one_live_waitlist_entry_per_client_and_class",
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="waitlist_party_positive"),
        ]
        indexes = [
            # The queue of one session, in its order: processing reads its head only.
            models.Index(
                "session",
                models.F("priority").desc(),
                "joined_at",
                "id",
                condition=Q(state="waiting"),
                name="waitlist_queue_idx",
            ),
            models.Index(fields=["client", "state"], name="waitlist_client_state_idx"),
        ]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")

    def __str__(self) -> str:
        return f"{self.client} · {self.session_id} ({self.get_state_display()})"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class OfferState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Withdrawn")


class WaitlistOffer(models.Model):
    """A spot held for a waiting client until ``expires_at``: a pending booking.

    Accepting confirms the booking; declining or expiry releases its spots, which
    passes them to the next one in the queue. The state is claimed with a
    conditional UPDATE (open -> something) whose row count says who won: the
    client's accept, the expiry task or a second worker.
    """

    entry = models.OneToOneField(WaitlistEntry, on_delete=models.PROTECT, related_name="offer")
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="waitlist_offer", verbose_name=_("held booking")
    )
    session = models.ForeignKey(
        ClassSession, on_delete=models.PROTECT, related_name="waitlist_offers", verbose_name=_("class")
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_offers", verbose_name=_("client")
    )
    quantity = models.PositiveIntegerField(_("spots"))
    state = models.CharField(_("state"), max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(state="open"), name="waitlist_offer_due_idx"),
            models.Index(fields=["session", "state"], name="waitlist_offer_session_idx"),
        ]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")

    def __str__(self) -> str:
        return f"{self.client} · {self.session_id} ({self.get_state_display()})"


class WaitlistEvent(HistoryEvent):
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="events")
    offer = models.ForeignKey(WaitlistOffer, on_delete=models.PROTECT, null=True, blank=True, related_name="events")

    class Meta(HistoryEvent.Meta):
        verbose_name = _("waitlist event")
        verbose_name_plural = _("waitlist events")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_state or '∅'} → {self.to_state}"
