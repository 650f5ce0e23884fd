"""Why book_therapy refuses a time: never offered (outside the hours, off the grid) or taken."""

from datetime import timedelta

import pytest

from bookings import services
from tests.bookings.conftest import at
from tests.factories import TherapyDurationFactory, TherapyTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind(therapist, therapy_room):
    kind = TherapyTypeFactory(therapists=[therapist], rooms=[therapy_room])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    return kind


def _book(kind, therapist, start, client=None):
    return services.book_therapy(
        client=client or UserFactory(), therapy_type=kind, minutes=60, practitioner=therapist, starts_at=start
    )


def test_a_time_outside_the_working_hours_says_so(kind, therapist):
    # The therapist works 09:00-17:00 Madrid, Monday to Friday (tests/bookings/conftest.py).
    with pytest.raises(services.SlotTaken) as refused:
        _book(kind, therapist, at(20))
    assert str(refused.value) == f"That time is not in {therapist.public_name}'s working hours."
    assert refused.value.alternatives  # the next free times, all the same


def test_a_session_running_past_the_end_of_the_day_is_outside_the_hours(kind, therapist):
    with pytest.raises(services.SlotTaken, match=r"not in .* working hours"):
        _book(kind, therapist, at(16, 30))


def test_a_weekend_is_outside_the_hours(kind, therapist):
    with pytest.raises(services.SlotTaken, match=r"not in .* working hours"):
        _book(kind, therapist, at(10) - timedelta(days=1))  # the Sunday before


def test_a_start_off_the_grid_is_not_a_time_they_offer(kind, therapist):
    with pytest.raises(services.SlotTaken) as refused:
        _book(kind, therapist, at(10, 7))
    assert str(refused.value) == f"That is not a start time {therapist.public_name} offers."


def test_a_taken_time_is_no_longer_free(kind, therapist):
    _book(kind, therapist, at(10))
    with pytest.raises(services.SlotTaken) as refused:
        _book(kind, therapist, at(10))
    assert str(refused.value) == "This time is no longer free."
