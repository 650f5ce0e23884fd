"""The therapy side: wishes for a free time with a therapist, and the offers that hold one."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from schedules.models import Practitioner, TherapyType
from waitlist import rules
from waitlist.models.history import HistoryEvent
from waitlist.models.queue import OfferState


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
