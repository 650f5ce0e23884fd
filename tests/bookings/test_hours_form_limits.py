"""The therapist's "Hours & settings" form builds at most HOURS_MAX_ROWS rows, whatever is posted.

In review ``hours-TOTAL_FORMS=100000`` kept one request busy for 66 s (Django built,
validated and rendered 2,000 rows, its default cap). Now a forged, huge or non-numeric
row count is refused at once with a clear form error, and nothing is saved.
"""

from __future__ import annotations

import html
from datetime import time as clock

import pytest
from django.urls import reverse

from bookings.therapy_forms import HOURS_MAX_ROWS, HoursRangeForm
from schedules.models import AvailabilityRule, Practitioner
from tests.bookings.conftest import availability_post
from tests.factories import AvailabilityRuleFactory, LocationFactory, TherapistFactory, TherapistSettingsFactory

pytestmark = pytest.mark.django_db

URL = "bookings:therapist_availability"
TOO_MANY = f"You can keep at most {HOURS_MAX_ROWS} ranges of hours."
INCOMPLETE = "The form arrived incomplete. Please reload the page and enter your hours again."


@pytest.fixture
def therapist() -> Practitioner:
    """A therapist who works every day 09:00 to 13:00 at one studio."""
    location = LocationFactory(time_zone="Europe/Madrid")
    therapist = TherapistFactory(user__time_zone="Europe/Madrid")
    TherapistSettingsFactory(practitioner=therapist)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=weekday, start_time=clock(9), end_time=clock(13), location=location
        )
    return therapist


def _hours(therapist: Practitioner) -> list[tuple]:
    return sorted(
        AvailabilityRule.objects.filter(practitioner=therapist).values_list("weekday", "start_time", "end_time")
    )


def _rows(n: int) -> list[tuple[str, str, str, str]]:
    """``n`` ranges that do not overlap: half an hour each, from 06:00, spread over the week."""
    return [(str(i % 7), f"{6 + i // 7:02d}:00", f"{6 + i // 7:02d}:30", "") for i in range(n)]


@pytest.mark.parametrize(
    ("total", "message"),
    [
        ("100000", TOO_MANY),  # what the review posted
        (str(10**12), TOO_MANY),
        ("9" * 5000, INCOMPLETE),  # longer than Python turns into an int
        ("lots", INCOMPLETE),
        ("", INCOMPLETE),
    ],
    ids=["100000", "10**12", "5000-digits", "not-a-number", "empty"],
)
def test_a_forged_row_count_is_refused_at_once_with_a_form_error(client, therapist, total, message, monkeypatch):
    client.force_login(therapist.user)
    before = _hours(therapist)
    data = availability_post(("0", "10:00", "12:00", "")) | {"hours-TOTAL_FORMS": total}
    # "At once" counted, not timed: the rows the page builds (a clock would measure the machine).
    built = []
    original = HoursRangeForm.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(HoursRangeForm, "__init__", counting)

    response = client.post(reverse(URL), data)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert message in page
    assert page.count('data-testid="hours-row"') <= HOURS_MAX_ROWS
    assert len(built) <= 2 * (HOURS_MAX_ROWS + 1)  # what was posted and what is shown again, never 100,000
    assert _hours(therapist) == before


def test_the_largest_week_saves_and_one_row_more_is_refused(client, therapist):
    client.force_login(therapist.user)

    refused = client.post(reverse(URL), availability_post(*_rows(HOURS_MAX_ROWS + 1)))
    assert refused.status_code == 200 and TOO_MANY in html.unescape(refused.content.decode())
    assert len(_hours(therapist)) == 7

    saved = client.post(reverse(URL), availability_post(*_rows(HOURS_MAX_ROWS)))
    assert saved.status_code == 302
    assert len(_hours(therapist)) == HOURS_MAX_ROWS
    # The page then shows every range and no spare row beyond the cap.
    page = client.get(reverse(URL)).content.decode()
    assert page.count('data-testid="hours-row"') == HOURS_MAX_ROWS
