"""Tables of the therapy side: what is offered, and when each therapist works.

Bookings of therapy sessions live in ``bookings``; the time they take lives in
``Occupancy`` (timetable.py), which is all the free-slot engine needs to read.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from schedules.models.catalogue import PaymentTerms
from schedules.models.places import Location, Practitioner, Room


class TherapyType(PaymentTerms):
    """A kind of 1:1 session (massage, osteopathy…): who gives it, where, for how long."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    requirements = models.TextField(
        _("requirements"),
        blank=True,
        help_text=_("Shown to the client before booking (what to bring, contraindications…)."),
    )
    intake_questions = models.TextField(
        _("intake questions"),
        blank=True,
        help_text=_("One per line; the client answers them when booking. Only the therapist sees the answers."),
    )
    therapists = models.ManyToManyField(
        Practitioner,
        related_name="therapy_types",
        blank=True,
        limit_choices_to={"is_therapist": True},
        verbose_name=_("therapists"),
    )
    rooms = models.ManyToManyField(
        Room,
        related_name="therapy_types",
        blank=True,
        verbose_name=_("suitable rooms"),
        help_text=_("A session needs one of these rooms free. Leave empty for online sessions."),
    )
    is_online = models.BooleanField(_("online"), default=False, help_text=_("Held by video; needs no room."))
    video_link = models.URLField(_("video link"), blank=True, help_text=_("For online sessions; shown once booked."))
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
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("therapy type")
        verbose_name_plural = _("therapy types")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("bookings:therapy_type", args=[self.slug])

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.intake_questions.splitlines() if line.strip()]


class TherapyDuration(models.Model):
    """One bookable length of a therapy type, with its own price."""

    therapy_type = models.ForeignKey(
        TherapyType, on_delete=models.CASCADE, related_name="durations", verbose_name=_("therapy type")
    )
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(10), MaxValueValidator(480)])
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["therapy_type", "minutes"]
        constraints = [
            models.UniqueConstraint(fields=["therapy_type", "minutes"], name="therapy_duration_unique"),
            models.CheckConstraint(condition=Q(minutes__gte=10), name="therapy_duration_minimum"),
        ]
        verbose_name = _("duration and price")
        verbose_name_plural = _("durations and prices")

    def __str__(self) -> str:
        return f"{self.therapy_type.title} · {self.minutes} min"

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes)


class ApprovalMode(models.TextChoices):
    FIRM = "firm", _("Firm: confirmed at once")
    REQUEST = "request", _("Request: I approve each booking")
    RETURNING_FIRM = "returning", _("Firm for returning clients, requests from new ones")


class TherapistSettings(models.Model):
    """How a therapist takes bookings. One row per therapist, created on first use."""

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, primary_key=True, related_name="therapist_settings"
    )
    time_zone = TimeZoneField(
        _("time zone"),
        default=settings.DEFAULT_VIEWER_TIME_ZONE,
        help_text=_("Working hours and days off are entered in this zone."),
    )
    buffer_before_minutes = models.PositiveIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"), default=15, validators=[MaxValueValidator(240)]
    )
    min_notice_hours = models.PositiveIntegerField(
        _("minimum notice (hours)"), default=12, validators=[MaxValueValidator(24 * 30)]
    )
    booking_window_days = models.PositiveIntegerField(
        _("book up to (days ahead)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    max_per_day = models.PositiveIntegerField(
        _("max sessions per day"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_per_week = models.PositiveIntegerField(
        _("max sessions per week"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    slot_step_minutes = models.PositiveIntegerField(
        _("start times every (minutes)"),
        default=30,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30"), (60, "60")],
    )
    approval = models.CharField(
        _("bookings are"), max_length=12, choices=ApprovalMode.choices, default=ApprovalMode.FIRM
    )
    firm_min_hours_ahead = models.PositiveIntegerField(
        _("firm only when more than (hours ahead)"),
        null=True,
        blank=True,
        help_text=_("Closer to the start, a booking becomes a request. Leave empty for no such rule."),
    )
    response_hours = models.PositiveIntegerField(
        _("answer requests within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Unanswered requests expire then (never later than the minimum notice before the start)."),
    )

    external_calendar_url = models.URLField(
        _("my other calendar (secret iCal address)"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Paste the secret iCal address of your Google or Outlook calendar: its busy times are kept free "
            "here. Only the times are read; clients never see what the events are."
        ),
    )
    external_synced_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)
    external_sync_error = models.CharField(_("last reading problem"), max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("therapist settings")
        verbose_name_plural = _("therapist settings")

    def __str__(self) -> str:
        return str(self.practitioner)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        tz = self.time_zone
        return tz if isinstance(tz, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(tz))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(models.Model):
    """Weekly working hours: one range on one weekday, in the therapist's wall time."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="availability_rules", verbose_name=_("therapist")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
        help_text=_("Leave empty for online sessions only."),
    )

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_rule_ends_after_start"
            ),
        ]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class OverrideKind(models.TextChoices):
    BLOCKED = "blocked", _("Blocked (time off)")
    EXTRA = "extra", _("Extra hours (open)")


class AvailabilityOverride(models.Model):
    """A dated change to the weekly hours: time off, or extra/re-opened hours.

    Stored as UTC instants; the therapist's pages enter and show them in the
    therapist's zone. Extra hours win over blocked time (that is how a single slot
    inside a holiday is re-opened), never over appointments, classes or blackouts.
    """

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="availability_overrides", verbose_name=_("therapist")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OverrideKind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
        help_text=_("For extra hours: where. Leave empty for online sessions only."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="availability_override_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "ends_at"], name="availability_override_idx")]
        verbose_name = _("availability change")
        verbose_name_plural = _("availability changes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


class ExternalBusyTime(models.Model):
    """A busy span read from a therapist's own Google/Outlook calendar: times only, no details."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="external_busy_times", verbose_name=_("therapist")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="external_busy_ends_after_start"),
        ]
        indexes = [models.Index(fields=["practitioner", "starts_at"], name="external_busy_idx")]
        verbose_name = _("busy time from another calendar")
        verbose_name_plural = _("busy times from other calendars")

    def __str__(self) -> str:
        return f"{self.practitioner_id}: {self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%H:%M}"
