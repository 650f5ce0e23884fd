"""Occupied and closed time: blackouts and the occupancy rows the exclusion constraints guard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from schedules.models.places import Location, Practitioner, Room
from schedules.models.timetable import ClassSession

if TYPE_CHECKING:
    pass


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
