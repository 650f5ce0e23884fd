"""The booking services check who acts, whatever page or admin action called them.

Staff act through their role's permissions (``is_staff`` only opens the admin); a
client acts on their own bookings; a therapist on their own sessions; ``actor=None``
is the system. A refusal changes nothing and writes no event.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied

from bookings import exports, services
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.services import book_therapy
from tests.bookings.conftest import at, upcoming_class
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db

VIEW_ONLY = ("bookings.view_booking",)


@pytest.fixture
def booking(session, client_user) -> Booking:
    return services.book_class(client=client_user, session_id=session.pk, quantity=1)


def _unchanged(booking: Booking) -> None:
    fresh = Booking.objects.get(pk=booking.pk)
    assert (fresh.status, fresh.class_session_id, fresh.quantity, fresh.checked_in_at) == (
        booking.status,
        booking.class_session_id,
        booking.quantity,
        booking.checked_in_at,
    )
    assert BookingEvent.objects.filter(booking=booking).count() == 1  # the booking's own


# --- cancelling -------------------------------------------------------------------------------


@pytest.mark.parametrize("perms", [(), VIEW_ONLY], ids=["staff-without-a-role", "view-only-staff"])
def test_staff_who_may_not_change_bookings_cannot_cancel_one(booking, perms):
    with pytest.raises(services.NotPermitted):
        services.cancel_booking(booking=booking, actor=staff_with(*perms), reason="Desk")
    _unchanged(booking)


def test_another_client_cannot_cancel_it(booking, other_client):
    with pytest.raises(services.NotPermitted):
        services.cancel_booking(booking=booking, actor=other_client)
    _unchanged(booking)


def test_staff_who_manage_bookings_cancel_it(booking):
    services.cancel_booking(booking=booking, actor=staff_with("bookings.change_booking"), reason="Desk")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_the_client_still_cancels_their_own(booking, client_user):
    services.cancel_booking(booking=booking, actor=client_user, reason="Sick")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_the_therapist_cancels_their_own_session_but_not_another_therapists(
    client_user, massage, therapist, other_therapist
):
    session = book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    with pytest.raises(services.NotPermitted):
        services.cancel_booking(booking=session, actor=other_therapist.user, reason="Not mine")
    assert Booking.objects.get(pk=session.pk).status == BookingStatus.CONFIRMED
    services.cancel_booking(booking=session, actor=therapist.user, reason="Ill", by_studio=True)
    assert Booking.objects.get(pk=session.pk).status == BookingStatus.CANCELLED


# --- confirming, completing, no-show ------------------------------------------------------------


@pytest.mark.parametrize("to", [BookingStatus.COMPLETED, BookingStatus.NO_SHOW])
def test_view_only_staff_cannot_mark_a_booking(booking, to):
    with pytest.raises(services.NotPermitted):
        services.set_status(booking=booking, to=to, actor=staff_with(*VIEW_ONLY))
    _unchanged(booking)


def test_a_client_cannot_mark_their_own_attendance(booking, client_user):
    with pytest.raises(services.NotPermitted):
        services.set_status(booking=booking, to=BookingStatus.COMPLETED, actor=client_user)
    _unchanged(booking)


def test_staff_who_manage_bookings_mark_it(booking):
    services.set_status(booking=booking, to=BookingStatus.NO_SHOW, actor=staff_with("bookings.change_booking"))
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.NO_SHOW


# --- moving -------------------------------------------------------------------------------------


def test_view_only_staff_cannot_move_a_booking(booking):
    later = upcoming_class(days=4, class_type=booking.class_session.class_type)
    with pytest.raises(services.NotPermitted):
        services.change_booking(booking=booking, actor=staff_with(*VIEW_ONLY), session_id=later.pk)
    _unchanged(booking)


def test_another_client_cannot_change_it(booking, other_client):
    with pytest.raises(services.NotPermitted):
        services.change_booking(booking=booking, actor=other_client, quantity=2)
    _unchanged(booking)


def test_staff_who_manage_bookings_move_it(booking):
    later = upcoming_class(days=4, class_type=booking.class_session.class_type)
    services.change_booking(booking=booking, actor=staff_with("bookings.change_booking"), session_id=later.pk)
    assert Booking.objects.get(pk=booking.pk).class_session_id == later.pk


# --- exporting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "perms",
    [VIEW_ONLY, ("bookings.change_booking",), ("bookings.export_booking",)],
    ids=["view", "change", "export-without-view"],
)
def test_the_export_needs_view_and_the_export_permission(booking, perms):
    out = io.StringIO()
    with pytest.raises(PermissionDenied):
        exports.export_csv(actor=staff_with(*perms), bookings=Booking.objects.all(), out=out)
    assert out.getvalue() == ""


def test_staff_holding_both_export(booking):
    out = io.StringIO()
    actor = staff_with("bookings.view_booking", "bookings.export_booking")
    exports.export_csv(actor=actor, bookings=Booking.objects.all(), out=out)
    assert booking.reference in out.getvalue()


def test_a_client_cannot_export_even_their_own(booking, client_user):
    with pytest.raises(PermissionDenied):
        exports.export_csv(actor=client_user, bookings=Booking.objects.filter(pk=booking.pk), out=io.StringIO())


# --- the admin's buttons call the same checks ---------------------------------------------------


def test_a_view_only_staff_member_gets_403_from_the_check_in_button(client, booking):
    client.force_login(staff_with(*VIEW_ONLY))
    url = f"/admin/bookings/booking/roster/{booking.class_session_id}/check-in/{booking.pk}/"
    assert client.post(url, {"checked_in": "1"}).status_code == 403
    _unchanged(booking)


def test_a_superuser_is_not_refused(booking):
    services.cancel_booking(booking=booking, actor=UserFactory(is_staff=True, is_superuser=True), reason="Owner")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
