"""DESIGN invariant 2 under real concurrency on PostgreSQL: a therapist's time is never double-booked.

Two clients (or two approvals) race from two threads, each with its own database
connection, released at once by a barrier; a test-only pause widens the gap
between the free-slot check and the write. With the therapist's row lock the
second waits and finds the time taken; without it (guard "therapist" off through config.race)
the exclusion constraints on Occupancy still let only one through. The negative
control drops those constraints too, and the same race must then double-book:
proof that these tests can see the bug they guard against.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from bookings.models import Booking, BookingStatus
from bookings.services import SlotTaken, approve_request, book_therapy
from schedules.models import ApprovalMode, Occupancy, OccupancyKind
from tests.bookings.conftest import at, overlapping_request, set_approval, therapy_monday
from tests.factories import TherapistFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at once, one thread each; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int, action) -> None:
        try:
            barrier.wait()
            results[i] = action()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def booking_of(client, therapy_type, therapist, start, minutes=60):
    return lambda: book_therapy(
        client=client, therapy_type=therapy_type, minutes=minutes, practitioner=therapist, starts_at=start
    )


def round_start(n: int):
    """A different free hour for each round: four a day, Monday to Friday."""
    return at(9 + 2 * (n % 4), day=therapy_monday() + timedelta(days=(n // 4) % 5), weeks=n // 20)


def one_winner(results: list[object]) -> tuple[Booking, SlotTaken]:
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(won), len(lost)) == (1, 1), results
    return won[0], lost[0]


def _overlapping_pairs() -> int:
    """Pairs of firm occupancies of one therapist (or one room) that overlap."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM schedules_occupancy a JOIN schedules_occupancy b
              ON a.id < b.id
             AND (a.practitioner_id = b.practitioner_id OR a.room_id = b.room_id)
             AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')
             AND NOT a.is_tentative AND NOT b.is_tentative
            """
        )
        return cursor.fetchone()[0]


@pytest.fixture
def race_pause(settings):
    settings.SHALA_RACE_PAUSES = {"therapy-slot": 0.05}
    return settings


@pytest.fixture
def without_lock(race_pause):
    race_pause.SHALA_RACE_UNGUARDED = {"therapist"}
    race_pause.SHALA_RACE_PAUSES = {"therapy-slot": 0.3}
    return race_pause


CONSTRAINTS = {"practitioner": "practitioner_id", "room": "room_id"}
RANGE = "tstzrange(starts_at, ends_at, '[)') WITH &&"


@pytest.fixture
def without_constraints(without_lock):
    """Drop migration 0005's exclusion constraints for one test; re-create them exactly as it does."""
    with connection.cursor() as cursor:
        for name in CONSTRAINTS:
            cursor.execute(f"ALTER TABLE schedules_occupancy DROP CONSTRAINT occupancy_{name}_no_overlap")
            cursor.execute(f"ALTER TABLE schedules_occupancy DROP CONSTRAINT occupancy_{name}_no_overlap_hold")
    try:
        yield
    finally:
        Occupancy.objects.all().delete()  # the double bookings would stop the constraints coming back
        with connection.cursor() as cursor:
            for name, column in CONSTRAINTS.items():
                cursor.execute(
                    f"ALTER TABLE schedules_occupancy ADD CONSTRAINT occupancy_{name}_no_overlap EXCLUDE USING gist "
                    f"({column} WITH =, {RANGE}) WHERE ({column} IS NOT NULL AND NOT is_tentative)"
                )
                cursor.execute(
                    f"ALTER TABLE schedules_occupancy ADD CONSTRAINT occupancy_{name}_no_overlap_hold "
                    f"EXCLUDE USING gist ({column} WITH =, {RANGE}, is_tentative WITH <>) "
                    f"WHERE ({column} IS NOT NULL)"
                )


# --- the service under the lock ------------------------------------------------------------------


def test_it_lets_exactly_one_of_two_clients_book_the_same_slot(race_pause, massage, therapist):
    for n in range(ROUNDS):
        start = round_start(n)
        results = race(*(booking_of(UserFactory(), massage, therapist, start) for _ in range(2)))
        won, lost = one_winner(results)
        assert won.starts_at == start and won.status == BookingStatus.CONFIRMED
        assert lost.alternatives and all(s.start > start for s in lost.alternatives)
    assert Booking.objects.count() == ROUNDS and _overlapping_pairs() == 0


