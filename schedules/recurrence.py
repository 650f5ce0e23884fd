"""Occurrence expansion for class schedules. Pure: no ORM, no Django settings.

A schedule's pattern is a django-recurrence ``Recurrence`` whose dates are wall
dates of the location. We expand it ourselves, rule by rule, instead of calling
``Recurrence.between``: that method adds ``dtstart`` (and ``dtend``) as extra
occurrences, and RDATE/EXDATE may come back time-zone-aware with a ``Z`` from the
database. Working on dates only sidesteps both. Times are attached afterwards
with ``zoneinfo``, so a 07:00 class is at 07:00 local on both sides of a
daylight-saving change.

Clock-change nights, decided once here:
- a wall time that does not exist (spring forward, e.g. 02:30 in Madrid on the last
  Sunday of March) is moved forward by the size of the gap (03:30 local);
- a wall time that happens twice (fall back) is the *first* of the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recurrence import Recurrence, Rule


@dataclass(frozen=True)
class Occurrence:
    """One dated occurrence: the local date it belongs to and its UTC span."""

    local_date: date
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    # A wall time stored with a spurious "Z": keep the wall clock reading.
    return value.replace(tzinfo=None)


def _rule_dates(rule: Rule, dtstart: datetime, lo: datetime, hi: datetime) -> set[date]:
    copy = Rule(
        rule.freq,
        interval=rule.interval,
        wkst=rule.wkst,
        count=rule.count,
        until=_naive(rule.until),
        **{param: getattr(rule, param) for param in rule.byparams},
    )
    return {d.date() for d in copy.to_dateutil_rrule(dtstart=dtstart).between(lo, hi, inc=True)}


def expand_dates(
    pattern: Recurrence | None,
    *,
    valid_from: date,
    valid_until: date | None,
    window_start: date,
    window_end: date,
) -> list[date]:
    """Local dates on which the pattern occurs, inside both the validity and the window.

    Both ranges are inclusive. Rules count from ``valid_from`` (so "every 2 weeks"
    alternates from the schedule's first week, whatever window is asked for).
    """
    lo_date = max(valid_from, window_start)
    hi_date = min(valid_until, window_end) if valid_until else window_end
    if pattern is None or lo_date > hi_date:
        return []
    dtstart = datetime.combine(valid_from, time.min)
    lo, hi = datetime.combine(lo_date, time.min), datetime.combine(hi_date, time.min)

    dates: set[date] = set()
    for rule in pattern.rrules:
        dates |= _rule_dates(rule, dtstart, lo, hi)
    dates |= {d for d in map(_as_date, pattern.rdates) if lo_date <= d <= hi_date}
    for rule in pattern.exrules:
        dates -= _rule_dates(rule, dtstart, lo, hi)
    dates -= {_as_date(d) for d in pattern.exdates}
    return sorted(dates)


def wall_time_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time, by the clock-change rules in the module doc.

    ``fold=0`` resolves a repeated time to its first occurrence and, for a time in a
    gap, uses the offset from before the change, which lands it after the gap.
    """
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences(
    dates: Iterable[date],
    *,
    start_time: time,
    duration: timedelta,
    zone: ZoneInfo,
) -> list[Occurrence]:
    """Attach the wall start time in ``zone`` to each date; the length is elapsed time."""
    result = []
    for day in dates:
        start = wall_time_to_utc(day, start_time, zone)
        result.append(Occurrence(local_date=day, starts_at=start, ends_at=start + duration))
    return result


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open interval overlap, the same rule as PostgreSQL's ``&&`` on ``[)`` ranges."""
    return a_start < b_end and b_start < a_end
