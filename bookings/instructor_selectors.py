"""Reads for an instructor's own pages: their next two weeks of classes and a class's roster.

Who may read a roster is decided here, not in the view (bookings.permissions), so
every caller gets the same answer. The waitlist's queue length comes through a hook
that the waitlist registers at ready() time: bookings never imports the waitlist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import selectors
from bookings.models import Booking
from bookings.permissions import may_see_roster
from bookings.transitions import Status
from schedules.models import ClassSession, Practitioner
from schedules.selectors import local_midnight, week_start_of

WEEKS_SHOWN = 2  # this week and the next: what an instructor plans with

WaitingCounter = Callable[[list[int]], dict[int, int]]
_waiting_counters: list[WaitingCounter] = []


def register_waiting_counter(counter: WaitingCounter) -> None:
    """An app with queues for full classes says how many wait: counter(session_ids) -> {id: n}."""
    if counter not in _waiting_counters:
        _waiting_counters.append(counter)


def waiting_counts(session_ids: list[int]) -> dict[int, int]:
    totals: dict[int, int] = {}
    if not session_ids:
        return totals
    for counter in _waiting_counters:
        for pk, n in counter(session_ids).items():
            totals[pk] = totals.get(pk, 0) + n
    return totals


def instructor_for(user: User) -> Practitioner | None:
    """The user's practitioner if they teach classes (and are active), else None."""
    practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
    return practitioner if practitioner and practitioner.is_instructor and practitioner.is_active else None


@dataclass(frozen=True)
class ClassCard:
    session: ClassSession
    waiting: int


@dataclass(frozen=True)
class ClassDay:
    day: date
    classes: list[ClassCard]


def upcoming_classes(*, practitioner: Practitioner, now: datetime, zone: ZoneInfo) -> list[ClassDay]:
    """Classes not yet over from now to the end of next week (Monday-based, in ``zone``), by local day.

    Two queries whatever the number of classes: the sessions, then the waiting counts.
    Cancelled classes stay in the list (marked) so the instructor is not left guessing.
    """
    monday = week_start_of(now.astimezone(zone).date())
    until = local_midnight(monday + timedelta(weeks=WEEKS_SHOWN), zone)
    sessions = list(
        ClassSession.objects.for_listing()
        .filter(instructor=practitioner, ends_at__gt=now, starts_at__lt=until)
        .order_by("starts_at", "pk")
    )
    waiting = waiting_counts([s.pk for s in sessions])
    days: dict[date, list[ClassCard]] = {}
    for session in sessions:
        local_day = session.starts_at.astimezone(zone).date()
        days.setdefault(local_day, []).append(ClassCard(session, waiting.get(session.pk, 0)))
    return [ClassDay(day, cards) for day, cards in days.items()]


@dataclass(frozen=True)
class Roster:
    session: ClassSession
    booked: list[Booking]  # active and completed: the people expected in the room
    other: list[Booking]  # cancelled, expired, no-shows: for the record
    waiting: int

    @property
    def booked_spots(self) -> int:
        return sum(b.quantity for b in self.booked if b.is_active)

    @property
    def checked_in(self) -> int:
        return sum(b.quantity for b in self.booked if b.checked_in_at)

    def expects(self, booking_id: int) -> Booking | None:
        """The booking if it is among those expected in the room (its card is on the page)."""
        return next((b for b in self.booked if b.pk == booking_id), None)


def _expected(booking: Booking) -> bool:
    return booking.is_active or booking.status == Status.COMPLETED


def class_roster(*, session_id: int, viewer: User) -> Roster:
    """One class's roster for its instructor (a substitute included) or staff.

    Http404 for no such class; PermissionDenied for anyone else, another instructor too.
    """
    session = ClassSession.objects.for_listing().filter(pk=session_id).first()
    if session is None:
        raise Http404(_("No such class."))
    if not may_see_roster(viewer, instructor_id=session.instructor_id):
        raise PermissionDenied(_("This is not one of your classes."))
    bookings = selectors.roster(session_id=session.pk)
    return Roster(
        session=session,
        booked=[b for b in bookings if _expected(b)],
        other=[b for b in bookings if not _expected(b)],
        waiting=waiting_counts([session.pk]).get(session.pk, 0),
    )


def roster_entry(*, session_id: int, booking_id: int) -> Booking:
    """One booking of a class, with its client, as a roster card shows it (Http404 if not in that class)."""
    booking = Booking.objects.select_related("client").filter(pk=booking_id, class_session_id=session_id).first()
    if booking is None:
        raise Http404(_("No such booking in this class."))
    return booking
