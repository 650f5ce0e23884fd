"""book_class: a client claims spots in a class session."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus, ClassTypePolicy
from schedules import services as schedule_services
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _taken(session) -> int:
    return ClassSession.objects.values_list("spots_taken", flat=True).get(pk=session.pk)


def test_it_books_spots_with_a_reference_a_price_snapshot_and_an_event(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2, note="Bad knee")

    assert re.fullmatch(r"SH-[2-9A-HJ-NP-Z]{8}", booking.reference)
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.quantity, booking.unit_price, booking.total, booking.currency) == (
        2,
        Decimal("12.00"),
        Decimal("24.00"),
        "EUR",
    )
    assert booking.policy.is_default and booking.note == "Bad knee"
    assert _taken(session) == 2
    (event,) = BookingEvent.objects.filter(booking=booking)
    assert (event.from_status, event.to_status, event.actor, event.source) == ("", "confirmed", client_user, "page")


def test_the_price_snapshot_does_not_follow_later_price_changes(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    ClassSession.objects.filter(pk=session.pk).update(price=Decimal("99.00"))
    booking.refresh_from_db()
    assert booking.total == Decimal("12.00")


def test_included_tax_is_shown_when_configured(session, client_user, settings):
    settings.PRICES_INCLUDE_TAX_PERCENT = 21
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    assert booking.tax == Decimal("2.08")  # 12.00 * 21 / 121


def test_the_same_token_twice_books_once(session, client_user):
    first = services.book_class(client=client_user, session_id=session.pk, quantity=2, idempotency_key="tok-1")
    again = services.book_class(client=client_user, session_id=session.pk, quantity=2, idempotency_key="tok-1")
    assert again.pk == first.pk and Booking.objects.count() == 1 and _taken(session) == 2


def test_a_second_booking_of_the_same_class_is_refused(session, client_user):
    services.book_class(client=client_user, session_id=session.pk, quantity=1)
    with pytest.raises(services.BookingError, match="already have a booking"):
        services.book_class(client=client_user, session_id=session.pk, quantity=1)
    assert _taken(session) == 1


def test_after_cancelling_the_client_may_book_again(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=client_user)
    services.book_class(client=client_user, session_id=session.pk, quantity=1)
    assert _taken(session) == 1


def test_a_full_class_refuses_with_spots_left_in_the_message(client_user, other_client):
    small = upcoming_class(capacity=3)
    services.book_class(client=other_client, session_id=small.pk, quantity=2)
    with pytest.raises(services.SessionFull, match="Only 1 spot is left"):
        services.book_class(client=client_user, session_id=small.pk, quantity=2)
    services.book_class(client=client_user, session_id=small.pk, quantity=1)
    with pytest.raises(services.SessionFull, match="just filled up"):
        services.book_class(client=UserFactory(), session_id=small.pk, quantity=1)
    assert _taken(small) == 3


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "at least one spot"), (-2, "at least one spot"), (5, "at most 4 spots"), (10**6, "at most 4")],
)
def test_a_bad_party_size_is_refused_and_changes_nothing(session, client_user, quantity, message):
    with pytest.raises(services.BookingError, match=message):
        services.book_class(client=client_user, session_id=session.pk, quantity=quantity)
    assert _taken(session) == 0 and not Booking.objects.exists()


def test_a_cancelled_class_cannot_be_booked(session, client_user):
    schedule_services.cancel_class_session(session=session, reason="Teacher ill")
    with pytest.raises(services.BookingError, match="cancelled"):
        services.book_class(client=client_user, session_id=session.pk, quantity=1)


def test_a_class_that_started_cannot_be_booked(session, client_user):
    with pytest.raises(services.BookingError, match="already started"):
        services.book_class(
            client=client_user, session_id=session.pk, quantity=1, now=session.starts_at + timedelta(minutes=1)
        )


def test_booking_closes_at_the_cutoff(session, client_user, default_policy):
    with pytest.raises(services.BookingError, match="closes 60 minutes before"):
        services.book_class(
            client=client_user, session_id=session.pk, quantity=1, now=session.starts_at - timedelta(minutes=59)
        )
    services.book_class(
        client=client_user, session_id=session.pk, quantity=1, now=session.starts_at - timedelta(minutes=61)
    )


def test_booking_opens_a_set_number_of_days_ahead(client_user):
    far = upcoming_class(days=45)
    with pytest.raises(services.BookingError, match="opens on"):
        services.book_class(client=client_user, session_id=far.pk, quantity=1)
    assert _taken(far) == 0


def test_a_class_type_policy_overrides_the_studio_default(session, client_user, default_policy):
    from bookings.models import BookingPolicy

    strict = BookingPolicy.objects.create(name="Workshops", max_party_size=1)
    ClassTypePolicy.objects.create(class_type=session.class_type, policy=strict)
    with pytest.raises(services.BookingError, match="at most 1 spot in one booking"):
        services.book_class(client=client_user, session_id=session.pk, quantity=2)
    assert services.book_class(client=client_user, session_id=session.pk, quantity=1).policy == strict


def test_max_active_bookings_per_day_is_enforced(client_user, default_policy):
    default_policy.max_active_per_day = 1
    default_policy.save()
    # 10:00 and 12:00 in the studio's zone: "the same day" whatever hour the test runs at
    # (from now + 3 days, 22:30 UTC plus two hours was already the next day in Madrid).
    day = timezone.localdate(timezone.now(), ZoneInfo("Europe/Madrid")) + timedelta(days=3)
    morning = datetime.combine(day, time(10), ZoneInfo("Europe/Madrid"))
    first = upcoming_class(starts_at=morning)
    same_day = upcoming_class(starts_at=morning + timedelta(hours=2))
    services.book_class(client=client_user, session_id=first.pk, quantity=1)
    with pytest.raises(services.BookingError, match="1 active bookings that day"):
        services.book_class(client=client_user, session_id=same_day.pk, quantity=1)


def test_max_active_bookings_per_week_is_enforced(client_user, default_policy):
    default_policy.max_active_per_week = 2
    default_policy.save()
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    sessions = []
    for i in range(3):
        start = timezone.make_aware(
            timezone.datetime.combine(monday + timedelta(days=i), timezone.datetime.min.time())
        ) + timedelta(hours=10)
        sessions.append(upcoming_class(starts_at=start))
    for s in sessions[:2]:
        services.book_class(client=client_user, session_id=s.pk, quantity=1)
    with pytest.raises(services.BookingError, match="that week"):
        services.book_class(client=client_user, session_id=sessions[2].pk, quantity=1)


def test_an_unknown_class_is_refused(client_user):
    with pytest.raises(services.BookingError, match="does not exist"):
        services.book_class(client=client_user, session_id=424242, quantity=1)
