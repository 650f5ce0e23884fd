"""Reads behind the API, built on the timetable's and the therapy calendar's own selectors.

Sessions come from ``schedules.selectors.timetable_week`` (one query a week, whatever
the table holds), free therapy time from ``schedules.slots.slots_for`` and the therapy
calendar's ``booking_calendar``: the API computes nothing the pages do not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from bookings.models import Booking
from bookings.therapy_selectors import booking_calendar, therapy_types
from schedules.models import AvailabilityRule, ClassType, Location, Practitioner, TherapyType
from schedules.selectors import TimetableFilters, TimetableSession, public_practitioners, timetable_week, week_start_of
from schedules.slots import slots_for


def studio_zone() -> ZoneInfo:
    return ZoneInfo(settings.DEFAULT_VIEWER_TIME_ZONE)


def locations() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).order_by("name", "pk")


def class_types() -> QuerySet[ClassType]:
    return ClassType.objects.filter(is_active=True).order_by("title", "pk")


def teachers() -> QuerySet[Practitioner]:
    return public_practitioners().order_by("public_name", "pk")


def zone_for(location_id: int | None) -> ZoneInfo:
    """The location's zone (days are its days), else the studio's."""
    if location_id:
        location = Location.objects.filter(pk=location_id).first()
        if location is not None:
            return location.zone
    return studio_zone()


def sessions_between(*, start: date, end: date, zone: ZoneInfo, filters: TimetableFilters) -> list[TimetableSession]:
    """Sessions on the local days start..end, week by week through the timetable's selector."""
    found: list[TimetableSession] = []
    week = week_start_of(start)
    while week <= end:
        for day in timetable_week(week_start=week, zone=zone, filters=filters):
            if start <= day.day <= end:
                found += day.sessions
        week += timedelta(days=7)
    return found


def public_therapy_types() -> QuerySet[TherapyType]:
    return therapy_types().order_by("title", "pk")


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime
    ends_at: datetime
    therapist: str
    location: int | None


def free_slots(
    *, kind: TherapyType, minutes: int, therapists: list[Practitioner], start: date, end: date, zone: ZoneInfo, now
) -> list[FreeSlot]:
    """Free start times of one length on the local days start..end, soonest first."""
    slugs = {t.pk: t.slug for t in therapists}
    # One day more on each side: a therapist's local day may be another day here.
    found = slots_for(
        kind,
        minutes=minutes,
        practitioner_ids=list(slugs),
        first_day=start - timedelta(days=1),
        last_day=end + timedelta(days=1),
        now=now,
    )
    slots = [
        FreeSlot(slot.start, slot.end, slugs[t.practitioner_id], slot.location_id)
        for t in found
        for slot in t.slots
        if start <= slot.start.astimezone(zone).date() <= end
    ]
    return sorted(slots, key=lambda s: (s.starts_at, s.therapist))


@dataclass(frozen=True)
class SummaryDay:
    date: date
    sessions: int
    spots_left: int
    free_therapy_time: bool | None


def month_summary(
    *, month: date, location_id: int | None, kind: TherapyType | None, zone: ZoneInfo, now: datetime
) -> list[SummaryDay]:
    """Per local day of the month: scheduled classes, their free spots, and whether
    ``kind`` has free time (the therapy calendar's month marks, for its therapists who
    work at the location). Queries: one per week of the month, and a fixed few for the
    therapy calendar; none per session."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    counts = {month + timedelta(days=i): [0, 0] for i in range((last - month).days + 1)}
    sessions = sessions_between(start=month, end=last, zone=zone, filters=TimetableFilters(location_id=location_id))
    for session in sessions:
        if session.is_cancelled:
            continue
        cell = counts[session.starts_at.astimezone(zone).date()]
        cell[0] += 1
        cell[1] += session.spots_left
    free_days: set[date] | None = None
    if kind is not None:
        therapists = list(kind.therapists.all())
        if location_id:
            here = set(
                AvailabilityRule.objects.filter(practitioner__in=therapists, location_id=location_id).values_list(
                    "practitioner_id", flat=True
                )
            )
            therapists = [t for t in therapists if t.pk in here or kind.is_online]
        durations = list(kind.durations.all())
        free_days = set()
        if therapists and durations:
            free_days = booking_calendar(
                kind=kind,
                minutes=durations[0].minutes,
                therapists=therapists,
                month=month,
                day=None,
                zone=zone,
                now=now,
            ).free_days
    return [
        SummaryDay(day, n, spots, None if free_days is None else day in free_days) for day, (n, spots) in counts.items()
    ]


def booked_with_key(*, client, key: str) -> bool:
    """Whether the client already booked with this Idempotency-Key (a replay answers 200)."""
    return Booking.objects.filter(client=client, idempotency_key=key).exists()
