"""book_therapy: a session at a free slot, confirmed at once or held as a request."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.services import BookingError, SlotTaken, book_therapy
from notifications.models import Notification
from schedules.models import ApprovalMode, Occupancy, TherapyDuration
from tests.bookings.conftest import at, set_approval
from tests.factories import TherapistFactory, TherapyTypeFactory

pytestmark = pytest.mark.django_db


def book(client, therapy_type, therapist, start, minutes=60, **kw):
    return book_therapy(
        client=client, therapy_type=therapy_type, minutes=minutes, practitioner=therapist, starts_at=start, **kw
    )


def _kinds(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- firm ---------------------------------------------------------------------------------------


def test_it_confirms_a_firm_booking_at_once(client_user, massage, therapist):
    booking = book(client_user, massage, therapist, at(10))
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.starts_at, booking.ends_at, booking.respond_by) == (at(10), at(11), None)


def test_it_holds_the_time_firmly_with_the_therapists_buffers(client_user, massage, therapist, therapy_room):
    booking = book(client_user, massage, therapist, at(10))
    hold = Occupancy.objects.get(pk=booking.occupancy_id)
    assert (hold.starts_at, hold.ends_at) == (at(9, 55), at(11, 10))
    assert (hold.practitioner_id, hold.room_id, hold.is_tentative) == (therapist.pk, therapy_room.pk, False)
    assert (booking.room_id, booking.location_id) == (therapy_room.pk, therapy_room.location_id)


def test_it_snapshots_the_price_of_the_chosen_duration(client_user, massage, therapist):
    booking = book(client_user, massage, therapist, at(10), minutes=90)
    TherapyDuration.objects.filter(therapy_type=massage, minutes=90).update(price=Decimal("120.00"))
    booking.refresh_from_db()
    assert (booking.unit_price, booking.total, booking.currency) == (Decimal("85.00"), Decimal("85.00"), "EUR")
    assert booking.ends_at - booking.starts_at == timedelta(minutes=90)


def test_it_records_the_booking_in_its_history(client_user, massage, therapist):
    booking = book(client_user, massage, therapist, at(10))
    (event,) = BookingEvent.objects.filter(booking=booking)
    assert (event.from_status, event.to_status, event.actor_id) == ("", "confirmed", client_user.pk)
    assert event.data["minutes"] == 60 and event.data["starts_at"] == at(10).isoformat()


def test_it_tells_the_client_and_the_therapist(client_user, massage, therapist):
    book(client_user, massage, therapist, at(10))
    assert _kinds(client_user) == {"booking_confirmed"}
    assert _kinds(therapist.user) == {"therapy_booking_news"}


# --- requests -----------------------------------------------------------------------------------


def test_it_makes_a_request_when_the_therapist_approves_each_booking(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.REQUEST)
    booking = book(client_user, massage, therapist, at(10))
    assert booking.status == BookingStatus.REQUESTED
    assert _kinds(client_user) == {"therapy_requested"}
    assert _kinds(therapist.user) == {"therapy_booking_news"}


def test_it_holds_a_requests_time_tentatively(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.REQUEST)
    booking = book(client_user, massage, therapist, at(10))
    hold = Occupancy.objects.get(pk=booking.occupancy_id)
    assert hold.is_tentative and (hold.starts_at, hold.ends_at) == (at(9, 55), at(11, 10))


def test_it_gives_the_therapist_their_response_time_to_answer(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.REQUEST, response_hours=24)
    now = timezone.now().replace(microsecond=0)
    booking = book(client_user, massage, therapist, at(10), now=now)
    assert booking.respond_by == now + timedelta(hours=24)


def test_it_never_lets_a_request_wait_past_the_minimum_notice(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.REQUEST, response_hours=24)
    now = at(10) - timedelta(hours=20)  # 12 h notice: the answer is due 8 h from now, not 24
    booking = book(client_user, massage, therapist, at(10), now=now)
    assert booking.respond_by == at(10) - timedelta(hours=12)


def test_it_asks_approval_for_a_new_client_when_only_returning_ones_book_firm(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.RETURNING_FIRM)
    assert book(client_user, massage, therapist, at(10)).status == BookingStatus.REQUESTED


def test_it_books_a_returning_client_firm(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.RETURNING_FIRM)
    past = timezone.now() - timedelta(days=30)
    Booking.objects.create(
        client=client_user,
        therapy_type=massage,
        practitioner=therapist,
        starts_at=past,
        ends_at=past + timedelta(hours=1),
        status=BookingStatus.COMPLETED,
        unit_price=Decimal("60.00"),
        total=Decimal("60.00"),
        currency="EUR",
    )
    assert book(client_user, massage, therapist, at(10)).status == BookingStatus.CONFIRMED


def test_it_does_not_count_another_therapists_client_as_returning(client_user, massage, therapist, other_therapist):
    set_approval(therapist, ApprovalMode.RETURNING_FIRM)
    book(client_user, massage, other_therapist, at(10))
    Booking.objects.update(status=BookingStatus.COMPLETED)
    assert book(client_user, massage, therapist, at(10, weeks=1)).status == BookingStatus.REQUESTED


def test_it_makes_a_request_of_a_booking_closer_than_the_firm_hours(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.FIRM, firm_min_hours_ahead=48)
    now = at(10) - timedelta(hours=30)
    assert book(client_user, massage, therapist, at(10), now=now).status == BookingStatus.REQUESTED


def test_it_books_firm_further_ahead_than_the_firm_hours(client_user, massage, therapist):
    set_approval(therapist, ApprovalMode.FIRM, firm_min_hours_ahead=48)
    now = at(10) - timedelta(hours=72)
    assert book(client_user, massage, therapist, at(10), now=now).status == BookingStatus.CONFIRMED


# --- refusals -------------------------------------------------------------------------------------


def test_it_refuses_a_therapist_who_does_not_offer_the_therapy(client_user, massage):
    stranger = TherapistFactory(public_name="Zoe")
    with pytest.raises(BookingError, match="Zoe does not offer Massage"):
        book(client_user, massage, stranger, at(10))
    assert not Booking.objects.exists()


def test_it_refuses_a_therapy_no_longer_offered(client_user, massage, therapist):
    massage.is_active = False
    massage.save()
    with pytest.raises(BookingError, match="not offered any more"):
        book(client_user, massage, therapist, at(10))


def test_it_refuses_a_practitioner_who_gives_no_therapy(client_user, massage, therapist):
    therapist.is_therapist = False
    therapist.save()
    with pytest.raises(BookingError, match="does not take bookings"):
        book(client_user, massage, therapist, at(10))


def test_it_refuses_a_length_the_therapy_does_not_come_in(client_user, massage, therapist):
    with pytest.raises(BookingError, match="not offered for that length"):
        book(client_user, massage, therapist, at(10), minutes=45)
    assert not Occupancy.objects.exists()


def test_it_refuses_a_time_outside_the_working_hours(client_user, massage, therapist):
    with pytest.raises(BookingError):
        book(client_user, massage, therapist, at(18))
    assert not Booking.objects.exists() and not Occupancy.objects.exists()


def test_it_refuses_a_time_inside_the_minimum_notice_and_says_why(client_user, massage, therapist):
    now = at(10) - timedelta(hours=11)  # 12 h notice
    with pytest.raises(BookingError, match="at least 12 hours ahead"):
        book(client_user, massage, therapist, at(10), now=now)
    assert not Booking.objects.exists()


def test_it_refuses_a_time_past_the_booking_window_and_says_why(client_user, massage, therapist):
    now = at(10) - timedelta(days=366)  # 365-day window
    with pytest.raises(BookingError, match="up to 365 days ahead"):
        book(client_user, massage, therapist, at(10), now=now)
    assert not Booking.objects.exists()


def test_it_refuses_a_taken_time_and_offers_the_next_free_ones(client_user, other_client, massage, therapist):
    book(other_client, massage, therapist, at(10))  # holds 09:55-11:10
    with pytest.raises(SlotTaken) as refused:
        book(client_user, massage, therapist, at(10))
    # The next start whose own buffers (5 before) clear 11:10 is 11:30.
    assert [s.start for s in refused.value.alternatives] == [at(11, 30), at(12), at(12, 30)]
    assert Booking.objects.filter(client=client_user).count() == 0


def test_it_refuses_an_overlapping_time_of_another_length(client_user, other_client, massage, therapist):
    book(other_client, massage, therapist, at(10))
    with pytest.raises(SlotTaken):
        book(client_user, massage, therapist, at(9), minutes=90)


def test_it_refuses_the_only_room_when_another_therapist_has_it(
    client_user, other_client, massage, therapist, other_therapist
):
    book(other_client, massage, other_therapist, at(10))
    with pytest.raises(SlotTaken):
        book(client_user, massage, therapist, at(10))


def test_it_returns_the_first_booking_for_a_resubmitted_form(client_user, massage, therapist):
    first = book(client_user, massage, therapist, at(10), idempotency_key="form-1")
    again = book(client_user, massage, therapist, at(10), idempotency_key="form-1")
    assert again.pk == first.pk
    assert Booking.objects.count() == 1 and Occupancy.objects.count() == 1


def test_it_books_an_online_therapy_without_a_room(client_user, therapist):
    video = TherapyTypeFactory(title="Counselling", is_online=True, therapists=[therapist])
    video.durations.create(minutes=60, price=Decimal("50.00"))
    booking = book(client_user, video, therapist, at(10))
    assert booking.room_id is None and Occupancy.objects.get(pk=booking.occupancy_id).room_id is None
