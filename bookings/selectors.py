"""Reads of bookings shared by pages and admin. Ownership is part of every query."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingEvent
from bookings.transitions import ACTIVE_VALUES, Status
from schedules.models import ClassSession


def with_times(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """``begins``/``finishes`` for either kind: a class booking's times are its session's.

    An annotation rather than a copied column: a session moved by staff or by
    regeneration can never leave its bookings' times behind.
    """
    return qs.annotate(
        begins=Coalesce("class_session__starts_at", "starts_at"), finishes=Coalesce("class_session__ends_at", "ends_at")
    )


def client_booking(*, client: User, reference: str) -> Booking:
    """The client's own booking; another client's reference is simply not found."""
    return Booking.objects.filter(client=client).with_what_and_where().get(reference=reference.upper())


def untaken_holds() -> Q:
    """Holds that ended without the client ever taking them: a declined or expired offer.

    They were made for the client (a waitlist offer, a wish offer), never by them, so
    "My bookings" leaves them out; the rows stay for the books and for admin.
    """
    events = BookingEvent.objects.filter(booking=OuterRef("pk"))
    made_as_hold = Exists(events.filter(from_status="", to_status=Status.PENDING))
    taken = Exists(events.filter(to_status=Status.CONFIRMED))
    return Q(status__in=[Status.CANCELLED, Status.EXPIRED]) & Q(made_as_hold) & ~Q(taken)


def client_bookings(*, client: User) -> tuple[list[Booking], list[Booking]]:
    """(upcoming, past) bookings of a client, soonest / latest first; untaken offers left out."""
    now = timezone.now()
    mine = (
        Booking.objects.filter(client=client)
        .exclude(untaken_holds())
        .with_what_and_where()
        .annotate(
            begins=Coalesce("class_session__starts_at", "starts_at"),
            finishes=Coalesce("class_session__ends_at", "ends_at"),
        )
    )
    upcoming = list(mine.filter(finishes__gte=now).order_by("begins", "pk"))
    past = list(mine.filter(finishes__lt=now).order_by("-begins", "-pk")[:100])
    return upcoming, past


def active_booking_for(*, client: User | AnonymousUser, session_id: int) -> Booking | None:
    if not client.is_authenticated:
        return None
    return Booking.objects.filter(client=client, class_session_id=session_id, status__in=ACTIVE_VALUES).first()


def roster(*, session_id: int) -> list[Booking]:
    return list(
        Booking.objects.filter(class_session_id=session_id).select_related("client").order_by("status", "created_at")
    )


@dataclass(frozen=True)
class CounterDrift:
    session_id: int
    label: str
    counter: int
    booked: int


def counter_drift() -> list[CounterDrift]:
    """Sessions whose spots_taken differs from the spots held by active bookings.

    One query: every session's counter against a grouped sum of its active bookings.
    """
    held = (
        Booking.objects.filter(class_session=OuterRef("pk"), status__in=ACTIVE_VALUES)
        .values("class_session")
        .annotate(s=Sum("quantity"))
        .values("s")
    )
    rows = (
        ClassSession.objects.annotate(booked=Coalesce(Subquery(held), 0))
        .exclude(spots_taken=F("booked"))
        .select_related("class_type")
        .order_by("starts_at")
    )
    return [CounterDrift(s.pk, str(s), s.spots_taken, s.booked) for s in rows]


def move_options(*, booking: Booking, limit: int = 20) -> list[ClassSession]:
    """Other upcoming, open dates of the same class that a booking could move to.

    Dates the client already holds a booking for are left out: change_booking refuses them.
    """
    session = booking.session
    theirs = Booking.objects.filter(client_id=booking.client_id, class_session=OuterRef("pk"), status__in=ACTIVE_VALUES)
    return list(
        ClassSession.objects.for_listing()
        .scheduled()
        .upcoming()
        .filter(class_type_id=session.class_type_id)
        .exclude(pk=session.pk)
        .exclude(Exists(theirs))
        .filter(spots_taken__lt=F("capacity"))  # change_booking refuses a party that does not fit
        .order_by("starts_at")[:limit]
    )


def feed_bookings(*, client, start, end) -> list[Booking]:
    """A client's bookings starting in the feed's window, cancelled ones included.

    The feed marks those STATUS:CANCELLED (bookings.calendar): leaving them out would
    leave the stale event in a subscribed calendar.
    """
    return list(
        Booking.objects.filter(client=client)
        .with_what_and_where()
        .annotate(begins=Coalesce("class_session__starts_at", "starts_at"))
        .filter(begins__gte=start, begins__lt=end)
        .order_by("begins")
    )


def therapist_feed_bookings(*, practitioner, start, end) -> list[Booking]:
    """A therapist's own sessions for their calendar feed: requests, and cancelled ones to mark so."""
    return list(
        Booking.objects.filter(practitioner=practitioner)
        .with_what_and_where()
        .select_related("client")
        .filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
    )


def teaching_sessions(*, practitioner, start, end) -> list[ClassSession]:
    """The classes a practitioner teaches, cancelled ones included (their feed marks them)."""
    return list(
        ClassSession.objects.for_listing()
        .filter(instructor=practitioner, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
    )


def public_sessions(*, start, end) -> list[ClassSession]:
    return list(
        ClassSession.objects.for_listing().filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at")
    )


def open_proposals(*, booking: Booking) -> list:
    """Times the therapist proposed that the client can still accept."""
    return list(booking.proposals.filter(state="open").order_by("starts_at"))
