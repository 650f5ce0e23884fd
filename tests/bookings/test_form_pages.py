"""Forms people fill in with a keyboard or a screen reader: every control has a label,
and the therapy calendars (booking, moving a session) answer htmx with the calendar and times only."""

from __future__ import annotations

from datetime import date, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from schedules.models import Practitioner, TherapyType
from schedules.recurrence import wall_time_to_utc
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    RoomFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


class _Controls(HTMLParser):
    """Collects the form controls of a page and the ids its <label for> elements name."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"])
        elif tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)

    def unlabelled(self) -> list[str]:
        return [
            str(c.get("name") or c.get("id"))
            for c in self.controls
            if not c.get("aria-label") and (not c.get("id") or c["id"] not in self.labelled)
        ]


def _controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


@pytest.fixture
def therapist() -> Practitioner:
    """A therapist in Madrid who works every day 09:00 to 13:00 (seven rows of weekly hours)."""
    location = LocationFactory(time_zone="Europe/Madrid")
    therapist = TherapistFactory(public_name="Ana Ruiz", user__time_zone="Europe/Madrid")
    TherapistSettingsFactory(practitioner=therapist, approval="firm", min_notice_hours=2)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    kind = TherapyTypeFactory(
        title="Massage", slug="massage", therapists=[therapist], rooms=[RoomFactory(location=location)]
    )
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    TherapyDurationFactory(therapy_type=kind, minutes=90)
    return therapist


def _day(days: int = 3) -> date:
    return timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)


# --- the therapist's hours & settings ---------------------------------------------------------


def test_every_control_on_the_hours_page_has_a_label(client, therapist):
    client.force_login(therapist.user)
    response = client.get(reverse("bookings:therapist_availability"))
    assert response.status_code == 200
    page = _controls(response.content.decode())
    assert len(page.controls) >= 12 * 5  # seven saved rows and five spare ones, five controls each
    assert page.unlabelled() == []


def test_an_hours_row_label_says_which_row_it_is(client, therapist):
    client.force_login(therapist.user)
    html = client.get(reverse("bookings:therapist_availability")).content.decode().replace("\n", " ")
    assert (
        '<label class="hours-label" for="id_hours-1-weekday"><span class="visually-hidden">Row 2 </span>Day</label>'
        in html
    )
    assert 'for="id_hours-11-DELETE"><span class="visually-hidden">Row 12 </span>Delete</label>' in html


# --- the client's therapy calendar ----------------------------------------------------------------


def _calendar(client, therapist: Practitioner, day: date, **headers):
    kind = TherapyType.objects.get(slug="massage")
    url = reverse("bookings:therapy_type", args=[kind.slug])
    query = {"minutes": 60, "therapist": therapist.slug, "month": day.strftime("%Y-%m"), "day": day.isoformat()}
    return client.get(url, query, headers=headers)


def test_a_day_chosen_through_htmx_returns_the_calendar_and_that_days_times_only(client, therapist):
    day = _day()
    response = _calendar(client, therapist, day, HX_Request="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="choose"' not in html  # no page around it
    assert 'data-testid="month-calendar"' in html
    assert html.count('data-testid="time"') == 7  # 09:00 to 12:00 every half hour, 60 minutes long
    assert "7 times on" in html  # what the live region announces
    assert "HX-Request" in response["Vary"]


def test_the_same_address_without_htmx_returns_the_whole_page(client, therapist):
    response = _calendar(client, therapist, _day())
    html = response.content.decode()
    assert "<html" in html and 'data-testid="choose"' in html
    assert html.count('data-testid="time"') == 7
    assert "HX-Request" in response["Vary"]


def test_going_back_to_a_page_htmx_has_not_cached_returns_the_whole_page(client, therapist):
    response = _calendar(client, therapist, _day(), HX_Request="true", HX_History_Restore_Request="true")
    assert "<html" in response.content.decode()


def test_the_length_and_therapist_choice_is_sent_with_a_button_not_on_change(client, therapist):
    html = client.get(reverse("bookings:therapy_type", args=["massage"])).content.decode()
    assert "onchange" not in html
    assert "<noscript>" not in html
    assert 'data-testid="show-times"' in html


def test_moving_a_session_answers_htmx_with_the_calendar_and_times_only(client, therapist):
    kind = TherapyType.objects.get(slug="massage")
    carla = UserFactory(time_zone="Europe/Madrid")
    first = wall_time_to_utc(_day(2), time(10), MADRID)
    booking = services.book_therapy(
        client=carla, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=first
    )
    client.force_login(carla)
    url = reverse("bookings:reschedule", args=[booking.reference])
    day = _day(4)
    query = {"r": 1, "month": day.strftime("%Y-%m"), "day": day.isoformat()}

    partial = client.get(url, query, headers={"HX-Request": "true"})
    whole = client.get(url, query)

    assert "<html" not in partial.content.decode() and "<html" in whole.content.decode()
    for response in (partial, whole):
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('data-testid="time"') == 7
        assert 'name="csrfmiddlewaretoken"' in html  # the times are buttons of a POST form
        assert "HX-Request" in response["Vary"]
    assert "7 times on" in partial.content.decode()
