"""Writes a therapist makes to their own calendar: weekly hours, time off, extra hours, settings.

They take effect at once: the free-slot engine reads these tables on every request,
nothing is cached. Booked sessions are never touched here; time off over a booked
session is allowed (a therapist may fall ill) and reported back, so the therapist
can cancel or move those sessions through the booking services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config import params
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Location,
    Occupancy,
    OccupancyKind,
    OverrideKind,
    Practitioner,
    Weekday,
)


@dataclass(frozen=True)
class HoursRange:
    weekday: int
    start: time
    end: time
    location: Location | None


def check_weekly_hours(ranges: Iterable[HoursRange]) -> list[HoursRange]:
    """The ranges sorted, or ValidationError: each ends after it starts, none overlaps another that day."""
    ranges = list(ranges)
    if any(r.weekday not in Weekday.values for r in ranges):
        raise ValidationError(_("Choose a day of the week for each range."))
    ranges.sort(key=lambda r: (r.weekday, r.start))
    for r in ranges:
        if r.end <= r.start:
            raise ValidationError(_("Each range must end after it starts."))
    for a, b in pairwise(ranges):
        if a.weekday == b.weekday and b.start < a.end:
            raise ValidationError(
                _("Two ranges on the same day overlap: %(a)s and %(b)s.")
                % {
                    "a": f"{a.start:%H:%M}–{a.end:%H:%M}",
                    "b": f"{b.start:%H:%M}–{b.end:%H:%M}",
                }
            )
    return ranges


@transaction.atomic
def replace_weekly_hours(*, practitioner: Practitioner, ranges: Iterable[HoursRange]) -> int:
    """Set the weekly hours to exactly these ranges (several a day, each at a location or online)."""
    ranges = check_weekly_hours(ranges)
    AvailabilityRule.objects.filter(practitioner=practitioner).delete()
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            practitioner=practitioner, weekday=r.weekday, start_time=r.start, end_time=r.end, location=r.location
        )
        for r in ranges
    )
    return len(ranges)


def add_override(
    *,
    practitioner: Practitioner,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    location: Location | None = None,
    note: str = "",
) -> tuple[AvailabilityOverride, int]:
    """Time off (blocked) or extra/re-opened hours; returns it and how many booked sessions it covers."""
    if ends_at <= starts_at:
        raise ValidationError(_("The end must be after the start."))
    if kind not in OverrideKind.values:
        raise ValidationError(_("Choose time off or extra hours."))
    # The form refuses such days too; this holds for every caller. A day of slack each side:
    # the form's days are the therapist's, these instants UTC, and a whole-day end is midnight after.
    earliest, latest = params.date_bounds()
    if not earliest - timedelta(days=1) <= starts_at.date() <= ends_at.date() <= latest + timedelta(days=1):
        raise ValidationError(_("Choose dates within %(years)d years of today.") % {"years": params.HORIZON_YEARS})
    override = AvailabilityOverride.objects.create(
        practitioner=practitioner,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location if kind == OverrideKind.EXTRA else None,
        note=note.strip()[:200],
    )
    booked = 0
    if kind == OverrideKind.BLOCKED:
        booked = Occupancy.objects.filter(
            practitioner=practitioner,
            kind=OccupancyKind.APPOINTMENT,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).count()
    return override, booked


def remove_override(*, practitioner: Practitioner, pk: int) -> bool:
    """Delete one of the therapist's own overrides (someone else's: nothing happens)."""
    deleted, _by_model = AvailabilityOverride.objects.filter(practitioner=practitioner, pk=pk).delete()
    return bool(deleted)
