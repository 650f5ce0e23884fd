"""Loads what the free-slot engine (schedules.availability) needs, in a fixed number
of queries, and asks it for slots.

Seven queries whatever the number of therapists or bookings: settings, weekly hours,
overrides, occupied time (therapists' and rooms' in one), busy times imported from
the therapists' own calendars, blackouts, and the therapy type's rooms. Everything else is grouping in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Func, Q
from django.db.models.expressions import RawSQL

from schedules.availability import (
    Closure,
    ExtraHours,
    Interval,
    RoomCalendar,
    Slot,
    TherapistCalendar,
    Venue,
    WeeklyHours,
    free_slots,
    from_us,
    offered_time,
    to_us,
)
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Blackout,
    BlackoutScope,
    ExternalBusyTime,
    Occupancy,
    OccupancyKind,
    OverrideKind,
    TherapistSettings,
    TherapyType,
)
from schedules.recurrence import wall_time_to_utc
from schedules.therapist_settings import settings_for as settings_for  # the read, kept importable from here


@dataclass(frozen=True)
class TherapistSlots:
    practitioner_id: int
    zone: ZoneInfo
    slots: list[Slot]


def _utc_span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """A UTC span covering those local days in any zone, whole ISO weeks (for weekly limits)."""
    monday = first_day - timedelta(days=first_day.weekday())
    sunday = last_day + timedelta(days=6 - last_day.weekday())
    utc = ZoneInfo("UTC")
    return (
        wall_time_to_utc(monday - timedelta(days=1), time.min, utc),
        wall_time_to_utc(sunday + timedelta(days=2), time.min, utc),
    )


class _Microseconds(Func):
    """A timestamp as whole microseconds since 1970 (PostgreSQL): exact, and read in C."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def _spans_us(queryset, lo: datetime, hi: datetime, *fields: str) -> list[tuple]:
    """Rows of ``fields`` + (start, end) in microseconds since 1970, of time-table rows
    overlapping [lo, hi).

    Thousands of rooms' busy spans load per call, and Django's timestamptz loader
    costs more than the query. So on PostgreSQL the range test is the one the
    exclusion constraints' GiST indexes answer, and the times come as integers
    straight from the cursor: the engine compares rooms' busy time as integers.
    """
    queryset = queryset.filter(starts_at__lt=hi, ends_at__gt=lo)
    if connection.vendor != "postgresql":
        return [
            (*row[:-2], to_us(row[-2]), to_us(row[-1])) for row in queryset.values_list(*fields, "starts_at", "ends_at")
        ]
    overlap = RawSQL("tstzrange(starts_at, ends_at, '[)') && tstzrange(%s, %s, '[)')", (lo, hi), BooleanField())
    rows = queryset.filter(overlap).annotate(_from=_Microseconds("starts_at"), _to=_Microseconds("ends_at"))
    try:
        sql, params = rows.values_list(*fields, "_from", "_to").query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_calendars(
    practitioner_ids: Sequence[int],
    *,
    first_day: date,
    last_day: date,
    room_ids: Iterable[int] = (),
    room_locations: Mapping[int, int] | None = None,
    ignore_occupancy_ids: Iterable[int] = (),
) -> tuple[dict[int, TherapistCalendar], dict[int, list[tuple[int, int]]]]:
    """Therapists' calendars and each room's busy time (microseconds since 1970) for the days.

    With ``room_locations`` (room id -> location id), the busy time of rooms at places
    where none of these therapists has hours is not loaded: no slot can ask for them.
    """
    lo, hi = _utc_span(first_day, last_day)
    room_ids = list(room_ids)
    ignore = list(ignore_occupancy_ids)
    found = {s.practitioner_id: s for s in TherapistSettings.objects.filter(practitioner_id__in=practitioner_ids)}
    configs = {pid: found.get(pid) or TherapistSettings(practitioner_id=pid) for pid in practitioner_ids}

    weekly: dict[int, list[WeeklyHours]] = defaultdict(list)
    rules = AvailabilityRule.objects.filter(practitioner_id__in=practitioner_ids)
    for pid, weekday, opens, closes, location_id in rules.values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "location_id"
    ):
        weekly[pid].append(WeeklyHours(weekday, opens, closes, location_id))

    extra: dict[int, list[ExtraHours]] = defaultdict(list)
    time_off: dict[int, list[Interval]] = defaultdict(list)
    overrides = AvailabilityOverride.objects.filter(
        practitioner_id__in=practitioner_ids, starts_at__lt=hi, ends_at__gt=lo
    )
    for pid, kind, start, end, location_id in overrides.values_list(
        "practitioner_id", "kind", "starts_at", "ends_at", "location_id"
    ):
        if kind == OverrideKind.EXTRA:
            extra[pid].append(ExtraHours(start, end, location_id))
        else:
            time_off[pid].append(Interval(start, end))

    if room_locations is not None:
        places = {h.location_id for hours in weekly.values() for h in hours}
        places |= {e.location_id for hours in extra.values() for e in hours}
        room_ids = [r for r in room_ids if room_locations.get(r) in places]

    busy: dict[int, list[Interval]] = defaultdict(list)
    booked: dict[int, list[datetime]] = defaultdict(list)
    room_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)  # microseconds since 1970
    occupied = Occupancy.objects.filter(Q(practitioner_id__in=practitioner_ids) | Q(room_id__in=room_ids))
    occupied = occupied.exclude(pk__in=ignore).order_by()
    appointment = OccupancyKind.APPOINTMENT
    for pid, rid, kind, start_us, end_us in _spans_us(occupied, lo, hi, "practitioner_id", "room_id", "kind"):
        if rid is not None:
            room_busy[rid].append((start_us, end_us))
        if pid in configs:
            start = from_us(start_us)
            busy[pid].append(Interval(start, from_us(end_us)))
            if kind == appointment:
                booked[pid].append(start + timedelta(minutes=configs[pid].buffer_before_minutes))

    imported = ExternalBusyTime.objects.filter(practitioner_id__in=practitioner_ids, starts_at__lt=hi, ends_at__gt=lo)
    for pid, start, end in imported.values_list("practitioner_id", "starts_at", "ends_at"):
        busy[pid].append(Interval(start, end))  # the therapist's own calendar: busy, never shown

    closures: dict[int | None, list[Closure]] = defaultdict(list)  # key None: everyone
    blackouts = Blackout.objects.filter(starts_at__lt=hi, ends_at__gt=lo).filter(
        Q(scope=BlackoutScope.STUDIO)
        | Q(scope=BlackoutScope.LOCATION)
        | Q(scope=BlackoutScope.PRACTITIONER, practitioner_id__in=practitioner_ids)
        | Q(scope=BlackoutScope.ROOM, room_id__in=room_ids)
    )
    for scope, start, end, location_id, pid, rid in blackouts.values_list(
        "scope", "starts_at", "ends_at", "location_id", "practitioner_id", "room_id"
    ):
        if scope == BlackoutScope.ROOM:
            room_busy[rid].append((to_us(start), to_us(end)))
        elif scope == BlackoutScope.PRACTITIONER:
            closures[pid].append(Closure(start, end))
        else:
            closures[None].append(Closure(start, end, location_id))

    calendars = {}
    for pid, cfg in configs.items():
        calendars[pid] = TherapistCalendar(
            zone=cfg.zone,
            weekly=tuple(weekly[pid]),
            extra=tuple(extra[pid]),
            time_off=tuple(time_off[pid]),
            closures=tuple(closures[None] + closures[pid]),
            busy=tuple(busy[pid]),
            booked_starts=tuple(booked[pid]),
            buffer_before=timedelta(minutes=cfg.buffer_before_minutes),
            buffer_after=timedelta(minutes=cfg.buffer_after_minutes),
            min_notice=timedelta(hours=cfg.min_notice_hours),
            window=timedelta(days=cfg.booking_window_days),
            max_per_day=cfg.max_per_day,
            max_per_week=cfg.max_per_week,
            step=timedelta(minutes=cfg.slot_step_minutes),
        )
    return calendars, room_busy


