"""Reads behind the therapy pages: what a client can book, what a therapist has on.

All times leave here as aware datetimes; templates show them in the viewer's zone
(the middleware activates it), and pages name that zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from bookings.models import Booking, BookingStatus, TimeProposal
from bookings.services import answer_due, needs_approval
from bookings.transitions import ACTIVE_VALUES
from schedules.availability import Slot
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    ClassSession,
    ExternalBusyTime,
    Location,
    Practitioner,
    SessionStatus,
    TherapyDuration,
    TherapyType,
)
from schedules.recurrence import wall_time_to_utc
from schedules.slots import settings_for, slots_for


def therapy_types() -> QuerySet[TherapyType]:
    """Active therapy types with their durations and active therapists (three queries)."""
    return TherapyType.objects.filter(is_active=True).prefetch_related(
        Prefetch("durations", queryset=TherapyDuration.objects.order_by("minutes")),
        Prefetch(
            "therapists",
            queryset=Practitioner.objects.filter(is_active=True, is_therapist=True).order_by("public_name"),
        ),
    )


def therapy_type(slug: str) -> TherapyType:
    return therapy_types().get(slug=slug)


@dataclass
class DayCell:
    day: date
    in_month: bool
    free: bool
    selected: bool
    past: bool


@dataclass
class TimeChoice:
    slot: Slot
    practitioner: Practitioner


@dataclass
class BookingCalendar:
    """A month of days marked where some therapist has free time, and one day's times."""

    month: date
    weeks: list[list[DayCell]]
    day: date | None
    times: list[TimeChoice]
    zone: ZoneInfo
    previous_month: date | None
    next_month: date
    free_days: set[date] = field(default_factory=set)


def month_start(value: date) -> date:
    return value.replace(day=1)


def _add_months(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def booking_calendar(
    *,
    kind: TherapyType,
    minutes: int,
    therapists: list[Practitioner],
    month: date,
    day: date | None,
    zone: ZoneInfo,
    now: datetime | None = None,
    ignore_occupancy_ids: tuple[int, ...] = (),
) -> BookingCalendar:
    """The client's month view: days with free time marked in the client's zone, and one day's times.

    Marking a day needs only its first slot, so the month is computed with
    ``first_per_day`` (several times cheaper). That is exact for therapists in the
    client's own zone; for the others a later slot may fall on the client's next day,
    so their month is computed in full. The chosen day's times are a second, small
    computation.
    """
    now = now or timezone.now()
    month = month_start(month)
    last = _add_months(month, 1) - timedelta(days=1)
    by_pk = {p.pk: p for p in therapists}
    common: dict[str, Any] = {"minutes": minutes, "now": now, "ignore_occupancy_ids": ignore_occupancy_ids}
    # One day more on each side: a therapist's local day may fall on the client's neighbour day.
    month_span: dict[str, Any] = {"first_day": month - timedelta(days=1), "last_day": last + timedelta(days=1)}
    found = slots_for(kind, practitioner_ids=list(by_pk), first_per_day=True, **month_span, **common)
    elsewhere = [t.practitioner_id for t in found if str(t.zone) != str(zone)]
    if elsewhere:
        found = [t for t in found if t.practitioner_id not in elsewhere]
        found += slots_for(kind, practitioner_ids=elsewhere, **month_span, **common)
    free_days = {
        local_day
        for therapist_slots in found
        for slot in therapist_slots.slots
        if month <= (local_day := timezone.localtime(slot.start, zone).date()) <= last
    }
    times: list[TimeChoice] = []
    if day and month <= day <= last:
        for therapist_slots in slots_for(
            kind,
            practitioner_ids=list(by_pk),
            first_day=day - timedelta(days=1),
            last_day=day + timedelta(days=1),
            **common,
        ):
            times += [
                TimeChoice(slot, by_pk[therapist_slots.practitioner_id])
                for slot in therapist_slots.slots
                if timezone.localtime(slot.start, zone).date() == day
            ]
        times.sort(key=lambda t: (t.slot.start, t.practitioner.public_name))
    today = timezone.localtime(now, zone).date()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append([DayCell(d, d.month == month.month, d in free_days, d == day, d < today) for d in week])
    return BookingCalendar(
        month=month,
        weeks=weeks,
        day=day,
        times=times,
        zone=zone,
        previous_month=_add_months(month, -1) if month > month_start(today) else None,
        next_month=_add_months(month, 1),
        free_days=free_days,
    )


# --- client side --------------------------------------------------------------------------


def client_proposal(*, client, pk: int) -> TimeProposal:
    """A proposal addressed to this client (DoesNotExist for anyone else's)."""
    return TimeProposal.objects.select_related(
        "booking__therapy_type", "booking__practitioner", "booking__location", "booking__room"
    ).get(pk=pk, booking__client=client)


# --- therapist side -----------------------------------------------------------------------


def therapist_for(user) -> Practitioner | None:
    practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
    return practitioner if practitioner and practitioner.is_therapist and practitioner.is_active else None


def _therapist_bookings(practitioner: Practitioner) -> QuerySet[Booking]:
    return Booking.objects.filter(practitioner=practitioner).select_related(
        "client", "therapy_type", "location", "room", "series"
    )


def therapist_booking(*, practitioner: Practitioner, reference: str) -> Booking:
    """One of this therapist's sessions (DoesNotExist for another therapist's)."""
    return _therapist_bookings(practitioner).prefetch_related("proposals").get(reference=reference)


def open_requests(practitioner: Practitioner) -> QuerySet[Booking]:
    return (
        _therapist_bookings(practitioner)
        .filter(status=BookingStatus.REQUESTED)
        .prefetch_related(Prefetch("proposals", queryset=TimeProposal.objects.filter(state="open")))
        .order_by("respond_by", "starts_at")
    )


def upcoming_sessions(practitioner: Practitioner, *, now: datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return _therapist_bookings(practitioner).filter(status__in=ACTIVE_VALUES, ends_at__gte=now).order_by("starts_at")


def sessions_between(practitioner: Practitioner, start: datetime, end: datetime) -> QuerySet[Booking]:
    return (
        _therapist_bookings(practitioner)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED])
        .order_by("starts_at")
    )


