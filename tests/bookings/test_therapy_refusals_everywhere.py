"""Every path that refuses a therapy time says why: outside the hours, off the grid, or taken.

book_therapy already did (test_therapy_refusals.py); these are rescheduling (client and
therapist), series booking, the therapist's proposals and the client accepting one.
The therapist works 09:00-17:00 Madrid, Monday to Friday (tests/bookings/conftest.py).
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingSeries
from bookings.services import (
    BookingError,
    SlotTaken,
    accept_proposal,
    book_series,
    book_therapy,
    plan_series,
    propose_times,
    reschedule,
)
from schedules.models import ApprovalMode, AvailabilityOverride, AvailabilityRule, OverrideKind
from tests.bookings.conftest import at, set_approval
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOURS = r"is not in .*'s working hours\."
GRID = r"is not a start time .* offers\."
TAKEN = r"This time is no longer free\."


def book(client, kind, therapist, start) -> Booking:
    return book_therapy(client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=start)


@pytest.fixture
def session(client_user, massage, therapist) -> Booking:
    return book(client_user, massage, therapist, at(10))


# --- rescheduling ------------------------------------------------------------------------------


def test_a_client_moving_outside_the_hours_is_told_so(session, client_user, therapist):
    with pytest.raises(SlotTaken) as refused:
        reschedule(booking=session, starts_at=at(20), actor=client_user)
    assert str(refused.value) == f"That time is not in {therapist.public_name}'s working hours."
    assert refused.value.alternatives


def test_a_client_moving_off_the_grid_is_told_so(session, client_user, therapist):
    with pytest.raises(SlotTaken) as refused:
        reschedule(booking=session, starts_at=at(14, 7), actor=client_user)
    assert str(refused.value) == f"That is not a start time {therapist.public_name} offers."


def test_a_client_moving_to_a_taken_time_is_told_it_is_no_longer_free(session, client_user, massage, therapist):
    book(UserFactory(), massage, therapist, at(15))
    with pytest.raises(SlotTaken, match=TAKEN):
        reschedule(booking=session, starts_at=at(15), actor=client_user)


def test_the_therapist_moving_outside_their_hours_is_told_so(session, therapist):
    with pytest.raises(SlotTaken, match=HOURS):
        reschedule(booking=session, starts_at=at(20), actor=therapist.user)


def test_the_therapist_moving_off_the_grid_is_told_so(session, therapist):
    with pytest.raises(SlotTaken, match=GRID):
        reschedule(booking=session, starts_at=at(14, 7), actor=therapist.user)


def test_the_reschedule_page_shows_why_a_time_outside_the_hours_was_refused(client, session, client_user, therapist):
    client.force_login(client_user)
    response = client.post(
        reverse("bookings:reschedule", args=[session.reference]), {"start": at(20).isoformat()}, follow=True
    )
    html = response.content.decode()
    assert f"That time is not in {therapist.public_name}&#x27;s working hours." in html
    assert "no longer free" not in html
    session.refresh_from_db()
    assert session.starts_at == at(10)


# --- series ------------------------------------------------------------------------------------


def test_a_series_with_a_date_outside_the_hours_says_so_and_books_nothing(client_user, massage, therapist):
    with pytest.raises(SlotTaken) as refused:
        book_series(
            client=client_user,
            therapy_type=massage,
            minutes=60,
            practitioner=therapist,
            starts=[at(10), at(20, weeks=1)],
            interval_weeks=1,
        )
    assert f"That time is not in {therapist.public_name}'s working hours." in str(refused.value)
    assert "Nothing was booked" in str(refused.value)
    assert not Booking.objects.exists() and not BookingSeries.objects.exists()


def test_a_series_with_a_date_off_the_grid_says_so(client_user, massage, therapist):
    with pytest.raises(SlotTaken, match=GRID):
        book_series(
            client=client_user,
            therapy_type=massage,
            minutes=60,
            practitioner=therapist,
            starts=[at(10), at(10, 7, weeks=1)],
            interval_weeks=1,
        )


def test_a_series_with_a_taken_date_says_it_is_no_longer_free(client_user, massage, therapist):
    book(UserFactory(), massage, therapist, at(10, weeks=1))
    with pytest.raises(SlotTaken, match=TAKEN):
        book_series(
            client=client_user,
            therapy_type=massage,
            minutes=60,
            practitioner=therapist,
            starts=[at(10), at(10, weeks=1)],
            interval_weeks=1,
        )


def _plan(kind, therapist, first):
    return plan_series(therapy_type=kind, minutes=60, practitioner=therapist, first=first, interval_weeks=1, count=3)


def test_a_planned_series_says_which_dates_are_outside_the_hours_and_which_are_taken(massage, therapist):
    # Week 1: the therapist takes the day off; week 2: someone else has the time.
    AvailabilityOverride.objects.create(
        practitioner=therapist,
        kind=OverrideKind.BLOCKED,
        starts_at=at(0, weeks=1),
        ends_at=at(0, weeks=1) + timedelta(days=1),
    )
    book(UserFactory(), massage, therapist, at(10, weeks=2))
    items = _plan(massage, therapist, at(10))
    assert [i.free for i in items] == [True, False, False]
    assert items[0].reason == ""
    assert items[1].reason == f"That time is not in {therapist.public_name}'s working hours."
    assert items[2].reason == "This time is no longer free."


def test_a_planned_series_off_the_grid_says_it_is_not_a_start_time(massage, therapist):
    items = _plan(massage, therapist, at(10, 7))
    assert {i.reason for i in items} == {f"That is not a start time {therapist.public_name} offers."}


def test_the_series_planning_page_shows_why_a_date_is_not_free(client, client_user, massage, therapist):
    book(UserFactory(), massage, therapist, at(10, weeks=1))
    client.force_login(client_user)
    response = client.post(
        reverse("bookings:book_therapy", args=[massage.slug]),
        {
            "start": at(10).isoformat(),
            "minutes": 60,
            "therapist": therapist.pk,
            "repeat": "1",
            "count": 2,
            "token": "p",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "1 date is not free" in html
    assert html.count("This time is no longer free.") == 1
    assert "working hours" not in html


# --- the therapist's proposals -------------------------------------------------------------------


@pytest.fixture
def pending(therapist, client_user, massage) -> Booking:
    set_approval(therapist, ApprovalMode.REQUEST)
    return book(client_user, massage, therapist, at(10))


def test_proposing_a_time_outside_the_hours_says_so(pending, therapist):
    with pytest.raises(BookingError, match=HOURS):
        propose_times(booking=pending, actor=therapist.user, starts=[at(20)])


def test_proposing_a_time_off_the_grid_says_so(pending, therapist):
    with pytest.raises(BookingError, match=GRID):
        propose_times(booking=pending, actor=therapist.user, starts=[at(14, 7)])


def test_proposing_a_taken_time_says_it_is_no_longer_free(pending, therapist, massage):
    set_approval(therapist, ApprovalMode.FIRM)
    book(UserFactory(), massage, therapist, at(15))
    with pytest.raises(BookingError, match=TAKEN):
        propose_times(booking=pending, actor=therapist.user, starts=[at(15)])


def test_accepting_a_proposal_whose_time_left_the_hours_says_so(pending, therapist, client_user):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(15)])
    # The therapist shortens Mondays to the morning after proposing the afternoon.
    AvailabilityRule.objects.filter(practitioner=therapist, weekday=0).update(end_time=time(12))
    with pytest.raises(SlotTaken, match=HOURS):
        accept_proposal(proposal=proposal, client=client_user)


def test_accepting_a_proposal_whose_time_was_taken_says_it_is_no_longer_free(pending, therapist, client_user, massage):
    (proposal,) = propose_times(booking=pending, actor=therapist.user, starts=[at(15)])
    set_approval(therapist, ApprovalMode.FIRM)
    book(UserFactory(), massage, therapist, at(15))
    with pytest.raises(SlotTaken, match=TAKEN):
        accept_proposal(proposal=proposal, client=client_user)