def venue_for(
    therapy_type: TherapyType, room_busy: dict[int, list[tuple[int, int]]], rooms: Sequence[tuple[int, int]]
) -> Venue:
    """Where the therapy may happen; ``rooms`` are (room id, location id) pairs."""
    if therapy_type.is_online:
        return Venue(online=True)
    if not rooms:
        return Venue(online=False, rooms=None)
    by_location: dict[int, list[RoomCalendar]] = defaultdict(list)
    for room_id, location_id in rooms:
        by_location[location_id].append(RoomCalendar(room_id, location_id, busy_us=tuple(room_busy[room_id])))
    return Venue(online=False, rooms=by_location)


def slots_for(
    therapy_type: TherapyType,
    *,
    minutes: int,
    practitioner_ids: Sequence[int],
    first_day: date,
    last_day: date,
    now: datetime,
    first_per_day: bool = False,
    ignore_occupancy_ids: Iterable[int] = (),
) -> list[TherapistSlots]:
    """Free slots of one length for each listed therapist, over their local days.

    Callers that show days in another zone (the client's) should ask for one day more
    on each side and regroup.
    """
    rooms: list[tuple[int, int]] = []
    if not therapy_type.is_online:
        rooms = list(therapy_type.rooms.filter(is_active=True).order_by("pk").values_list("pk", "location_id"))
    calendars, room_busy = load_calendars(
        practitioner_ids,
        first_day=first_day,
        last_day=last_day,
        room_ids=[room_id for room_id, _ in rooms],
        room_locations=dict(rooms),
        ignore_occupancy_ids=ignore_occupancy_ids,
    )
    venue = venue_for(therapy_type, room_busy, rooms)
    duration = timedelta(minutes=minutes)
    return [
        TherapistSlots(
            pid,
            cal.zone,
            free_slots(
                cal,
                duration=duration,
                first_day=first_day,
                last_day=last_day,
                now=now,
                venue=venue,
                first_per_day=first_per_day,
            ),
        )
        for pid, cal in calendars.items()
    ]


