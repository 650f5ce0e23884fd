"""Classes below their minimum are cancelled at the decision time (beat task)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from schedules import services
from schedules.models import ClassSession, SessionStatus
from schedules.tasks import cancel_underbooked_sessions
from tests.factories import ClassSessionFactory

pytestmark = pytest.mark.django_db


def _session(hours_ahead: float, *, minimum=3, taken=0, decision_hours=3, keep=False) -> ClassSession:
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_ahead)
    session = ClassSessionFactory(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        min_participants=minimum,
        min_decision_hours=decision_hours,
        keep_below_minimum=keep,
    )
    services.save_class_session(session=session)
    ClassSession.objects.filter(pk=session.pk).update(spots_taken=taken)
    return session


def _status(session) -> str:
    return ClassSession.objects.get(pk=session.pk).status


def test_a_class_below_its_minimum_at_decision_time_is_cancelled_with_a_reason():
    low = _session(2, taken=1)
    services.cancel_underbooked_sessions()
    low.refresh_from_db()
    assert low.status == SessionStatus.CANCELLED and "Not enough participants (minimum 3)" in low.cancel_reason


def test_before_the_decision_time_nothing_happens():
    early = _session(5, taken=0)  # decided 3 h before: in 2 h
    services.cancel_underbooked_sessions()
    assert _status(early) == SessionStatus.SCHEDULED


def test_a_class_that_reached_its_minimum_stays():
    full_enough = _session(2, taken=3)
    services.cancel_underbooked_sessions()
    assert _status(full_enough) == SessionStatus.SCHEDULED


def test_staff_can_keep_a_class_below_its_minimum():
    kept = _session(2, taken=0, keep=True)
    services.cancel_underbooked_sessions()
    assert _status(kept) == SessionStatus.SCHEDULED


def test_a_class_without_a_minimum_is_never_cancelled():
    none = _session(1, minimum=None)
    services.cancel_underbooked_sessions()
    assert _status(none) == SessionStatus.SCHEDULED


def test_the_task_is_idempotent_and_frees_the_bookings():
    from bookings import services as booking_services
    from bookings.models import BookingPolicy
    from payments.models import Method
    from payments.services import record_payment
    from tests.factories import UserFactory

    for policy in BookingPolicy.objects.all():
        policy.cutoff_minutes = 0
        policy.save(update_fields=["cutoff_minutes"])
    low = _session(2, taken=0)
    booking = booking_services.book_class(client=UserFactory(), session_id=low.pk, quantity=1)
    record_payment(booking=booking, amount=booking.total, method=Method.CASH, actor=None)

    assert cancel_underbooked_sessions.delay().get() == 1
    assert cancel_underbooked_sessions.delay().get() == 0
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.amount_refund_pending == booking.total


def test_the_minimum_comes_from_the_schedule_or_class_type_when_generating(monday_schedule, today):
    monday_schedule.class_type.min_participants = 4
    monday_schedule.class_type.save()
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=13))
    assert set(ClassSession.objects.values_list("min_participants", flat=True)) == {4}
    monday_schedule.min_participants = 2
    monday_schedule.save()
    ClassSession.objects.filter(schedule=monday_schedule).update(spots_taken=1)  # booked: still updated
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=13))
    assert set(ClassSession.objects.values_list("min_participants", flat=True)) == {2}
    assert not ClassSession.objects.exclude(conflict_note="").exists()
