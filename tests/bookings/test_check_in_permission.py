"""set_checked_in: only the session's instructor (a substitute included) or staff take attendance."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent
from schedules import services as schedule_services
from tests.bookings.conftest import MADRID, upcoming_class
from tests.factories import PractitionerFactory, staff_with

pytestmark = pytest.mark.django_db


def tomorrow_evening() -> datetime:
    """Tomorrow 18:00 in the studio's zone: bookable whatever the hour now."""
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=1)
    return datetime.combine(day, time(18), MADRID)


@pytest.fixture
def teacher():
    return PractitionerFactory(public_name="Ana García")


@pytest.fixture
def booking(teacher, client_user):
    session = upcoming_class(starts_at=tomorrow_evening(), instructor=teacher)
    return services.book_class(client=client_user, session_id=session.pk, quantity=1)


def _checked_in(booking) -> bool:
    return Booking.objects.get(pk=booking.pk).checked_in_at is not None


def test_it_lets_the_sessions_instructor_check_a_client_in_and_undo_it(booking, teacher):
    services.set_checked_in(booking=booking, checked_in=True, actor=teacher.user)
    assert _checked_in(booking)
    services.set_checked_in(booking=booking, checked_in=False, actor=teacher.user)
    assert not _checked_in(booking)
    assert list(BookingEvent.objects.filter(booking=booking, actor=teacher.user).values_list("reason", flat=True)) == [
        "checked in",
        "check-in undone",
    ]


def test_it_refuses_another_instructor_and_changes_nothing(booking):
    other = PractitionerFactory()
    with pytest.raises(services.NotPermitted):
        services.set_checked_in(booking=booking, checked_in=True, actor=other.user)
    assert not _checked_in(booking)
    assert not BookingEvent.objects.filter(booking=booking, actor=other.user).exists()


def test_it_refuses_a_client_even_for_their_own_booking(booking, client_user):
    with pytest.raises(services.NotPermitted):
        services.set_checked_in(booking=booking, checked_in=True, actor=client_user)
    assert not _checked_in(booking)


def test_it_lets_staff_who_manage_bookings_check_anyone_in(booking):
    services.set_checked_in(booking=booking, checked_in=True, actor=staff_with("bookings.change_booking"))
    assert _checked_in(booking)


def test_it_refuses_staff_whose_role_only_views_bookings(booking):
    with pytest.raises(services.NotPermitted):
        services.set_checked_in(booking=booking, checked_in=True, actor=staff_with("bookings.view_booking"))
    assert not _checked_in(booking)


def test_a_substitute_takes_over_the_door_from_the_regular_instructor(booking, teacher):
    substitute = PractitionerFactory(public_name="Leo Martín")
    session = booking.class_session
    session.instructor = substitute
    schedule_services.save_class_session(session=session, changed_fields=["instructor"])
    with pytest.raises(services.NotPermitted):
        services.set_checked_in(booking=booking, checked_in=True, actor=teacher.user)
    services.set_checked_in(booking=booking, checked_in=True, actor=substitute.user)
    assert _checked_in(booking)
