"""Reads behind the API, built on the timetable's and the therapy calendar's own selectors.

Sessions come from ``schedules.selectors.timetable_week`` (one query a week, whatever
the table holds; the monthly summary counts them in SQL instead, under the same
timetable version), free therapy time from ``schedules.slots.slots_for`` and the therapy
calendar's ``booking_calendar``: the API computes nothing the pages do not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, QuerySet, Sum, Value
from django.db.models.functions import Greatest, TruncDate

from bookings.models import Booking
from bookings.therapy_selectors import booking_calendar, therapy_types
from schedules.cache import GRID_MAX_TIMEOUT, timetable_version
from schedules.models import (
    AvailabilityRule,
    ClassSession,
    ClassType,
    Location,
    Practitioner,
    SessionStatus,
    TherapyType,
)
from schedules.selectors import (
    TimetableFilters,
    TimetableSession,
    local_midnight,
    public_practitioners,
    timetable_week,
    week_start_of,
)
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


def _class_days(*, month: date, last: date, location_id: int | None, zone: ZoneInfo) -> dict[date, tuple[int, int]]:
    """(scheduled classes, free spots) per local day, counted by the database in one query.

    The spots left are SessionSpots.spots_left's rule (never below zero), summed in SQL,
    so the cost does not grow with the sessions' rows sent over. Cached under the
    timetable version (schedules.cache), like the week grids: any change of a session
    or its spots renews it.
    """
    key = f"api:v1:class-days:{timetable_version()}:{month:%Y-%m}:{location_id or ''}:{zone.key}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    sessions = ClassSession.objects.filter(
        starts_at__gte=local_midnight(month, zone),
        starts_at__lt=local_midnight(last + timedelta(days=1), zone),
        status=SessionStatus.SCHEDULED,
    )
    if location_id:
        sessions = sessions.filter(location_id=location_id)
    rows = (
        sessions.annotate(day=TruncDate("starts_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"), spots=Sum(Greatest(F("capacity") - F("spots_taken"), Value(0))))
        .order_by()
        .values_list("day", "n", "spots")
    )
    days = {day: (n, spots or 0) for day, n, spots in rows}
    cache.set(key, days, timeout=GRID_MAX_TIMEOUT)
    return days


def _free_therapy_days(
    *, kind: TherapyType, month: date, location_id: int | None, zone: ZoneInfo, now: datetime
) -> set[date]:
    """The days of the month the therapy calendar marks free, for ``kind``'s therapists who
    work at the location (or anywhere, online). Therapists' calendars carry no version,
    so this is kept for API_CACHE_SECONDS only: as long as a client may keep the answer."""
    key = f"api:v1:free-days:{kind.pk}:{month:%Y-%m}:{location_id or ''}:{zone.key}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    therapists = list(kind.therapists.all())
    if location_id and not kind.is_online:
        here = set(
            AvailabilityRule.objects.filter(practitioner__in=therapists, location_id=location_id).values_list(
                "practitioner_id", flat=True
            )
        )
        therapists = [t for t in therapists if t.pk in here]
    durations = list(kind.durations.all())
    free: set[date] = set()
    if therapists and durations:
        free = booking_calendar(
            kind=kind, minutes=durations[0].minutes, therapists=therapists, month=month, day=None, zone=zone, now=now
        ).free_days
    cache.set(key, free, timeout=settings.API_CACHE_SECONDS)
    return free


def month_summary(
    *, month: date, location_id: int | None, kind: TherapyType | None, zone: ZoneInfo, now: datetime
) -> list[SummaryDay]:
    """Per local day of the month: scheduled classes, their free spots, and whether
    ``kind`` has free time. A fixed number of queries, none per session or therapist."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    classes = _class_days(month=month, last=last, location_id=location_id, zone=zone)
    free = (
        None
        if kind is None
        else _free_therapy_days(kind=kind, month=month, location_id=location_id, zone=zone, now=now)
    )
    days = [month + timedelta(days=i) for i in range((last - month).days + 1)]
    return [SummaryDay(day, *classes.get(day, (0, 0)), None if free is None else day in free) for day in days]


def booked_with_key(*, client, key: str) -> bool:
    """Whether the client already booked with this Idempotency-Key (a replay answers 200)."""
    return Booking.objects.filter(client=client, idempotency_key=key).exists()
