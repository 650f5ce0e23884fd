"""Calendar files (RFC 5545) for bookings, built with the icalendar library.

Plain data in, bytes out: ``notifications`` never looks at a booking, the caller
describes the event. Times carry the location's TZID (with its VTIMEZONE), so a
calendar shows the class at the studio's wall time wherever the reader is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//Shala//Studio bookings//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime  # aware
    end: datetime  # aware
    tzid: str
    summary: str
    sequence: int = 0
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False

    def to_dict(self) -> dict:
        return {
            "uid": self.uid,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tzid": self.tzid,
            "summary": self.summary,
            "sequence": self.sequence,
            "description": self.description,
            "location": self.location,
            "url": self.url,
            "cancelled": self.cancelled,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CalendarEvent:
        return cls(
            **{**data, "start": datetime.fromisoformat(data["start"]), "end": datetime.fromisoformat(data["end"])}
        )


def _vevent(event: CalendarEvent, stamp: datetime) -> icalendar.Event:
    zone = ZoneInfo(event.tzid)
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", event.start.astimezone(zone))
    vevent.add("dtend", event.end.astimezone(zone))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


def calendar_bytes(events: list[CalendarEvent], *, method: str | None = None, name: str = "", stamp: datetime) -> bytes:
    """A VCALENDAR with the events; ``method`` is REQUEST/CANCEL for e-mail invitations."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_vevent(event, stamp))
    if events:
        # Only the zone's rules around these events: the full 1970-2038 history costs
        # ~6 ms and 2.5 kB per message for nothing a calendar app needs.
        first = min(e.start for e in events).date() - timedelta(days=366)
        last = max(e.end for e in events).date() + timedelta(days=2 * 366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
