"""The one offer life cycle (waitlist.offers), run for both kinds by the same tests: a class
queue's offer (a held spot) and a therapy wish's offer (a kept time). An offer ends once —
accepted, declined or expired — and who may answer it is checked by the service itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from tests.factories import UserFactory, staff_with
from tests.waitlist.offer_cases import KIND_NAMES, OfferCase, make_case
from waitlist import offers
from waitlist.errors import NotPermitted, WaitlistError
from waitlist.models import OfferState

pytestmark = pytest.mark.django_db


@pytest.fixture(params=KIND_NAMES)
def case(request) -> OfferCase:
    return make_case(request.param)


def _snapshot(case: OfferCase) -> tuple:
    offer = case.fresh_offer()
    return offer.state, case.subject_state(), offer.booking.status, case.next_has_open_offer()


def test_it_starts_open_with_a_pending_hold_for_the_first_in_line(case):
    assert _snapshot(case) == (OfferState.OPEN, "offered", BookingStatus.PENDING, False)
    assert offers.refusal(case.offer) == ""


def test_accepting_books_the_held_booking(case):
    booking = offers.accept_offer(offer=case.offer, actor=case.client)

    assert booking.pk == case.offer.booking_id and booking.status == BookingStatus.CONFIRMED
    assert _snapshot(case)[:2] == (OfferState.ACCEPTED, "booked")
    last = case.events()[-1]
    assert (last.to_state, last.actor_id, last.offer_id) == ("booked", case.client.pk, case.offer.pk)


def test_accepting_twice_returns_the_same_booking(case):
    first = offers.accept_offer(offer=case.offer, actor=case.client)

    assert offers.accept_offer(offer=case.offer, actor=case.client).pk == first.pk
    assert offers.refusal(case.fresh_offer()) == "You have already accepted this offer."


def test_declining_releases_the_hold_and_passes_it_to_the_next_one_waiting(case):
    offers.decline_offer(offer=case.offer, actor=case.client)

    assert _snapshot(case) == (OfferState.DECLINED, "declined", BookingStatus.CANCELLED, True)
    assert offers.refusal(case.fresh_offer()) == "You declined this offer."
    with pytest.raises(WaitlistError, match="declined"):
        offers.decline_offer(offer=case.offer, actor=case.client)


def test_the_expiry_task_expires_it_once_and_passes_it_on(case):
    later = case.offer.expires_at + timedelta(seconds=1)

    assert offers.expire_due_offers(kind=case.kind, now=later) == 1
    assert not offers.expire_offer(kind=case.kind, offer_id=case.offer.pk, now=later)  # a second run: no-op

    assert _snapshot(case) == (OfferState.EXPIRED, "expired", BookingStatus.EXPIRED, True)
    assert "expired at" in offers.refusal(case.fresh_offer())


def test_an_offer_is_not_expired_before_its_deadline(case):
    assert not offers.expire_offer(kind=case.kind, offer_id=case.offer.pk, now=timezone.now())
    assert _snapshot(case)[0] == OfferState.OPEN


def test_accepting_after_the_deadline_is_refused_and_expires_it(case):
    with pytest.raises(WaitlistError, match="expired"):
        offers.accept_offer(offer=case.offer, actor=case.client, now=case.offer.expires_at + timedelta(seconds=1))

    assert _snapshot(case) == (OfferState.EXPIRED, "expired", BookingStatus.EXPIRED, True)


def test_another_client_cannot_accept_it_the_service_refuses(case):
    before = _snapshot(case)

    with pytest.raises(NotPermitted, match="not yours"):
        offers.accept_offer(offer=case.offer, actor=UserFactory())

    assert _snapshot(case) == before


def test_another_client_cannot_decline_it_the_service_refuses(case):
    before = _snapshot(case)

    with pytest.raises(NotPermitted, match="not yours"):
        offers.decline_offer(offer=case.offer, actor=UserFactory())

    assert _snapshot(case) == before


def test_staff_of_the_other_queue_cannot_decline_it(case):
    before = _snapshot(case)

    with pytest.raises(NotPermitted):
        offers.decline_offer(offer=case.offer, actor=staff_with(case.other_permission))

    assert _snapshot(case) == before


def test_staff_who_manage_this_queue_may_decline_for_the_client_but_not_accept(case):
    staff = staff_with(case.manage_permission)

    with pytest.raises(NotPermitted):
        offers.accept_offer(offer=case.offer, actor=staff)
    offers.decline_offer(offer=case.offer, actor=staff)

    assert _snapshot(case)[:2] == (OfferState.DECLINED, "declined")
    assert case.events()[-1].actor_id == staff.pk


def test_the_system_may_decline_it(case):
    offers.decline_offer(offer=case.offer, actor=None)

    assert _snapshot(case)[:3] == (OfferState.DECLINED, "declined", BookingStatus.CANCELLED)


def test_a_client_finds_only_their_own_offer(case):
    assert offers.client_offer(kind=case.kind, client=case.client, offer_id=case.offer.pk) == case.offer
    with pytest.raises(case.kind.model.DoesNotExist):
        offers.client_offer(kind=case.kind, client=case.next.client, offer_id=case.offer.pk)


def test_an_offer_whose_hold_was_cancelled_elsewhere_follows_it(case):
    from bookings import services as booking_services

    booking_services.cancel_booking(booking=case.offer.booking, actor=case.client, reason="changed my mind")

    with pytest.raises(WaitlistError, match="withdrawn"):
        offers.accept_offer(offer=case.offer, actor=case.client)
    assert case.fresh_offer().state == OfferState.CANCELLED
