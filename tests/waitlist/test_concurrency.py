"""The waitlist under real concurrency on PostgreSQL: threads with their own connections,
released at once by a barrier.

- Cancellations, direct bookings and accepts at the same moment never oversell a class
  and never give one spot to two people.
- An accept and the expiry of the same offer racing: exactly one wins, and the offer,
  its entry and its held booking agree. With the offer claim's lock switched off
  (guard "waitlist" off through config.race, the negative control) the same race leaves them
  disagreeing, which proves the test can see the bug it guards against.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from bookings.transitions import ACTIVE_VALUES
from notifications.models import Notification
from schedules.models import ClassSession
from tests.factories import UserFactory
from tests.waitlist.conftest import full_class, wait
from waitlist import services
from waitlist.models import EntryState, OfferState, WaitlistEntry, WaitlistOffer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _together(*calls) -> list[Exception]:
    """Run the calls at once, one thread and connection each; return unexpected errors."""
    barrier = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call) -> None:
        try:
            barrier.wait()
            call()
        except (booking_services.BookingError, services.WaitlistError):
            pass  # refused cleanly: a lost race
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def _assert_consistent(session: ClassSession) -> None:
    session.refresh_from_db()
    held = (
        Booking.objects.filter(class_session=session, status__in=ACTIVE_VALUES).aggregate(s=Sum("quantity"))["s"] or 0
    )
    assert session.spots_taken == held <= session.capacity
    # Every hold belongs to exactly one open offer and every open offer holds its booking.
    pending = set(
        Booking.objects.filter(class_session=session, status=BookingStatus.PENDING).values_list("pk", flat=True)
    )
    open_offers = set(
        WaitlistOffer.objects.filter(session=session, state=OfferState.OPEN).values_list("booking_id", flat=True)
    )
    assert pending == open_offers
    for offer in WaitlistOffer.objects.filter(session=session).select_related("booking", "entry"):
        expected = {
            OfferState.OPEN: (BookingStatus.PENDING, EntryState.OFFERED),
            OfferState.ACCEPTED: (BookingStatus.CONFIRMED, EntryState.BOOKED),
            OfferState.EXPIRED: (BookingStatus.EXPIRED, EntryState.EXPIRED),
            OfferState.DECLINED: (BookingStatus.CANCELLED, EntryState.DECLINED),
        }[offer.state]
        assert (offer.booking.status, offer.entry.state) == expected, offer
    # Nobody holds two active bookings of the class (one spot, one person).
    clients = list(
        Booking.objects.filter(class_session=session, status__in=ACTIVE_VALUES).values_list("client_id", flat=True)
    )
    assert len(clients) == len(set(clients))


@pytest.fixture
def race_settings(settings):
    settings.SHALA_RACE_PAUSES = {"booking-claim": 0.01, "waitlist-offer": 0.02}
    return settings


def test_simultaneous_cancellations_offer_each_spot_to_one_person(race_settings):
    session, booked = full_class(capacity=6)
    queue = [wait(session) for _ in range(10)]

    errors = _together(*[lambda b=b: booking_services.cancel_booking(booking=b, actor=None) for b in booked[:4]])

    assert errors == []
    _assert_consistent(session)
    offered = list(WaitlistEntry.objects.filter(state=EntryState.OFFERED).order_by("pk").values_list("pk", flat=True))
    assert offered == [e.pk for e in queue[:4]]  # the first four, in order, one spot each


def test_cancellations_bookings_and_accepts_at_once_never_oversell(race_settings):
    session, booked = full_class(capacity=6)
    queue = [wait(session) for _ in range(8)]
    for b in booked[:3]:
        booking_services.cancel_booking(booking=b, actor=None)
    offers = list(WaitlistOffer.objects.filter(state=OfferState.OPEN).select_related("booking"))
    assert len(offers) == 3
    newcomers = [UserFactory() for _ in range(6)]

    calls = [lambda b=b: booking_services.cancel_booking(booking=b, actor=None) for b in booked[3:]]
    calls += [lambda o=o: services.accept_offer(offer=o, actor=o.client) for o in offers]
    calls += [lambda c=c: booking_services.book_class(client=c, session_id=session.pk, quantity=1) for c in newcomers]
    calls += [lambda e=e: services.leave_waitlist(entry=e, actor=e.client) for e in queue[6:]]
    errors = _together(*calls)

    assert errors == []
    _assert_consistent(session)
    assert WaitlistOffer.objects.filter(state=OfferState.ACCEPTED).count() == 3


def _accept_and_expire_race(rounds: int) -> list[WaitlistOffer]:
    """Each round: one offer accepted a moment before its expiry while the expiry task
    runs a moment after it, at the same instant."""
    offers = []
    for _ in range(rounds):
        session, booked = full_class(capacity=1)
        wait(session)
        booking_services.cancel_booking(booking=booked[0], actor=None)
        offers.append(WaitlistOffer.objects.select_related("booking").get(session=session))
    for offer in offers:
        edge = offer.expires_at
        errors = _together(
            lambda o=offer, t=edge: services.accept_offer(offer=o, actor=o.client, now=t - timedelta(milliseconds=1)),
            lambda o=offer, t=edge: services.expire_offer(offer_id=o.pk, now=t + timedelta(milliseconds=1)),
        )
        assert errors == []
    return offers


def _agrees(offer: WaitlistOffer) -> bool:
    offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    entry = WaitlistEntry.objects.get(pk=offer.entry_id)
    told_expired = Notification.objects.filter(dedupe_key=f"waitlist-offer:{offer.pk}:expired:inapp").exists()
    if offer.state == OfferState.ACCEPTED:
        return booking.status == BookingStatus.CONFIRMED and entry.state == EntryState.BOOKED and not told_expired
    return (
        offer.state == OfferState.EXPIRED
        and booking.status == BookingStatus.EXPIRED
        and entry.state == EntryState.EXPIRED
        and told_expired
    )


def test_an_accept_racing_the_expiry_has_one_winner(race_settings):
    offers = _accept_and_expire_race(rounds=5)

    assert all(_agrees(o) for o in offers)
    for offer in offers:
        _assert_consistent(offer.session)


def test_negative_control_without_the_offer_lock_the_same_race_gives_two_answers(race_settings):
    race_settings.SHALA_RACE_UNGUARDED = {"waitlist"}

    offers = _accept_and_expire_race(rounds=5)

    # Both the accept and the expiry "won": the client was told the offer expired and
    # holds a confirmed booking, or the offer and its booking disagree.
    assert not all(_agrees(o) for o in offers)


def test_two_expiry_workers_at_once_expire_each_offer_once(race_settings):
    session, booked = full_class(capacity=3)
    queue = [wait(session) for _ in range(6)]
    for b in booked:
        booking_services.cancel_booking(booking=b, actor=None)
    WaitlistOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # all three ran out

    errors = _together(services.expire_due_offers, services.expire_due_offers)

    assert errors == []
    assert WaitlistOffer.objects.filter(state=OfferState.EXPIRED).count() == 3
    assert Notification.objects.filter(kind="waitlist_offer_expired", channel="inapp").count() == 3
    # The next three were offered the spots, once each.
    assert list(
        WaitlistOffer.objects.filter(state=OfferState.OPEN).order_by("entry_id").values_list("entry_id", flat=True)
    ) == [e.pk for e in queue[3:]]
    _assert_consistent(session)
