"""Where the studio works and who teaches: locations, rooms, practitioners."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

if TYPE_CHECKING:
    pass


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