@dataclass
class CalendarEntry:
    start: datetime
    end: datetime
    kind: str  # hours | session | request | class | time_off | extra
    label: str
    url: str = ""


@dataclass
class WeekDay:
    day: date
    entries: list[CalendarEntry]


def therapist_week(practitioner: Practitioner, *, monday: date, zone: ZoneInfo) -> list[WeekDay]:
    """Everything on a therapist's week, per local day: hours, sessions, requests, classes, time off."""
    return therapist_days(practitioner, first=monday, count=7, zone=zone)


@dataclass
class MonthDay:
    day: date
    in_month: bool
    working: bool
    sessions: int
    requests: int
    classes: int
    time_off: bool


def therapist_month(practitioner: Practitioner, *, month: date, zone: ZoneInfo) -> list[list[MonthDay]]:
    """A month at a glance, in weeks: worked or not, sessions, requests, classes, time off (same queries as a week)."""
    month = month_start(month)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    days = therapist_days(practitioner, first=weeks[0][0], count=len(weeks) * 7, zone=zone)
    cells = []
    for d in days:
        kinds = [e.kind for e in d.entries]
        cells.append(
            MonthDay(
                d.day,
                d.day.month == month.month,
                "hours" in kinds or "extra" in kinds,
                kinds.count("session"),
                kinds.count("request"),
                kinds.count("class"),
                "time_off" in kinds,
            )
        )
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def therapist_days(practitioner: Practitioner, *, first: date, count: int, zone: ZoneInfo) -> list[WeekDay]:
    """Everything on a therapist's calendar for ``count`` local days from ``first`` (six queries)."""
    start = wall_time_to_utc(first, datetime.min.time(), zone)
    end = wall_time_to_utc(first + timedelta(days=count), datetime.min.time(), zone)
    days: dict[date, list[CalendarEntry]] = {first + timedelta(days=i): [] for i in range(count)}
    locations = {loc.pk: loc.name for loc in Location.objects.all()}

    def put(entry: CalendarEntry) -> None:
        local = timezone.localtime(entry.start, zone).date()
        if local in days:
            days[local].append(entry)

    for rule in AvailabilityRule.objects.filter(practitioner=practitioner):
        for day in days:
            if day.weekday() == rule.weekday:
                where = locations.get(rule.location_id, "") if rule.location_id else "online"
                put(
                    CalendarEntry(
                        wall_time_to_utc(day, rule.start_time, zone),
                        wall_time_to_utc(day, rule.end_time, zone),
                        "hours",
                        where,
                    )
                )
    for o in AvailabilityOverride.objects.filter(practitioner=practitioner, starts_at__lt=end, ends_at__gt=start):
        for day in days:  # long time off shows on each day it covers
            d0, d1 = (
                wall_time_to_utc(day, datetime.min.time(), zone),
                wall_time_to_utc(day + timedelta(days=1), datetime.min.time(), zone),
            )
            if o.starts_at < d1 and o.ends_at > d0:
                days[day].append(
                    CalendarEntry(
                        max(o.starts_at, d0), min(o.ends_at, d1), "time_off" if o.kind == "blocked" else "extra", o.note
                    )
                )
    for busy in ExternalBusyTime.objects.filter(practitioner=practitioner, starts_at__lt=end, ends_at__gt=start):
        put(CalendarEntry(busy.starts_at, busy.ends_at, "external", ""))
    for b in sessions_between(practitioner, start, end):
        kind = "request" if b.status == BookingStatus.REQUESTED else "session"
        put(CalendarEntry(b.start, b.end, kind, f"{b.kind.title} · {b.client.name}", b.reference))
    classes = ClassSession.objects.filter(
        instructor=practitioner, starts_at__lt=end, ends_at__gt=start, status=SessionStatus.SCHEDULED
    ).select_related("class_type")
    for s in classes:
        put(CalendarEntry(s.starts_at, s.ends_at, "class", s.class_type.title))
    return [
        WeekDay(day, sorted(_hours_minus_time_off(entries), key=lambda e: (e.start, e.kind)))
        for day, entries in days.items()
    ]


