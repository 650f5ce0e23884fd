"""Waitlist tables: who waits for which full class, the offers that hold a spot for them,
the studio's waitlist settings per class type, clients with priority, and the history;
and the therapy side: wishes for a free time with a therapist, and their offers.

Behaviour that writes lives in waitlist.services; the order of the queue and the
hold times are pure rules in waitlist.rules.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, EventSource
from schedules.models import ClassSession, ClassType, Practitioner, TherapyType
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


class WaitlistEvent(HistoryEvent):
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="events")
    offer = models.ForeignKey(WaitlistOffer, on_delete=models.PROTECT, null=True, blank=True, related_name="events")

    class Meta(HistoryEvent.Meta):
        verbose_name = _("waitlist event")
        verbose_name_plural = _("waitlist events")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_state or '∅'} → {self.to_state}"


# --- therapy wishes ---------------------------------------------------------------------------


class WishState(models.TextChoices):
    WAITING = "waiting", _("Waiting for a free time")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined the offer")
    LEFT = "left", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


LIVE_WISH_STATES = [WishState.WAITING.value, WishState.OFFERED.value]
WEEKDAY_DIGITS = "0123456"  # Monday is 0, as date.weekday()


class TherapyWish(models.Model):
    """A client asks to be told when a therapist (or any therapist of the type) has a free
    time of ``minutes`` on chosen days, between two wall times of the client's zone.

    The days and times are the client's own (``time_zone`` is kept with the wish, so a
    later change of profile zone does not move it). ``weekdays`` holds the digits of the
    wanted weekdays ("01234": Monday to Friday), which works on every database.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapy_wishes", verbose_name=_("client")
    )
    therapy_type = models.ForeignKey(
        TherapyType, on_delete=models.PROTECT, related_name="wishes", verbose_name=_("therapy")
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="therapy_wishes",
        verbose_name=_("therapist"),
        help_text=_("Empty: any therapist who offers this therapy."),
    )
    minutes = models.PositiveIntegerField(_("length (minutes)"))
    earliest_date = models.DateField(_("from"))
    latest_date = models.DateField(_("until"))
    weekdays = models.CharField(_("weekdays"), max_length=7, default="0123456")
    earliest_time = models.TimeField(_("not before"))
    latest_time = models.TimeField(_("over by"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher goes first."))
    state = models.CharField(_("state"), max_length=10, choices=WishState.choices, default=WishState.WAITING)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(latest_date__gte=F("earliest_date")), name="therapy_wish_dates_ordered"),
            models.CheckConstraint(condition=Q(latest_time__gt=F("earliest_time")), name="therapy_wish_times_ordered"),
            models.CheckConstraint(condition=~Q(weekdays=""), name="therapy_wish_some_weekday"),
        ]
        indexes = [
            # The handler reads the waiting wishes of a therapy type in queue order.
            models.Index(
                "therapy_type",
                models.F("priority").desc(),
                "created_at",
                "id",
                condition=Q(state="waiting"),
                name="therapy_wish_queue_idx",
            ),
            models.Index(fields=["client", "state"], name="therapy_wish_client_idx"),
        ]
        verbose_name = _("therapy wish")
        verbose_name_plural = _("therapy wishes")

    def __str__(self) -> str:
        who = str(self.practitioner) if self.practitioner_id else _("any therapist")
        return f"{self.client} · {self.therapy_type} · {who} ({self.get_state_display()})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_WISH_STATES

    def weekday_numbers(self) -> list[int]:
        return [int(d) for d in self.weekdays if d in WEEKDAY_DIGITS]

    def window(self) -> rules.WishWindow:
        return rules.WishWindow(
            earliest_date=self.earliest_date,
            latest_date=self.latest_date,
            weekdays=frozenset(self.weekday_numbers()),
            earliest_time=self.earliest_time,
            latest_time=self.latest_time,
            zone=self.zone,
        )


class TherapyWishOffer(models.Model):
    """A free time held for a wish until ``expires_at``: a pending therapy booking with firm time.

    Accepting confirms the booking; declining or expiry frees the time, which passes it
    to the next matching wish. The state is claimed with a conditional UPDATE whose row
    count says who won (the client, the expiry task, a second worker).
    """

    wish = models.ForeignKey(TherapyWish, on_delete=models.PROTECT, related_name="offers")
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="wish_offer", verbose_name=_("held booking")
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapy_wish_offers", verbose_name=_("client")
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="therapy_wish_offers", verbose_name=_("therapist")
    )
    state = models.CharField(_("state"), max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["wish"], condition=Q(state="open"), name="one_open_offer_per_therapy_wish"),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(state="open"), name="therapy_wish_offer_due_idx"),
            models.Index(fields=["practitioner", "state"], name="therapy_wish_offer_pract_idx"),
        ]
        verbose_name = _("therapy wish offer")
        verbose_name_plural = _("therapy wish offers")

    def __str__(self) -> str:
        return f"{self.client} · {self.booking_id} ({self.get_state_display()})"


class TherapyWishEvent(HistoryEvent):
    wish = models.ForeignKey(TherapyWish, on_delete=models.PROTECT, related_name="events")
    offer = models.ForeignKey(TherapyWishOffer, on_delete=models.PROTECT, null=True, blank=True, related_name="events")

    class Meta(HistoryEvent.Meta):
        verbose_name = _("therapy wish event")
        verbose_name_plural = _("therapy wish events")

    def __str__(self) -> str:
        return f"{self.wish_id}: {self.from_state or '∅'} → {self.to_state}"
