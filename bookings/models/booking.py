"""A booking (a claim on class spots or a therapist's time) and the series that links weekly ones."""

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

from bookings.models.policies import BookingPolicy
from bookings.payment_state import LABELS, payment_state
from bookings.transitions import ACTIVE, ACTIVE_VALUES, Status
from schedules.models import ClassSession, Location, Occupancy, Practitioner, Room, TherapyType

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
    # Refunds recorded but not yet paid back (a desk refund staff still owe, an online one
    # the provider has not confirmed). Kept by payments.services with the other two.
    amount_refund_pending = models.DecimalField(_("refund owed"), max_digits=9, decimal_places=2, default=Decimal("0"))
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
            # DESIGN invariant 6: what went back plus what is owed back never exceeds what was paid.
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0, amount_refunded__gte=0, amount_refund_pending__gte=0),
                name="booking_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid") - F("amount_refund_pending")),
                name="refund_never_exceeds_paid",
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
    def tax_added(self) -> bool:
        """Whether the tax came on top of the price (a rate not included) rather than inside it."""
        return bool(self.tax) and self.total != self.unit_price * self.quantity - self.discount

    @property
    def payment_state(self) -> StrOrPromise:
        """The derived payment state's label (payments.state: one derivation for every page)."""
        return LABELS[
            payment_state(
                total=self.total,
                paid=self.amount_paid,
                refunded=self.amount_refunded,
                refund_pending=self.amount_refund_pending,
            )
        ]