def test_it_lets_exactly_one_of_two_overlapping_times_through(race_pause, massage, therapist):
    for n in range(ROUNDS // 2):
        start = round_start(n)
        ten, half_past = start, start + timedelta(minutes=30)  # 10:00-11:00 against 10:30-11:30
        one_winner(
            race(
                booking_of(UserFactory(), massage, therapist, ten),
                booking_of(UserFactory(), massage, therapist, half_past),
            )
        )
    assert Booking.objects.count() == ROUNDS // 2 and _overlapping_pairs() == 0


def test_it_approves_exactly_one_of_two_overlapping_requests_at_once(race_pause, massage, therapist):
    set_approval(therapist, ApprovalMode.REQUEST)
    for n in range(ROUNDS // 2):
        start = round_start(n)
        first = book_therapy(
            client=UserFactory(), therapy_type=massage, minutes=60, practitioner=therapist, starts_at=start
        )
        second = overlapping_request(first, UserFactory())
        results = race(
            lambda b=first: approve_request(booking=b, actor=therapist.user),
            lambda b=second: approve_request(booking=b, actor=therapist.user),
        )
        won, lost = one_winner(results)
        assert won.status == BookingStatus.CONFIRMED and lost.alternatives
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == ROUNDS // 2
    assert Booking.objects.filter(status=BookingStatus.REQUESTED).count() == ROUNDS // 2
    assert _overlapping_pairs() == 0


def test_it_lets_one_of_two_therapists_take_the_only_room(race_pause, massage, therapist, other_therapist):
    for n in range(ROUNDS // 2):
        start = round_start(n)
        _won, lost = one_winner(
            race(
                booking_of(UserFactory(), massage, therapist, start),
                booking_of(UserFactory(), massage, other_therapist, start),
            )
        )
        assert lost.alternatives
    assert _overlapping_pairs() == 0


# --- the database alone ------------------------------------------------------------------------------


def test_it_still_lets_exactly_one_through_without_the_lock(without_lock, massage, therapist):
    for n in range(5):
        start = round_start(n)
        _won, lost = one_winner(race(*(booking_of(UserFactory(), massage, therapist, start) for _ in range(2))))
        assert lost.alternatives
    assert Booking.objects.count() == 5 and _overlapping_pairs() == 0


def test_negative_control_without_lock_and_constraints_the_same_race_double_books(
    without_constraints, massage, therapist
):
    rounds = 3
    for n in range(rounds):
        start = round_start(n)
        results = race(*(booking_of(UserFactory(), massage, therapist, start) for _ in range(2)))
        assert all(isinstance(r, Booking) for r in results), results
    # Both clients of every round hold the same therapist and the same room at once:
    # exactly what the lock and the constraints prevent.
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 2 * rounds
    assert _overlapping_pairs() == rounds


# --- raw inserts -------------------------------------------------------------------------------------

T0 = at(10)


def _row(*, practitioner=None, room=None, tentative=False, start=T0):
    return Occupancy.objects.create(
        kind=OccupancyKind.APPOINTMENT,
        practitioner=practitioner,
        room=room,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        is_tentative=tentative,
    )


@pytest.fixture
def ana():
    return TherapistFactory()


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), [(False, False), (False, True), (True, False)])
def test_it_refuses_a_raw_overlapping_row_for_the_same_therapist(ana, first, second):
    _row(practitioner=ana, tentative=first)
    with pytest.raises(IntegrityError, match="occupancy_practitioner_no_overlap"), transaction.atomic():
        _row(practitioner=ana, tentative=second, start=T0 + timedelta(minutes=30))


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), [(False, False), (False, True), (True, False)])
def test_it_refuses_a_raw_overlapping_row_for_the_same_room(therapy_room, first, second):
    _row(room=therapy_room, tentative=first)
    with pytest.raises(IntegrityError, match="occupancy_room_no_overlap"), transaction.atomic():
        _row(room=therapy_room, tentative=second, start=T0 - timedelta(minutes=30))


@pytest.mark.django_db
def test_it_lets_two_tentative_holds_overlap(ana, therapy_room):
    _row(practitioner=ana, room=therapy_room, tentative=True)
    _row(practitioner=ana, room=therapy_room, tentative=True, start=T0 + timedelta(minutes=30))
    assert Occupancy.objects.count() == 2


@pytest.mark.django_db
def test_it_refuses_to_turn_a_hold_firm_over_another_hold(ana):
    _row(practitioner=ana, tentative=True)
    second = _row(practitioner=ana, tentative=True, start=T0 + timedelta(minutes=30))
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.filter(pk=second.pk).update(is_tentative=False)
