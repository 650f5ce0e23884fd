"""Tables of the class timetable and of occupied time. Writes live in schedules.services."""

from __future__ import annotations

import zoneinfo
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
from timezone_field import TimeZoneField

from schedules.fields import WallTimeRecurrenceField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Level(models.TextChoices):
    ALL = "all", _("All levels")
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    address = models.TextField(_("address"), blank=True)
    time_zone = TimeZoneField(_("time zone"), default=settings.DEFAULT_VIEWER_TIME_ZONE)
    is_online = models.BooleanField(
        _("online"),
        default=False,
        help_text=_("A virtual location: classes here are held by video."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return (
            self.time_zone if isinstance(self.time_zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(self.time_zone))
        )


class RoomManager(models.Manager["Room"]):
    def get_queryset(self) -> models.QuerySet[Room]:
        # A room is always shown with its location ("Centro · Sala Sol"): load both at once.
        return super().get_queryset().select_related("location")


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("location"))
    name = models.CharField(_("name"), max_length=120)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("active"), default=True)

    objects = RoomManager()

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_per_location")]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self) -> str:
        return f"{self.location.name} · {self.name}"


class Practitioner(models.Model):
    """A person who teaches classes, gives therapy sessions, or both."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="practitioner",
        verbose_name=_("user"),
    )
    slug = models.SlugField(_("slug"), unique=True)
    public_name = models.CharField(_("public name"), max_length=120)
    photo = models.ImageField(_("photo"), upload_to="practitioners/", blank=True)
    bio = models.TextField(_("biography"), blank=True)
    qualifications = models.TextField(_("qualifications"), blank=True, help_text=_("One per line."))
    is_instructor = models.BooleanField(_("teaches classes"), default=False)
    is_therapist = models.BooleanField(_("gives therapy sessions"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["public_name"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")

    def __str__(self) -> str:
        return self.public_name

    def get_absolute_url(self) -> str:
        return reverse("schedules:practitioner", args=[self.slug])

    @property
    def qualification_list(self) -> list[str]:
        return [line.strip() for line in self.qualifications.splitlines() if line.strip()]


class ClassType(models.Model):
    """What is taught: the defaults every schedule and session of it starts from."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.ALL)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5)]
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=12, validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("price"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    is_online = models.BooleanField(_("online"), default=False)
    video_link = models.URLField(
        _("video link"), blank=True, help_text=_("For online classes; shown to booked clients.")
    )
    min_participants = models.PositiveIntegerField(
        _("minimum participants"),
        null=True,
        blank=True,
        help_text=_("Below this many spots booked at the decision time, the class is cancelled automatically."),
    )
    min_decision_hours = models.PositiveIntegerField(
        _("decide minimum (hours before)"), default=3, help_text=_("When the minimum is checked.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("class type")
        verbose_name_plural = _("class types")

    def __str__(self) -> str:
        return self.title


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


class BlackoutScope(models.TextChoices):
    STUDIO = "studio", _("Whole studio")
    LOCATION = "location", _("One location")
    ROOM = "room", _("One room")
    PRACTITIONER = "practitioner", _("One practitioner")


class BlackoutKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    MAINTENANCE = "maintenance", _("Maintenance")
    OTHER = "other", _("Other")


class Blackout(models.Model):
    """A period in which nothing is scheduled for its scope."""

    scope = models.CharField(
        _("applies to"), max_length=20, choices=BlackoutScope.choices, default=BlackoutScope.STUDIO
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="blackouts", verbose_name=_("location")
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, null=True, blank=True, related_name="blackouts", verbose_name=_("room")
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blackouts",
        verbose_name=_("practitioner"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=BlackoutKind.choices, default=BlackoutKind.HOLIDAY)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="blackout_ends_after_start"),
            models.CheckConstraint(
                condition=(
                    Q(scope="studio", location__isnull=True, room__isnull=True, practitioner__isnull=True)
                    | Q(scope="location", location__isnull=False, room__isnull=True, practitioner__isnull=True)
                    | Q(scope="room", location__isnull=True, room__isnull=False, practitioner__isnull=True)
                    | Q(scope="practitioner", location__isnull=True, room__isnull=True, practitioner__isnull=False)
                ),
                name="blackout_scope_matches_target",
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="blackout_period_idx")]
        verbose_name = _("blackout period")
        verbose_name_plural = _("blackout periods")

    def __str__(self) -> str:
        target = self.location or self.room or self.practitioner or _("Whole studio")
        return f"{self.get_kind_display()}: {target} ({self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d})"


class OccupancyKind(models.TextChoices):
    CLASS = "class", _("Class")
    APPOINTMENT = "appointment", _("Appointment")


class Occupancy(models.Model):
    """Time a practitioner and/or a room is taken, buffers included.

    The single table behind DESIGN invariant 2: on PostgreSQL two exclusion
    constraints (migration 0002) forbid overlapping rows for the same
    practitioner or the same room. Class sessions and therapy bookings write and
    remove their rows in the same transaction as their own change; the free-slot
    engine reads this table, so it never needs to know about bookings.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=OccupancyKind.choices)
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="occupancies",
        verbose_name=_("practitioner"),
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="occupancies", verbose_name=_("room")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    class_session = models.ForeignKey(
        ClassSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occupancies",
        verbose_name=_("class session"),
    )
    is_tentative = models.BooleanField(
        _("tentative"),
        default=False,
        help_text=_(
            "Held by a request awaiting the therapist's answer. Tentative holds may overlap each other, "
            "never firm time."
        ),
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="occupancy_ends_after_start"),
            models.CheckConstraint(
                condition=Q(practitioner__isnull=False) | Q(room__isnull=False),
                name="occupancy_holds_someone_or_somewhere",
            ),
            models.CheckConstraint(
                condition=~Q(kind="class") | Q(class_session__isnull=False),
                name="class_occupancy_names_its_session",
            ),
            models.CheckConstraint(condition=~Q(kind="class") | Q(is_tentative=False), name="class_occupancy_is_firm"),
        ]
        indexes = [
            models.Index(fields=["practitioner", "starts_at"], name="occupancy_practitioner_idx"),
            models.Index(fields=["room", "starts_at"], name="occupancy_room_idx"),
        ]
        verbose_name = _("occupied time")
        verbose_name_plural = _("occupied time")

    def __str__(self) -> str:
        who = self.practitioner or self.room
        return f"{who}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} ({self.get_kind_display()})"
