"""The free-slot engine's plain values, and the busy-time indexes built over them.

What the loader (schedules.slots) hands in, the slots the engine hands back, and the
integer-microsecond indexes that answer "is anything busy then?" quickly. Pure: no ORM.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from typing import NamedTuple
from zoneinfo import ZoneInfo


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

    def rooms_index(self) -> RoomsIndex | None:
        if self.rooms is None:
            return None
        if "rooms" not in self._index:
            self._index["rooms"] = RoomsIndex.build(self.rooms)
        return self._index["rooms"]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (UTC)."""
    return (moment - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


class BusyIndex:
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
    def of(cls, intervals: Iterable[Interval], spans_us: Iterable[tuple[int, int]] = ()) -> BusyIndex:
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
class RoomsIndex:
    by_location: dict[int, list[tuple[int, BusyIndex]]] = field(default_factory=dict)
    # Therapists at one location ask about the same spans (same grid, same buffers):
    # the answer depends on the span alone, so it is remembered.
    _answers: dict[tuple[int, datetime, datetime], int | None] = field(default_factory=dict)

    @classmethod
    def build(cls, rooms: Mapping[int, Sequence[RoomCalendar]]) -> RoomsIndex:
        return cls({loc: [(r.room_id, BusyIndex.of(r.busy, r.busy_us)) for r in cals] for loc, cals in rooms.items()})

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
