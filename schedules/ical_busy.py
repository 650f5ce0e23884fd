"""Busy spans of an iCalendar file. Pure: bytes in, merged spans out, no ORM, no network.

Recurring events are expanded with recurring-ical-events (RRULE, RDATE, EXDATE and
moved occurrences, as calendar apps write them). Events marked free
(TRANSP:TRANSPARENT) or cancelled block nothing; all-day events block whole days in
the therapist's zone; floating times are read in that zone too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from schedules.availability import Interval
from schedules.recurrence import wall_time_to_utc


class CalendarReadError(Exception):
    """The address could not be read or is not an iCalendar file: str() says which."""


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return wall_time_to_utc(value, time.min, zone)


def busy_intervals(ics: bytes, *, start: datetime, end: datetime, zone: ZoneInfo) -> list[Interval]:
    """The calendar's busy spans that touch [start, end), merged and sorted."""
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except ValueError as exc:
        raise CalendarReadError(f"Not an iCalendar file: {exc}") from None
    spans = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begins = event.get("DTSTART")
        if begins is None:
            continue
        first = _aware(begins.dt, zone)
        if event.get("DTEND") is not None:
            last = _aware(event["DTEND"].dt, zone)
        elif event.get("DURATION") is not None:
            last = first + event["DURATION"].dt
        else:  # RFC 5545: a date lasts the day, a date-time is an instant
            last = first + (timedelta(days=1) if not isinstance(begins.dt, datetime) else timedelta(0))
        if last > first:
            spans.append(Interval(max(first, start), min(last, end)))
    return _merge(spans)


def _merge(spans: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for span in sorted(spans):
        if span.end <= span.start:
            continue
        if merged and span.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged
