"""Read calendar objects the way two different calendar apps would: icalendar and vobject.

Every invitation and feed in the tests goes through both parsers, and the two
readings must agree, so a file only one library tolerates fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

import icalendar
import vobject


@dataclass(frozen=True)
class Party:
    """An ORGANIZER or ATTENDEE: its address and the parameters calendar apps read."""

    address: str
    cn: str
    role: str = ""
    partstat: str = ""


@dataclass(frozen=True)
class Event:
    uid: str
    sequence: int
    status: str
    url: str
    summary: str
    description: str
    start: datetime  # in UTC: aware times in two zone types never compare equal in a repeated hour (PEP 495)
    organizer: Party | None
    attendees: tuple[Party, ...]


@dataclass(frozen=True)
class Calendar:
    method: str  # "" when the object has none (a feed)
    events: tuple[Event, ...]

    def event(self, uid: str) -> Event:
        (found,) = [e for e in self.events if e.uid == uid]
        return found

    @property
    def uids(self) -> set[str]:
        return {e.uid for e in self.events}


def _ical_party(value) -> Party:
    params = value.params
    return Party(str(value), str(params.get("CN", "")), str(params.get("ROLE", "")), str(params.get("PARTSTAT", "")))


def _by_icalendar(data: bytes) -> Calendar:
    cal = icalendar.Calendar.from_ical(data)
    events = []
    for ev in cal.walk("VEVENT"):
        attendees = ev.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        events.append(
            Event(
                uid=str(ev["UID"]),
                sequence=int(ev.get("SEQUENCE", 0)),
                status=str(ev.get("STATUS", "")),
                url=str(ev.get("URL", "")),
                summary=str(ev.get("SUMMARY", "")),
                description=str(ev.get("DESCRIPTION", "")),
                start=ev.decoded("DTSTART").astimezone(UTC),
                organizer=_ical_party(ev["ORGANIZER"]) if "ORGANIZER" in ev else None,
                attendees=tuple(_ical_party(a) for a in attendees),
            )
        )
    return Calendar(str(cal.get("METHOD", "")), tuple(events))


def _vobject_party(line) -> Party:
    def param(name: str) -> str:
        return (line.params.get(name) or [""])[0]

    return Party(line.value, param("CN"), param("ROLE"), param("PARTSTAT"))


def _by_vobject(data: bytes) -> Calendar:
    cal = vobject.readOne(data.decode("utf-8"))
    events = []
    for ev in cal.contents.get("vevent", []):

        def value(name: str, default: str = "", ev=ev) -> str:
            return ev.contents[name][0].value if name in ev.contents else default

        events.append(
            Event(
                uid=value("uid"),
                sequence=int(value("sequence", "0")),
                status=value("status"),
                url=value("url"),
                summary=value("summary"),
                description=value("description"),
                start=ev.dtstart.value.astimezone(UTC),
                organizer=_vobject_party(ev.organizer) if "organizer" in ev.contents else None,
                attendees=tuple(_vobject_party(a) for a in ev.contents.get("attendee", [])),
            )
        )
    method = cal.contents["method"][0].value if "method" in cal.contents else ""
    return Calendar(method, tuple(events))


def read(data: bytes) -> Calendar:
    """The calendar as both parsers read it; they must agree on every field we look at."""
    first, second = _by_icalendar(data), _by_vobject(data)
    assert first == second, f"icalendar and vobject disagree:\n{first}\n{second}"
    return first


@dataclass(frozen=True)
class Invitation:
    """A calendar attachment of an e-mail: the MIME part's ``method=`` and what it holds."""

    mime_method: str
    calendar: Calendar

    @property
    def method(self) -> str:
        return self.calendar.method

    @property
    def event(self) -> Event:
        (only,) = self.calendar.events
        return only


def invitation(message: Message) -> Invitation | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Invitation(str(part.get_param("method") or ""), read(part.get_payload(decode=True)))
    return None


def invitations(inbox, email: str) -> list[Invitation]:
    """The invitations one person received, in order (messages without one are left out)."""
    found = [invitation(m) for m in inbox.messages if m["To"] == email]
    return [i for i in found if i is not None]
