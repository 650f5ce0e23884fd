"""Bookings, their audit trail, and the studio's booking and cancellation policies."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from bookings import policy
from bookings.transitions import ACTIVE, ACTIVE_VALUES, Status
from schedules.models import ClassSession, ClassType, Location, Occupancy, Practitioner, Room, TherapyType

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the desk


def new_reference() -> str:
    """Eight characters (32⁸ ≈ 10¹²): a studio's millions of bookings never draw the same one twice
    in practice; six characters would collide after some tens of thousands."""
    return "SH-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class BookingStatus(models.TextChoices):
    REQUESTED = Status.REQUESTED, _("Requested")
    PENDING = Status.PENDING, _("Pending")
    CONFIRMED = Status.CONFIRMED, _("Confirmed")
    DECLINED = Status.DECLINED, _("Declined")
    EXPIRED = Status.EXPIRED, _("Expired")
    CANCELLED = Status.CANCELLED, _("Cancelled")
    COMPLETED = Status.COMPLETED, _("Attended")
    NO_SHOW = Status.NO_SHOW, _("No-show")


class EventSource(models.TextChoices):
    PAGE = "page", _("Web page")
    ADMIN = "admin", _("Admin")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System")


class BookingPolicy(models.Model):
    """Booking rules and cancellation terms; one is the studio default, others per class type."""

    name = models.CharField(_("name"), max_length=120)
    is_default = models.BooleanField(_("studio default"), default=False)
    booking_opens_days = models.PositiveIntegerField(_("booking opens (days ahead)"), default=30)
    cutoff_minutes = models.PositiveIntegerField(_("booking closes (minutes before start)"), default=60)
    max_party_size = models.PositiveIntegerField(
        _("max spots per booking"), default=4, validators=[MinValueValidator(1)]
    )
    max_active_per_day = models.PositiveIntegerField(_("max active bookings per client per day"), null=True, blank=True)
    max_active_per_week = models.PositiveIntegerField(
        _("max active bookings per client per week"), null=True, blank=True
    )
    late_cancel_fee = models.DecimalField(
        _("late-cancel fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    no_show_fee = models.DecimalField(
        _("no-show fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    attendance_closes_minutes = models.PositiveIntegerField(
        _("attendance closes (minutes after the end)"),
        default=60,
        help_text=_("Until then staff can still check clients in; then confirmed bookings are closed automatically."),
    )
    absent_is_no_show = models.BooleanField(
        _("not checked in counts as a no-show"),
        default=False,
        help_text=_(
            "When attendance closes, a confirmed booking nobody checked in becomes a no-show (and the no-show "
            "fee applies) instead of attended."
        ),
    )

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_booking_policy"
            ),
        ]
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")

    def __str__(self) -> str:
        return f"{self.name}{' (default)' if self.is_default else ''}"

    def terms(self) -> policy.PolicyTerms:
        """Plain terms for bookings.policy; uses prefetched tiers when present."""
        tiers = self.tiers.all() if self.pk else ()
        return policy.PolicyTerms(
            tiers=tuple(policy.Tier(t.min_hours_before, t.refund_percent) for t in tiers),
            late_cancel_fee=self.late_cancel_fee,
            no_show_fee=self.no_show_fee,
        )


class RefundTier(models.Model):
    policy = models.ForeignKey(BookingPolicy, on_delete=models.CASCADE, related_name="tiers")
    min_hours_before = models.DecimalField(
        _("cancelled at least (hours before)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )
    refund_percent = models.DecimalField(
        _("refund (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["-min_hours_before"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "min_hours_before"], name="one_tier_per_threshold"),
            models.CheckConstraint(
                condition=Q(refund_percent__gte=0, refund_percent__lte=100), name="refund_percent_range"
            ),
        ]
        verbose_name = _("refund tier")
        verbose_name_plural = _("refund tiers")

    def __str__(self) -> str:
        return f"≥ {self.min_hours_before} h: {self.refund_percent} %"


class ClassTypePolicy(models.Model):
    """Which policy applies to a class type (others use the studio default)."""

    class_type = models.OneToOneField(ClassType, on_delete=models.CASCADE, related_name="booking_policy_link")
    policy = models.ForeignKey(BookingPolicy, on_delete=models.PROTECT, related_name="class_type_links")

    class Meta:
        verbose_name = _("class type using this policy")
        verbose_name_plural = _("class types using this policy")

    def __str__(self) -> str:
        return f"{self.class_type} → {self.policy}"


class TherapyTypePolicy(models.Model):
    """Which policy applies to a therapy type (others use the studio default)."""

    therapy_type = models.OneToOneField(TherapyType, on_delete=models.CASCADE, related_name="booking_policy_link")
    policy = models.ForeignKey(BookingPolicy, on_delete=models.PROTECT, related_name="therapy_type_links")

    class Meta:
        verbose_name = _("therapy type using this policy")
        verbose_name_plural = _("therapy types using this policy")

    def __str__(self) -> str:
        return f"{self.therapy_type} → {self.policy}"


class BookingSeries(models.Model):
    """Therapy sessions booked together at the same time every week or two.

    Each session is its own Booking; the series only links them, so one can be
    cancelled alone or "this and the rest" together.
    """

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booking_series")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="booking_series")
    therapy_type = models.ForeignKey(TherapyType, on_delete=models.PROTECT, related_name="booking_series")
    interval_weeks = models.PositiveSmallIntegerField(
        _("every (weeks)"), choices=[(1, _("every week")), (2, _("every 2 weeks"))]
    )
    count = models.PositiveSmallIntegerField(_("sessions"), validators=[MinValueValidator(2), MaxValueValidator(52)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("series of sessions")
        verbose_name_plural = _("series of sessions")

    def __str__(self) -> str:
        return f"{self.therapy_type} × {self.count} ({self.client})"


class BookingQuerySet(models.QuerySet):
    def with_what_and_where(self) -> BookingQuerySet:
        """A class booking's session (type, place, instructor) and a therapy booking's type,
        therapist and place, in the same query: what every list of bookings shows."""
        return self.select_related(
            "class_session__class_type",
            "class_session__location",
            "class_session__room",
            "class_session__instructor",
            "therapy_type",
            "practitioner",
            "location",
            "room",
        )


class Booking(models.Model):
    """A client's claim on spots in a class session, or on a therapist's time.

    A class booking names its ``class_session``; a therapy booking names its therapy
    type, therapist and times, and holds an ``Occupancy`` row (tentative while it is
    a request) that keeps anyone else out of that time.

    Never deleted: a status change writes a BookingEvent. Price fields are a snapshot
    taken when booking, so later price changes do not alter what the client agreed to.
    """

    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("client")
    )
    class_session = models.ForeignKey(
        ClassSession, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings", verbose_name=_("class")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    quantity = models.PositiveIntegerField(_("spots"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=8, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=8, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(_("tax included"), max_digits=8, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=9, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    amount_paid = models.DecimalField(_("paid"), max_digits=9, decimal_places=2, default=Decimal("0"))
    amount_refunded = models.DecimalField(_("refunded"), max_digits=9, decimal_places=2, default=Decimal("0"))
    fee_charged = models.DecimalField(_("fee"), max_digits=8, decimal_places=2, default=Decimal("0"))
    policy = models.ForeignKey(
        BookingPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("policy at booking time"),
    )
    note = models.TextField(
        _("note to the instructor"),
        blank=True,
        help_text=_("Injuries, pregnancy, accessibility: seen only by the studio and the instructor."),
    )
    therapy_type = models.ForeignKey(
        TherapyType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("therapy"),
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="therapy_bookings",
        verbose_name=_("therapist"),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("location")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("room")
    )
    occupancy = models.OneToOneField(
        Occupancy, on_delete=models.SET_NULL, null=True, blank=True, related_name="booking", editable=False
    )
    series = models.ForeignKey(
        BookingSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("series"),
    )
    intake = models.JSONField(_("intake answers"), default=dict, blank=True)
    respond_by = models.DateTimeField(
        _("answer due by"), null=True, blank=True, help_text=_("A request expires if the therapist has not answered.")
    )
    hold_until = models.DateTimeField(
        _("held until"),
        null=True,
        blank=True,
        help_text=_("A pending hold (a waitlist offer, a kept therapy time) lapses then if not confirmed."),
    )
    therapist_note = models.TextField(
        _("therapist's private note"), blank=True, help_text=_("Seen only by the therapist of the session.")
    )
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    ics_sequence = models.PositiveIntegerField(
        _("calendar revision"), default=0, editable=False, help_text=_("Raised on every change a calendar must follow.")
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "class_session"],
                condition=Q(status__in=ACTIVE_VALUES),
                name="one_active_booking_per_client_and_class",
            ),
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid")), name="refund_never_exceeds_paid"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="booking_quantity_positive"),
            models.CheckConstraint(
                condition=(
                    Q(class_session__isnull=False, therapy_type__isnull=True)
                    | Q(
                        class_session__isnull=True,
                        therapy_type__isnull=False,
                        practitioner__isnull=False,
                        starts_at__isnull=False,
                        ends_at__gt=F("starts_at"),
                    )
                ),
                name="booking_is_class_or_therapy",
            ),
        ]
        indexes = [
            models.Index(fields=["class_session", "status"], name="booking_session_status_idx"),
            models.Index(fields=["client", "status"], name="booking_client_status_idx"),
            models.Index(fields=["practitioner", "starts_at"], name="booking_therapist_start_idx"),
            models.Index(fields=["status", "respond_by"], name="booking_request_due_idx"),
            # expire_holds reads only pending holds by deadline: a small partial index.
            models.Index(fields=["hold_until"], condition=Q(status=BookingStatus.PENDING), name="booking_hold_due_idx"),
        ]
        # Exporting hands over every client's e-mail and phone: a role gets it on purpose,
        # not with "view" (bookings.permissions.may_export).
        permissions = [("export_booking", _("Can export bookings (with clients' contact details)"))]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("bookings:detail", args=[self.reference])

    @property
    def ics_uid(self) -> str:
        """Stable for the booking's life: calendars update the same event on change or cancel."""
        return f"booking-{self.reference}@shala"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_therapy(self) -> bool:
        return self.therapy_type_id is not None

    @property
    def session(self) -> ClassSession:
        """The class of a class booking, where typed code needs it not to be None.

        booking_is_class_or_therapy guarantees a class booking has one; asking a therapy
        booking for its class is a bug, said at once rather than as an AttributeError later.
        """
        if self.class_session is None:
            raise ValueError(f"booking {self.reference} is a therapy session, not a class booking")
        return self.class_session

    @property
    def kind(self) -> TherapyType:
        """The therapy type of a therapy booking (booking_is_class_or_therapy, as ``session``)."""
        if self.therapy_type is None:
            raise ValueError(f"booking {self.reference} is a class booking, not a therapy session")
        return self.therapy_type

    @property
    def therapist(self) -> Practitioner:
        """The therapist of a therapy booking (booking_is_class_or_therapy, as ``session``)."""
        if self.practitioner is None:
            raise ValueError(f"booking {self.reference} is a class booking, not a therapy session")
        return self.practitioner

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def start(self) -> datetime:
        """When it starts, for either kind of booking."""
        if self.is_therapy:
            assert self.starts_at is not None  # booking_is_class_or_therapy
            return self.starts_at
        return self.session.starts_at

    @property
    def end(self) -> datetime:
        if self.is_therapy:
            assert self.ends_at is not None  # booking_is_class_or_therapy
            return self.ends_at
        return self.session.ends_at

    @property
    def title(self) -> str:
        return self.kind.title if self.is_therapy else self.session.title

    @property
    def payment_state(self) -> StrOrPromise:
        if self.amount_refunded and self.amount_refunded >= self.amount_paid:
            return _("Refunded")
        if self.amount_refunded:
            return _("Partly refunded")
        if self.amount_paid >= self.total:
            return _("Paid")
        if self.amount_paid:
            return _("Partly paid")
        return _("Pay at the studio") if self.total else _("Free")


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
