"""An offer is accepted, declined or left to expire; each ends by passing the spot on or booking it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from notifications.models import Notification
from schedules import services as schedule_services
from schedules.models import ClassSession
from tests.factories import staff_with
from tests.waitlist.conftest import full_class, offer_of, wait
from waitlist import services, tasks
from waitlist.models import EntryState, OfferState, WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered():
    """A full class of two, three people waiting, the first holding an offer for a cancelled spot."""
    session, booked = full_class()
    queue = [wait(session) for _ in range(3)]
    booking_services.cancel_booking(booking=booked[0], actor=None)
    return session, queue, offer_of(queue[0])


def test_accepting_books_the_held_spot(offered):
    session, queue, offer = offered

    booking = services.accept_offer(offer=offer, actor=queue[0].client)

    offer.refresh_from_db()
    queue[0].refresh_from_db()
    assert booking.pk == offer.booking_id and booking.status == BookingStatus.CONFIRMED
    assert (offer.state, queue[0].state) == (OfferState.ACCEPTED, EntryState.BOOKED)
    assert Notification.objects.filter(recipient=queue[0].client, kind="booking_confirmed").exists()
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2


def test_accepting_twice_returns_the_same_booking(offered):
    _, queue, offer = offered
    first = services.accept_offer(offer=offer, actor=queue[0].client)

    again = services.accept_offer(offer=offer, actor=queue[0].client)

    assert again.pk == first.pk


def test_declining_passes_the_spot_to_the_next_in_line(offered):
    session, queue, offer = offered

    services.decline_offer(offer=offer, actor=queue[0].client)

    offer.refresh_from_db()
    assert offer.state == OfferState.DECLINED and offer.booking.status == BookingStatus.CANCELLED
    assert [e.state for e in WaitlistEntry.objects.filter(pk__in=[q.pk for q in queue]).order_by("pk")] == [
        EntryState.DECLINED,
        EntryState.OFFERED,
        EntryState.WAITING,
    ]
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2


def test_expiry_passes_the_spot_on_and_tells_the_client(offered):
    _, queue, offer = offered

    expired = services.expire_due_offers(now=offer.expires_at + timedelta(seconds=1))

    offer.refresh_from_db()
    assert expired == 1
    assert offer.state == OfferState.EXPIRED and offer.booking.status == BookingStatus.EXPIRED
    assert offer_of(queue[1]).state == OfferState.OPEN
    assert Notification.objects.filter(recipient=queue[0].client, kind="waitlist_offer_expired").exists()


def test_the_chain_runs_to_the_end_of_the_queue(offered):
    session, queue, offer = offered
    services.decline_offer(offer=offer, actor=queue[0].client)
    second = offer_of(queue[1])
    services.expire_due_offers(now=second.expires_at + timedelta(seconds=1))
    third = offer_of(queue[2])

    services.accept_offer(offer=third, actor=queue[2].client)

    assert [e.state for e in WaitlistEntry.objects.filter(pk__in=[q.pk for q in queue]).order_by("pk")] == [
        EntryState.DECLINED,
        EntryState.EXPIRED,
        EntryState.BOOKED,
    ]
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2


def _overdue(offer) -> None:
    """The hold ran out a moment ago (the clock moved on; the task has not run yet)."""
    WaitlistOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_the_expiry_task_is_idempotent(offered):
    _, queue, offer = offered
    _overdue(offer)

    assert tasks.expire_offers()["expired"] == 1
    assert tasks.expire_offers()["expired"] == 0
    assert services.expire_offer(offer_id=offer.pk) is False

    assert WaitlistOffer.objects.filter(state=OfferState.EXPIRED).count() == 1
    assert WaitlistOffer.objects.filter(state=OfferState.OPEN).get().entry == queue[1]
    assert Notification.objects.filter(kind="waitlist_offer_expired", channel="email").count() == 1


def test_the_beat_task_runs_the_sweeps(offered):
    assert tasks.expire_offers() == {
        "expired": 0,
        "promoted": 0,
        "closed": 0,
        "therapy_offers_expired": 0,
        "therapy_wishes_expired": 0,
        "therapy_offered": 0,
    }


def test_accepting_after_expiry_is_refused_with_a_clear_message(offered):
    _, queue, offer = offered
    later = offer.expires_at + timedelta(minutes=1)

    with pytest.raises(services.WaitlistError, match=r"expired at .* passed to the next person"):
        services.accept_offer(offer=offer, actor=queue[0].client, now=later)

    offer.refresh_from_db()
    assert offer.state == OfferState.EXPIRED  # expired on the spot, before the task came round
    assert offer_of(queue[1]).state == OfferState.OPEN


def test_a_client_cannot_find_another_clients_offer(offered):
    _, queue, offer = offered

    with pytest.raises(WaitlistOffer.DoesNotExist):
        services.client_offer(client=queue[1].client, offer_id=offer.pk)


def _unchanged(session, offer, entry) -> tuple:
    offer.refresh_from_db()
    entry.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    return offer.state, entry.state, booking.status, ClassSession.objects.get(pk=session.pk).spots_taken


def test_a_client_cannot_accept_another_clients_offer(offered):
    """The service itself refuses, whoever calls it (not only the page's lookup)."""
    session, queue, offer = offered
    before = _unchanged(session, offer, queue[0])

    with pytest.raises(services.NotPermitted):
        services.accept_offer(offer=offer, actor=queue[1].client)

    assert _unchanged(session, offer, queue[0]) == before == (OfferState.OPEN, EntryState.OFFERED, "pending", 2)
    assert not Booking.objects.filter(client=queue[1].client, status=BookingStatus.CONFIRMED).exists()


def test_a_client_cannot_decline_another_clients_offer(offered):
    session, queue, offer = offered
    before = _unchanged(session, offer, queue[0])

    with pytest.raises(services.NotPermitted):
        services.decline_offer(offer=offer, actor=queue[1].client)

    assert _unchanged(session, offer, queue[0]) == before
    assert not WaitlistOffer.objects.filter(entry=queue[1]).exists()  # the spot was not passed on


def test_a_client_cannot_take_another_client_off_the_waitlist(offered):
    session, queue, offer = offered

    with pytest.raises(services.NotPermitted):
        services.leave_waitlist(entry=queue[0], actor=queue[1].client)

    assert _unchanged(session, offer, queue[0])[:2] == (OfferState.OPEN, EntryState.OFFERED)


def test_staff_who_manage_the_queue_may_decline_for_the_client(offered):
    _, _queue, offer = offered

    services.decline_offer(offer=offer, actor=staff_with("waitlist.change_waitlistentry"))

    assert WaitlistOffer.objects.get(pk=offer.pk).state == OfferState.DECLINED


# The hold services of bookings check the owner too: the waitlist is not their only caller.


def test_another_client_cannot_confirm_a_hold(offered):
    session, queue, offer = offered
    before = _unchanged(session, offer, queue[0])

    with pytest.raises(booking_services.NotPermitted):
        booking_services.confirm_hold(booking=offer.booking, actor=queue[1].client)

    assert _unchanged(session, offer, queue[0]) == before
    assert not offer.booking.events.filter(to_status=BookingStatus.CONFIRMED).exists()


def test_another_client_cannot_release_a_hold(offered):
    session, queue, offer = offered
    before = _unchanged(session, offer, queue[0])

    with pytest.raises(booking_services.NotPermitted):
        booking_services.release_hold(booking=offer.booking, to=BookingStatus.CANCELLED, actor=queue[1].client)

    assert _unchanged(session, offer, queue[0]) == before
    assert not WaitlistOffer.objects.filter(entry=queue[1]).exists()


def test_the_holds_own_client_confirms_it(offered):
    _, queue, offer = offered

    booking = booking_services.confirm_hold(booking=offer.booking, actor=queue[0].client)

    assert booking.status == BookingStatus.CONFIRMED


def test_cancelling_the_held_booking_counts_as_declining(offered):
    _, queue, offer = offered

    booking_services.cancel_booking(booking=Booking.objects.get(pk=offer.booking_id), actor=queue[0].client)

    offer.refresh_from_db()
    assert offer.state == OfferState.CANCELLED
    assert WaitlistEntry.objects.get(pk=queue[0].pk).state == EntryState.DECLINED
    assert offer_of(queue[1]).state == OfferState.OPEN


def test_leaving_with_an_open_offer_passes_it_on(offered):
    _, queue, offer = offered

    services.leave_waitlist(entry=queue[0], actor=queue[0].client)

    assert WaitlistOffer.objects.get(pk=offer.pk).state == OfferState.DECLINED
    assert offer_of(queue[1]).state == OfferState.OPEN


def test_cancelling_the_class_closes_the_waitlist(offered):
    session, queue, offer = offered

    schedule_services.cancel_class_session(session=session, reason="Teacher ill")

    assert WaitlistOffer.objects.get(pk=offer.pk).state == OfferState.CANCELLED
    assert set(WaitlistEntry.objects.values_list("state", flat=True)) == {EntryState.CLOSED}
    assert Notification.objects.filter(recipient=queue[2].client, kind="waitlist_class_cancelled").exists()
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_staff_confirming_the_held_booking_counts_as_accepting(offered):
    _, queue, offer = offered
    booking_services.set_status(booking=offer.booking, to=BookingStatus.CONFIRMED, actor=None)

    booking = services.accept_offer(offer=offer, actor=queue[0].client)

    assert booking.status == BookingStatus.CONFIRMED
    assert WaitlistOffer.objects.get(pk=offer.pk).state == OfferState.ACCEPTED


def test_entries_close_when_the_class_has_started():
    session, _ = full_class(days=3)
    entry = wait(session)

    closed = services.close_lapsed_entries(now=session.starts_at + timedelta(minutes=1))

    entry.refresh_from_db()
    assert closed == 1 and entry.state == EntryState.CLOSED
    assert services.close_lapsed_entries(now=session.starts_at + timedelta(minutes=2)) == 0


def test_staff_move_an_entry_to_the_top(offered):
    _session, queue, _offer = offered
    staff = staff_with("waitlist.change_waitlistentry")

    services.promote_entry(entry=queue[2], actor=staff)
    services.decline_offer(offer=offer_of(queue[0]), actor=queue[0].client)

    assert offer_of(queue[2]).state == OfferState.OPEN
    assert WaitlistEntry.objects.get(pk=queue[1].pk).state == EntryState.WAITING


def test_staff_remove_an_entry_with_its_offer(offered):
    _, queue, offer = offered

    services.remove_entry(entry=queue[0], actor=staff_with("waitlist.change_waitlistentry"))

    assert WaitlistOffer.objects.get(pk=offer.pk).state == OfferState.CANCELLED
    assert WaitlistEntry.objects.get(pk=queue[0].pk).state == EntryState.REMOVED
    assert offer_of(queue[1]).state == OfferState.OPEN


def test_the_offer_message_carries_the_expiry_and_the_accept_link(offered):
    _, queue, offer = offered

    row = Notification.objects.get(recipient=queue[0].client, kind="waitlist_offer", channel="email")

    assert row.context["expires_at"] == offer.expires_at.isoformat()
    assert row.context["url"].endswith(f"/waitlist/offers/{offer.pk}/")
    assert timezone.now() < offer.expires_at
