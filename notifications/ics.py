"""Calendar objects (RFC 5545, with RFC 5546 methods), built with the icalendar library.

The one place every invitation, feed and "add to calendar" file is made: the caller
describes the event as plain data (``notifications`` never looks at a booking), this
module writes METHOD, SEQUENCE, STATUS, ORGANIZER and ATTENDEE the same way for all
of them. Times carry the location's TZID (with its VTIMEZONE), so a calendar shows
the class at the studio's wall time wherever the reader is.

- METHOD follows from the event: an invitation of a cancelled event is a CANCEL,
  any other a REQUEST (:func:`invitation`); a feed has no METHOD (RFC 7986 style
  subscription) and a downloaded file is a PUBLISH.
- ORGANIZER is always the studio (the sender address of ``DEFAULT_FROM_EMAIL``, with
  the studio's name as CN): it sends every invitation and every update.
- ATTENDEE is the one person the object is for (the e-mail's recipient, the feed's
  owner), with their ROLE in the event: CHAIR for the practitioner who leads it,
  REQ-PARTICIPANT for a client. Other people are never listed, so nobody's address
  travels to someone else's calendar. RSVP=FALSE: answers are given on Shala's
  pages, not by a calendar REPLY to a sender address nobody reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings

PRODID = "-//Shala//Studio bookings//EN"

CLIENT = "REQ-PARTICIPANT"
LEADER = "CHAIR"


@dataclass(frozen=True)
class Person:
    """Whom an invitation or a feed is for: their address and the name calendars show."""

    email: str
    name: str


@dataclass(frozen=True)
class CalendarEvent:
    """One event as the caller sees it; ``to_dict``/``from_dict`` keep it in an outbox row.

    ``uid`` and ``sequence`` must be the same wherever the event appears (every
    invitation and every feed), or calendar apps show duplicates or ignore updates.
    """

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
    tentative: bool = False  # asked for, not yet confirmed (a therapy request)
    role: str = CLIENT  # the reader's part in it: CLIENT or LEADER

    @property
    def status(self) -> str:
        if self.cancelled:
            return "CANCELLED"
        return "TENTATIVE" if self.tentative else "CONFIRMED"

    @property
    def partstat(self) -> str:
        """The reader's answer as far as Shala knows it: they booked (or lead) it, or wait for an answer."""
        return "TENTATIVE" if self.tentative and not self.cancelled else "ACCEPTED"

    def to_dict(self) -> dict:
        return {**asdict(self), "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: dict) -> CalendarEvent:
        # Rows queued before a field existed lack it: the dataclass default applies.
        return cls(
            **{**data, "start": datetime.fromisoformat(data["start"]), "end": datetime.fromisoformat(data["end"])}
        )


def _cn(name: str) -> icalendar.vText:
    """A name as a CN parameter. A double quote cannot appear in a quoted parameter value
    (RFC 5545 3.1); RFC 6868's ^' escape is not read by every parser (vobject shows it
    as is), so it becomes a single quote."""
    return icalendar.vText(name.replace('"', "'"))


def _wall_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` at the zone's wall time, or in UTC in the repeated hour when clocks go back.

    A TZID time that happens twice means the first of the two (RFC 5545 3.3.5), so the
    second one can only be written in UTC; written locally it would move an hour earlier.
    """
    local = moment.astimezone(zone)
    return moment.astimezone(UTC) if local.fold else local


def organizer() -> icalendar.vCalAddress:
    """The studio, which sends every invitation and update."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    value = icalendar.vCalAddress(f"mailto:{address}")
    value.params["CN"] = _cn(settings.STUDIO_NAME or name)
    return value


def _attendee(person: Person, event: CalendarEvent) -> icalendar.vCalAddress:
    value = icalendar.vCalAddress(f"mailto:{person.email}")
    value.params["CN"] = _cn(person.name)
    value.params["CUTYPE"] = icalendar.vText("INDIVIDUAL")
    value.params["ROLE"] = icalendar.vText(event.role)
    value.params["PARTSTAT"] = icalendar.vText(event.partstat)
    value.params["RSVP"] = icalendar.vText("FALSE")
    return value


def _vevent(event: CalendarEvent, stamp: datetime, attendee: Person | None) -> icalendar.Event:
    zone = ZoneInfo(event.tzid)
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", _wall_time(event.start, zone))
    vevent.add("dtend", _wall_time(event.end, zone))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", event.status)
    vevent.add("organizer", organizer())
    if attendee is not None:
        vevent.add("attendee", _attendee(attendee, event))
    return vevent


def calendar_bytes(
    events: list[CalendarEvent],
    *,
    method: str | None = None,
    name: str = "",
    stamp: datetime,
    attendee: Person | None = None,
) -> bytes:
    """A VCALENDAR with the events, for ``attendee`` (None: a public timetable, nobody's copy).

    ``method`` is None for a subscribed feed, PUBLISH for a downloaded file; e-mail
    invitations go through :func:`invitation`, which picks REQUEST or CANCEL.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_vevent(event, stamp, attendee))
    if events:
        # Only the zone's rules around these events: the full 1970-2038 history costs
        # ~6 ms and 2.5 kB per message for nothing a calendar app needs.
        first = min(e.start for e in events).date() - timedelta(days=366)
        last = max(e.end for e in events).date() + timedelta(days=2 * 366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def invitation_method(event: CalendarEvent) -> str:
    """RFC 5546: CANCEL removes the event from the attendee's calendar, REQUEST adds or updates it."""
    return "CANCEL" if event.cancelled else "REQUEST"


def invitation(event: CalendarEvent, *, to: Person, stamp: datetime) -> tuple[str, bytes]:
    """(method, bytes) of the invitation e-mailed to ``to``: the MIME part names the same method."""
    method = invitation_method(event)
    return method, calendar_bytes([event], method=method, stamp=stamp, attendee=to)
