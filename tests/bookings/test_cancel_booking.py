"""cancel_booking and the other lifecycle actions."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.signals import spots_released
from payments.models import Method
from payments.services import record_payment
from schedules import services as schedule_services
from schedules.models import ClassSession

pytestmark = pytest.mark.django_db


def _paid_booking(session, client, quantity=2):
    booking = services.book_class(client=client, session_id=session.pk, quantity=quantity)
    record_payment(booking=booking, amount=booking.total, method=Method.CASH, actor=None)  # paid at the desk
    booking.refresh_from_db()
    return booking


def test_cancelling_releases_the_spots_and_tells_the_waitlist(session, client_user):
    booking = _paid_booking(session, client_user)
    heard = []
    spots_released.connect(lambda sender, **kw: heard.append(kw), weak=False, dispatch_uid="t1")
    try:
        services.cancel_booking(booking=booking, actor=client_user, reason="Sick")
    finally:
        spots_released.disconnect(dispatch_uid="t1")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Sick"
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0
    assert heard == [{"signal": spots_released, "session_id": session.pk, "quantity": 2}]


@pytest.mark.parametrize(
    ("hours_before", "refund", "fee"), [(48, "24.00", "0.00"), (13, "12.00", "0.00"), (2, "0.00", "0.00")]
)
def test_the_refund_follows_the_policy_tiers(session, client_user, hours_before, refund, fee):
    booking = _paid_booking(session, client_user)
    outcome = services.cancel_booking(
        booking=booking, actor=client_user, now=session.starts_at - timedelta(hours=hours_before)
    )
    booking.refresh_from_db()
    # The refund is owed (recorded in the ledger) until staff or the provider pay it out.
    assert (outcome.refund, booking.amount_refund_pending, booking.fee_charged) == (
        Decimal(refund),
        Decimal(refund),
        Decimal(fee),
    )


def test_a_late_cancel_fee_applies_unless_staff_waive_it(session, client_user, other_client, default_policy):
    default_policy.late_cancel_fee = Decimal("5.00")
    default_policy.save()
    late = _paid_booking(session, client_user)
    services.cancel_booking(booking=late, actor=client_user, now=session.starts_at - timedelta(hours=2))
    waived = _paid_booking(session, other_client)
    services.cancel_booking(booking=waived, actor=None, waive_fee=True, now=session.starts_at - timedelta(hours=2))
    late.refresh_from_db()
    waived.refresh_from_db()
    assert (late.fee_charged, waived.fee_charged) == (Decimal("5.00"), Decimal("0.00"))


def test_the_policy_in_force_at_booking_time_applies(session, client_user, default_policy):
    booking = _paid_booking(session, client_user)
    default_policy.tiers.all().delete()  # the studio gets stricter later
    outcome = services.cancel_booking(booking=booking, actor=client_user, now=session.starts_at - timedelta(hours=48))
    # Tiers are rows of the same policy, so a stricter policy is a new policy in admin;
    # the booking keeps pointing at the one it was made under.
    assert booking.policy_id == default_policy.pk
    assert outcome.refund == Decimal("0.00")


def test_a_cancelled_booking_cannot_be_cancelled_again(session, client_user):
    booking = _paid_booking(session, client_user)
    services.cancel_booking(booking=booking, actor=client_user)
    with pytest.raises(services.BookingError, match="can no longer be cancelled"):
        services.cancel_booking(booking=booking, actor=client_user)
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_cancelling_the_class_cancels_every_booking_with_a_full_refund(session, client_user, other_client):
    a = _paid_booking(session, client_user)
    b = _paid_booking(session, other_client, quantity=1)
    schedule_services.cancel_class_session(session=session, reason="Teacher ill")
    for booking in (a, b):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert booking.amount_refund_pending == booking.amount_paid and booking.fee_charged == 0
        assert booking.cancel_reason == "Teacher ill"
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_every_status_change_writes_an_event(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.set_checked_in(booking=booking, checked_in=True, actor=None)
    services.set_status(booking=booking, to="completed", actor=None, reason="Came")
    events = list(BookingEvent.objects.filter(booking=booking).values_list("from_status", "to_status", "reason"))
    assert events == [
        ("", "confirmed", ""),
        ("confirmed", "confirmed", "checked in"),
        ("confirmed", "completed", "Came"),
    ]


def test_a_no_show_charges_the_no_show_fee(session, client_user, default_policy):
    default_policy.no_show_fee = Decimal("8.00")
    default_policy.save()
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.set_status(booking=booking, to="no_show", actor=None)
    booking.refresh_from_db()
    assert booking.fee_charged == Decimal("8.00")


def test_an_illegal_status_change_is_refused(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.set_status(booking=booking, to="completed", actor=None)
    with pytest.raises(services.BookingError, match="completed booking cannot become confirmed"):
        services.set_status(booking=booking, to="confirmed", actor=None)


def test_check_in_can_be_undone(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.set_checked_in(booking=booking, checked_in=True, actor=None)
    services.set_checked_in(booking=booking, checked_in=False, actor=None)
    booking.refresh_from_db()
    assert booking.checked_in_at is None


def test_a_booking_cannot_be_deleted_by_the_admin(admin_client, session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    response = admin_client.post(f"/admin/bookings/booking/{booking.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and Booking.objects.filter(pk=booking.pk).exists()
