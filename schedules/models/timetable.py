"""Tables of the class timetable: recurring schedules and their sessions. Writes live in schedules.services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schedules.fields import WallTimeRecurrenceField
from schedules.models.catalogue import ClassType
from schedules.models.places import Location, Practitioner, Room

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ClassSchedule(models.Model):
    """A recurring slot of a class type, in the location's wall time.

    ``recurrence`` holds the pattern (weekly days, every n weeks, monthly, extra
    dates, excluded dates); only the dates matter, the time is ``start_time``.
    """

    class_type = models.ForeignKey(
        ClassType, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("class type")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("location")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="schedules", verbose_name=_("room")
    )
    instructor = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="schedules",
        verbose_name=_("instructor"),
        limit_choices_to={"is_instructor": True},
    )
    recurrence = WallTimeRecurrenceField(verbose_name=_("repeats"), include_dtstart=False)
    start_time = models.TimeField(_("start time (local)"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, help_text=_("Leave empty to use the class type's.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty to use the class type's.")
    )
    price = models.DecimalField(
        _("price"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty to use the class type's."),
    )
    early_bird_price = models.DecimalField(
        _("early-bird price"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A lower price for early bookers; its end is set by the two fields below."),
    )
    early_bird_days = models.PositiveIntegerField(
        _("early bird ends (days before)"), null=True, blank=True, help_text=_("E.g. 7: until a week before.")
    )
    early_bird_spots = models.PositiveIntegerField(
        _("early bird for the first (spots)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    min_participants = models.PositiveIntegerField(
        _("minimum participants"), null=True, blank=True, help_text=_("Leave empty to use the class type's.")
    )
    min_decision_hours = models.PositiveIntegerField(
        _("decide minimum (hours before)"), null=True, blank=True, help_text=_("Leave empty to use the class type's.")
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to archive: no new sessions are made and the unbooked future ones leave the timetable; "
            "booked sessions stay for you to cancel or keep."
        ),
    )

    class Meta:
        ordering = ["class_type__title", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="schedule_valid_range",
            ),
        ]
        verbose_name = _("class schedule")
        verbose_name_plural = _("class schedules")

    def __str__(self) -> str:
        return f"{self.class_type} · {self.recurrence_text} {self.start_time:%H:%M}"

    @property
    def recurrence_text(self) -> StrOrPromise:
        rules = self.recurrence.rrules if self.recurrence else []
        return ", ".join(rule.to_text() for rule in rules) or _("on chosen dates")

    @property
    def effective_duration(self) -> int:
        return self.duration_minutes or self.class_type.duration_minutes

    @property
    def effective_capacity(self) -> int:
        cap = self.capacity or self.class_type.capacity
        return min(cap, self.room.capacity) if self.room is not None else cap

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.class_type.price

    @property
    def effective_min_participants(self) -> int | None:
        return self.min_participants if self.min_participants is not None else self.class_type.min_participants

    @property
    def effective_min_decision_hours(self) -> int:
        return self.min_decision_hours if self.min_decision_hours is not None else self.class_type.min_decision_hours


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class ClassSessionQuerySet(models.QuerySet["ClassSession"]):
    def scheduled(self) -> ClassSessionQuerySet:
        return self.filter(status=SessionStatus.SCHEDULED)

    def upcoming(self) -> ClassSessionQuerySet:
        return self.filter(starts_at__gte=timezone.now())

    def for_listing(self) -> ClassSessionQuerySet:
        return self.select_related("class_type", "location", "room", "instructor")


class SessionSpots:
    """Spots and status rules shared by ClassSession and the timetable's plain rows."""

    __slots__ = ()
    capacity: int
    spots_taken: int
    status: str

    @property
    def spots_left(self) -> int:
        return max(self.capacity - self.spots_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.spots_taken >= self.capacity

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class ClassSession(SessionSpots, models.Model):
    """One dated class, generated from a schedule or added by hand.

    ``spots_taken`` is the counter the booking service moves with a conditional
    UPDATE; the check constraint makes an oversell impossible from any path
    (DESIGN invariant 1).
    """

    # PROTECT: a schedule with sessions is archived, not deleted (schedules.services.
    # delete_schedule removes the never-booked ones first), so no session loses its origin.
    schedule = models.ForeignKey(
        ClassSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("schedule"),
    )
    occurrence_date = models.DateField(
        _("occurrence date"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The schedule's local date this session was generated for."),
    )
    class_type = models.ForeignKey(
        ClassType, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("class type")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("location")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name=_("room")
    )
    instructor = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("instructor")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    spots_taken = models.PositiveIntegerField(_("spots taken"), default=0, editable=False)
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    early_bird_price = models.DecimalField(
        _("early-bird price"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A lower price until the time or the number of spots below, whichever comes first."),
    )
    early_bird_until = models.DateTimeField(_("early bird until"), null=True, blank=True)
    early_bird_spots = models.PositiveIntegerField(
        _("early bird for the first (spots)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    is_online = models.BooleanField(_("online"), default=False)
    video_link = models.URLField(_("video link"), blank=True)
    min_participants = models.PositiveIntegerField(_("minimum participants"), null=True, blank=True)
    min_decision_hours = models.PositiveIntegerField(_("decide minimum (hours before)"), default=3)
    keep_below_minimum = models.BooleanField(
        _("hold even below the minimum"), default=False, help_text=_("Staff override: never cancel for low numbers.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    is_customised = models.BooleanField(
        _("edited by hand"),
        default=False,
        help_text=_("Set when staff change this session on its own; regeneration then leaves it alone."),
    )
    conflict_note = models.CharField(
        _("conflict"),
        max_length=255,
        blank=True,
        help_text=_("Why regeneration could not apply the schedule to this session (it has bookings)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClassSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"], name="session_starts_at_idx"),
            models.Index(fields=["instructor", "starts_at"], name="session_instructor_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(spots_taken__lte=F("capacity")), name="session_never_oversold"),
            models.UniqueConstraint(
                fields=["schedule", "occurrence_date"],
                condition=Q(schedule__isnull=False),
                name="one_session_per_schedule_occurrence",
            ),
        ]
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at, self.location.zone)
        return f"{self.class_type.title} · {local:%a %d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("schedules:session", args=[self.pk])

    @property
    def title(self) -> str:
        return self.class_type.title

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def minimum_decided_at(self):
        """When the minimum-participants check runs for this session (None: no minimum)."""
        if self.min_participants is None or self.keep_below_minimum:
            return None
        return self.starts_at - timedelta(hours=self.min_decision_hours)