def _hours_minus_time_off(entries: list[CalendarEntry]) -> list[CalendarEntry]:
    """Working hours as they really are that day: time off cuts them (a day off shows no hours)."""
    off = [e for e in entries if e.kind == "time_off"]
    if not off:
        return entries
    result = [e for e in entries if e.kind != "hours"]
    for hours in (e for e in entries if e.kind == "hours"):
        pieces = [(hours.start, hours.end)]
        for cut in off:
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, cut.start)), (max(start, cut.end), end))
                if piece[0] < piece[1]
            ]
        result += [CalendarEntry(start, end, "hours", hours.label) for start, end in pieces]
    return result


def upcoming_time_off(practitioner: Practitioner) -> QuerySet[AvailabilityOverride]:
    return AvailabilityOverride.objects.filter(practitioner=practitioner, ends_at__gte=timezone.now()).select_related(
        "location"
    )


def client_sessions_with(practitioner: Practitioner, client_id: int) -> QuerySet[Booking]:
    """A client's history with this therapist only (never with other therapists)."""
    return _therapist_bookings(practitioner).filter(client_id=client_id).filter(~Q(status="declined"))


@dataclass(frozen=True)
class BookingTerms:
    """What confirming a therapy time will do, said on the page before the client submits."""

    is_request: bool  # the therapist answers first; the time is held until then
    answer_by: datetime | None


def booking_terms(*, client, practitioner: Practitioner, starts_at: datetime) -> BookingTerms:
    """Firm booking or request, by the same rules book_therapy applies (bookings.services.therapy)."""
    cfg = settings_for(practitioner)
    now = timezone.now()
    if not needs_approval(cfg, client=client, starts_at=starts_at, now=now):
        return BookingTerms(is_request=False, answer_by=None)
    return BookingTerms(is_request=True, answer_by=answer_due(cfg, starts_at=starts_at, now=now))
