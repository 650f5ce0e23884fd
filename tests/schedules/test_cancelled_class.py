"""A cancelled class says "Cancelled" wherever it is shown: no spots line, no Book button."""

from datetime import timedelta

import pytest
from django.urls import reverse

from schedules import services
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled(default_policy):
    session = upcoming_class(capacity=30)
    services.cancel_class_session(session=session, reason="Teacher ill.")
    return session


@pytest.fixture
def default_policy(db):
    from bookings.models import BookingPolicy

    BookingPolicy.objects.get_or_create(is_default=True, defaults={"name": "Studio default"})


def test_the_class_page_says_cancelled_and_offers_no_spots(client, cancelled):
    client.force_login(UserFactory())
    html = client.get(reverse("schedules:session", args=[cancelled.pk])).content.decode()
    assert "This class has been cancelled." in html and ">Cancelled<" in html
    assert "of 30 free" not in html and "spots left" not in html
    assert reverse("bookings:book_class", args=[cancelled.pk]) not in html
    assert reverse("waitlist:join", args=[cancelled.pk]) not in html


def test_the_timetable_card_says_cancelled_and_no_spots(client, cancelled):
    day = cancelled.starts_at.astimezone(cancelled.location.zone).date()  # the viewer's zone too
    monday = day - timedelta(days=day.weekday())
    html = client.get(reverse("schedules:timetable"), {"week": monday.isoformat()}).content.decode()
    card = html[html.index(f"/classes/{cancelled.pk}/") :][:1500]
    assert ">Cancelled<" in card and "spots left" not in card and "Full" not in card