def find_slot(
    therapy_type: TherapyType,
    *,
    minutes: int,
    practitioner_id: int,
    starts_at: datetime,
    now: datetime,
    ignore_occupancy_ids: Iterable[int] = (),
) -> Slot | None:
    """The slot starting exactly then, if the therapist can be booked for it now."""
    day_utc = starts_at.date()
    for found in slots_for(
        therapy_type,
        minutes=minutes,
        practitioner_ids=[practitioner_id],
        first_day=day_utc - timedelta(days=1),
        last_day=day_utc + timedelta(days=1),
        now=now,
        ignore_occupancy_ids=ignore_occupancy_ids,
    ):
        for slot in found.slots:
            if slot.start == starts_at:
                return slot
    return None


def next_free(
    therapy_type: TherapyType,
    *,
    minutes: int,
    practitioner_id: int,
    after: datetime,
    now: datetime,
    limit: int = 3,
    days: int = 14,
) -> list[Slot]:
    """The next few free slots from ``after``: offered when a chosen time was just taken."""
    first = after.date() - timedelta(days=1)
    found = slots_for(
        therapy_type,
        minutes=minutes,
        practitioner_ids=[practitioner_id],
        first_day=first,
        last_day=first + timedelta(days=days),
        now=now,
    )
    return [s for s in found[0].slots if s.start >= after][:limit] if found else []


def why_not_offered(*, practitioner_id: int, starts_at: datetime, minutes: int) -> str:
    """availability.offered_time for one therapist and time: "hours", "grid" or ""."""
    return why_not_offered_each(practitioner_id=practitioner_id, starts=[starts_at], minutes=minutes)[0]


def why_not_offered_each(*, practitioner_id: int, starts: Sequence[datetime], minutes: int) -> list[str]:
    """why_not_offered for several times (a series' dates) from one load of the calendar."""
    if not starts:
        return []
    # UTC days: a day either side covers the therapist's local days
    first_day, last_day = min(starts).date() - timedelta(days=1), max(starts).date() + timedelta(days=1)
    calendars, _ = load_calendars([practitioner_id], first_day=first_day, last_day=last_day)
    duration = timedelta(minutes=minutes)
    return [offered_time(calendars[practitioner_id], start=start, duration=duration) for start in starts]
