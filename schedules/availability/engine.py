"""The free-slot engine: which start times a client may pick. Pure: no ORM.

Open time per day (weekly hours, time off, extra hours, closures), then the step grid,
busy time with buffers, rooms, notice, booking window and the day/week limits; the
package docstring (schedules.availability) gives the whole rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from schedules.availability.values import BusyIndex, Interval, RoomsIndex, Slot, TherapistCalendar, Venue
from schedules.recurrence import wall_time_to_utc


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


# The default venue: online, so any working hours will do and no room is taken.
ONLINE = Venue(online=True)


def free_slots(
    cal: TherapistCalendar,
    *,
    duration: timedelta,
    first_day: date,
    last_day: date,
    now: datetime,
    venue: Venue = ONLINE,
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
    busy = BusyIndex.of(cal.busy)
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
    busy: BusyIndex,
    rooms: RoomsIndex | None,
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
    rooms: RoomsIndex | None,
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
