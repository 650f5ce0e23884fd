"""Free-slot computation for therapists. Pure: plain data in, slots out, no ORM.

The selectors load a therapist's rules, overrides, occupied time and blackouts once
(a fixed number of queries however many therapists or bookings there are) and hand
them over as the dataclasses below; this module decides which start times a client
may pick.

How a day's bookable time is built, in the therapist's own zone:

    open  = (weekly hours - time off) + extra hours      (extra hours win over time off)
    open -= closures (studio/location/therapist blackouts)
    slot  = a start on the step grid (counted from local midnight) whose session lies
            inside open time, whose span *with buffers* touches no busy time, with a
            room free for that span when the therapy needs one, not before
            now + notice, not after now + booking window, and on a day/week whose
            limit of sessions is not reached yet.

Busy time is what Occupancy holds: appointments (already stored with their own
buffers) and classes the therapist teaches. Wall times become UTC with
``recurrence.wall_time_to_utc``, so working hours keep their wall-clock meaning
across daylight-saving changes (a gap moves a time forward, a repeated hour takes
its first occurrence).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from schedules.recurrence import wall_time_to_utc


class Interval(NamedTuple):
    """A half-open span ``[start, end)`` of aware datetimes.

    A named tuple rather than a dataclass: the loader makes thousands of them per
    call, and tuples are built and sorted in C.
    """

    start: datetime
    end: datetime


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # Monday = 0
    start: time
    end: time
    location_id: int | None  # None: online sessions only


@dataclass(frozen=True)
class ExtraHours:
    start: datetime
    end: datetime
    location_id: int | None


@dataclass(frozen=True)
class Closure:
    """A blackout: everywhere (location_id None) or at one location."""

    start: datetime
    end: datetime
    location_id: int | None = None


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime
    location_id: int | None = None
    room_id: int | None = None


@dataclass(frozen=True)
class RoomCalendar:
    """A room's busy time: as Intervals, or (what the loader reads) as integer
    microseconds since 1970 in ``busy_us``; the engine takes both together."""

    room_id: int
    location_id: int
    busy: tuple[Interval, ...] = ()
    busy_us: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class TherapistCalendar:
    """Everything about one therapist the engine needs, as plain values."""

    zone: ZoneInfo
    weekly: tuple[WeeklyHours, ...] = ()
    extra: tuple[ExtraHours, ...] = ()
    time_off: tuple[Interval, ...] = ()
    closures: tuple[Closure, ...] = ()
    busy: tuple[Interval, ...] = ()
    booked_starts: tuple[datetime, ...] = ()  # sessions that count toward the limits
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    window: timedelta = timedelta(days=60)
    max_per_day: int | None = None
    max_per_week: int | None = None
    step: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Venue:
    """Where a therapy type may happen.

    ``online``: any working hours will do and no room is taken. Otherwise the hours
    must name a location; ``rooms`` None means no room is needed there, else one of
    the listed rooms at that location must be free for the buffered span.
    """

    online: bool = False
    rooms: Mapping[int, Sequence[RoomCalendar]] | None = None
    # The rooms' busy time indexed once and shared by every therapist asked about
    # with this venue (a memo: it never changes what the venue means).
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def rooms_index(self) -> _Rooms | None:
        if self.rooms is None:
            return None
        if "rooms" not in self._index:
            self._index["rooms"] = _Rooms.build(self.rooms)
        return self._index["rooms"]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (UTC)."""
    return (moment - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


class _BusyIndex:
    """Answers "does anything here overlap [a, b)?" in O(log n).

    Kept as integer microseconds: a month of a studio's rooms is thousands of spans
    per call, and ints are read, sorted and compared in C where datetimes are not.
    """

    __slots__ = ("_max_end", "_starts")

    def __init__(self, spans_us: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans_us)
        self._starts = [start for start, _ in ordered]
        self._max_end = list(accumulate((end for _, end in ordered), max))

    @classmethod
    def of(cls, intervals: Iterable[Interval], spans_us: Iterable[tuple[int, int]] = ()) -> _BusyIndex:
        return cls([*spans_us, *((to_us(i.start), to_us(i.end)) for i in intervals)])

    def overlaps_us(self, start: int, end: int) -> bool:
        n = bisect.bisect_left(self._starts, end)  # spans starting before `end`
        return bool(n) and self._max_end[n - 1] > start

    def blocked_until(self, start: datetime, end: datetime) -> datetime | None:
        """None if nothing overlaps [start, end), else when the overlapping busy time ends.

        No span that starts before that instant and ends after ``end`` is free either,
        so a caller may skip straight past it.
        """
        n = bisect.bisect_left(self._starts, to_us(end))
        if n and self._max_end[n - 1] > to_us(start):
            return from_us(self._max_end[n - 1])
        return None


@dataclass
class _Rooms:
    by_location: dict[int, list[tuple[int, _BusyIndex]]] = field(default_factory=dict)
    # Therapists at one location ask about the same spans (same grid, same buffers):
    # the answer depends on the span alone, so it is remembered.
    _answers: dict[tuple[int, datetime, datetime], int | None] = field(default_factory=dict)

    @classmethod
    def build(cls, rooms: Mapping[int, Sequence[RoomCalendar]]) -> _Rooms:
        return cls({loc: [(r.room_id, _BusyIndex.of(r.busy, r.busy_us)) for r in cals] for loc, cals in rooms.items()})

    def free_room(self, location_id: int, start: datetime, end: datetime) -> int | None:
        key = (location_id, start, end)
        if key not in self._answers:
            start_us, end_us = to_us(start), to_us(end)
            self._answers[key] = next(
                (
                    room_id
                    for room_id, busy in self.by_location.get(location_id, ())
                    if not busy.overlaps_us(start_us, end_us)
                ),
                None,
            )
        return self._answers[key]


def _subtract(spans: list[tuple[datetime, datetime]], cuts: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    for cut in cuts:
        next_spans = []
        for start, end in spans:
            if cut.end <= start or cut.start >= end:
                next_spans.append((start, end))
                continue
            if start < cut.start:
                next_spans.append((start, cut.start))
            if cut.end < end:
                next_spans.append((cut.end, end))
        spans = next_spans
    return spans


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return wall_time_to_utc(day, time.min, zone), wall_time_to_utc(day + timedelta(days=1), time.min, zone)


def open_time(cal: TherapistCalendar, day: date) -> list[tuple[datetime, datetime, int | None]]:
    """The day's bookable spans (before busy time, notice and limits), per location."""
    day_start, day_end = _day_bounds(day, cal.zone)
    by_location: dict[int | None, list[tuple[datetime, datetime]]] = {}
    for hours in cal.weekly:
        if hours.weekday == day.weekday():
            span = (wall_time_to_utc(day, hours.start, cal.zone), wall_time_to_utc(day, hours.end, cal.zone))
            if span[1] > span[0]:
                by_location.setdefault(hours.location_id, []).append(span)
    result: list[tuple[datetime, datetime, int | None]] = []
    for location_id, spans in by_location.items():
        for start, end in _subtract(spans, cal.time_off):
            result.append((start, end, location_id))
    for extra in cal.extra:
        start, end = max(extra.start, day_start), min(extra.end, day_end)
        if start < end:
            result.append((start, end, extra.location_id))
    closed = [c for c in cal.closures if c.end > day_start and c.start < day_end]
    if not closed:
        return result
    trimmed: list[tuple[datetime, datetime, int | None]] = []
    for start, end, location_id in result:
        cuts = [Interval(c.start, c.end) for c in closed if c.location_id is None or c.location_id == location_id]
        trimmed.extend((s, e, location_id) for s, e in _subtract([(start, end)], cuts))
    return trimmed


_START = attrgetter("start")


def _first_on_grid(start: datetime, step: timedelta, zone: ZoneInfo) -> datetime:
    """The first start at or after ``start`` on the step grid counted from local midnight.

    A clock change between ``start`` and the next grid time (e.g. Lord Howe's half
    hour) can leave that time off the local grid: align again until it is on it.
    """
    for _ in range(3):
        local = start.astimezone(zone)
        since_midnight = timedelta(
            hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
        )
        remainder = since_midnight % step
        if not remainder:
            break
        start = start - remainder + step
    return start


def _week_key(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def free_slots(
    cal: TherapistCalendar,
    *,
    duration: timedelta,
    first_day: date,
    last_day: date,
    now: datetime,
    venue: Venue = Venue(online=True),
    first_per_day: bool = False,
) -> list[Slot]:
    """Bookable slots of ``duration`` on the therapist's local days first_day..last_day.

    ``first_per_day`` stops at each day's first slot: enough to mark a month calendar.
    """
    return list(_iter_slots(cal, duration, first_day, last_day, now, venue, first_per_day))


def _iter_slots(
    cal: TherapistCalendar,
    duration: timedelta,
    first_day: date,
    last_day: date,
    now: datetime,
    venue: Venue,
    first_per_day: bool,
) -> Iterator[Slot]:
    if duration <= timedelta(0) or cal.step <= timedelta(0):
        return
    earliest, latest = now + cal.min_notice, now + cal.window
    busy = _BusyIndex.of(cal.busy)
    rooms = venue.rooms_index()
    local_days = [s.astimezone(cal.zone).date() for s in cal.booked_starts]
    per_day = Counter(local_days)
    per_week = Counter(_week_key(d) for d in local_days)
    day = first_day
    while day <= last_day:
        yield from _day_slots(
            cal, day, duration, earliest, latest, busy, rooms, venue, per_day, per_week, first_per_day
        )
        day += timedelta(days=1)


def _day_slots(
    cal: TherapistCalendar,
    day: date,
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    busy: _BusyIndex,
    rooms: _Rooms | None,
    venue: Venue,
    per_day: Counter,
    per_week: Counter,
    first_per_day: bool,
) -> Iterator[Slot]:
    if cal.max_per_day is not None and per_day[day] >= cal.max_per_day:
        return
    if cal.max_per_week is not None and per_week[_week_key(day)] >= cal.max_per_week:
        return
    seen: set[datetime] = set()
    found: list[Slot] = []
    step, zone, before = cal.step, cal.zone, cal.buffer_before
    after = duration + cal.buffer_after  # from the start to the end of the buffer after
    blocked_until = busy.blocked_until
    for span_start, span_end, location_id in sorted(open_time(cal, day), key=lambda s: (s[0], s[2] or 0)):
        if not venue.online and location_id is None:
            continue  # online-only hours cannot host an in-person session
        start = _first_on_grid(max(span_start, earliest), step, zone)
        last_start = min(span_end - duration, latest)
        # Across a clock change that is not a whole number of steps, the next start
        # must be put back on the local grid (rare: only then is it worth the cost).
        realign = span_start.astimezone(zone).utcoffset() != span_end.astimezone(zone).utcoffset()
        while start <= last_start:
            if start not in seen:
                blocked = blocked_until(start - before, start + after)
                if blocked is not None:
                    # Every start whose buffer before begins inside that busy time is
                    # taken too: go straight to the first start on the grid after it.
                    start = _first_on_grid(max(blocked + before, start + step), step, zone)
                    continue
                slot = _fit(cal, start, duration, location_id, rooms, venue)
                if slot is not None:
                    seen.add(start)
                    found.append(slot)
            start += step
            if realign:
                start = _first_on_grid(start, step, zone)
    found.sort(key=_START)  # starts are unique within the day (``seen``)
    yield from found[:1] if first_per_day else found


def _fit(
    cal: TherapistCalendar,
    start: datetime,
    duration: timedelta,
    location_id: int | None,
    rooms: _Rooms | None,
    venue: Venue,
) -> Slot | None:
    """The slot at ``start`` with a room if it needs one (the therapist is known to be free)."""
    end = start + duration
    held_from, held_until = start - cal.buffer_before, end + cal.buffer_after
    if venue.online:
        return Slot(start, end, location_id, None)
    room_id = None
    if rooms is not None:
        room_id = rooms.free_room(location_id, held_from, held_until)
        if room_id is None:
            return None
    return Slot(start, end, location_id, room_id)


def slot_is_free(
    cal: TherapistCalendar, *, start: datetime, duration: timedelta, now: datetime, venue: Venue
) -> Slot | None:
    """The slot starting exactly at ``start`` if a client may book it now, else None."""
    day = start.astimezone(cal.zone).date()
    for slot in free_slots(cal, duration=duration, first_day=day, last_day=day, now=now, venue=venue):
        if slot.start == start:
            return slot
    return None


def offered_time(cal: TherapistCalendar, *, start: datetime, duration: timedelta) -> str:
    """Why a time that is not a free slot is not one: "hours", "grid" or "" (it was taken).

    "hours": the session does not fit inside the therapist's working hours that day
    (time off and closures count as not working); "grid": it fits, but is not one of
    the start times they offer (the step grid from local midnight); "": it is a time
    they offer, so something else took it.
    """
    end = start + duration
    day = start.astimezone(cal.zone).date()
    if not any(s <= start and end <= e for s, e, _ in open_time(cal, day)):
        return "hours"
    if _first_on_grid(start, cal.step, cal.zone) != start:
        return "grid"
    return ""
