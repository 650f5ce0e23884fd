"""The instructor's e-mails link to their own roster page, not into Django admin (they are not staff)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings import services
from tests.bookings.conftest import MADRID, upcoming_class
from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://shala.example.org"


def _text(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


@pytest.fixture
def teacher():
    return PractitionerFactory(user__time_zone="Europe/Madrid", user__email="ana@example.com")


@pytest.fixture
def tomorrow() -> datetime:
    """Midnight at the start of tomorrow in the studio's zone."""
    return datetime.combine(timezone.localdate(timezone.now(), MADRID) + timedelta(days=1), time(0), MADRID)


def test_the_booking_news_links_to_the_instructors_roster_page(
    settings, smtp_inbox, teacher, tomorrow, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE + "/"
    session = upcoming_class(starts_at=tomorrow + timedelta(hours=18), instructor=teacher)
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class(client=UserFactory(display_name="Carla"), session_id=session.pk, quantity=1)
    (message,) = [m for m in smtp_inbox.messages if m["To"] == "ana@example.com"]
    body = _text(message)
    assert f"{SITE}/instructor/classes/{session.pk}/" in body
    assert "/admin/" not in body


def test_the_daily_agenda_links_each_class_to_its_roster(
    settings, smtp_inbox, teacher, tomorrow, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE
    evening = upcoming_class(starts_at=tomorrow + timedelta(hours=18), instructor=teacher)
    noon = upcoming_class(starts_at=tomorrow + timedelta(hours=12), instructor=teacher)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_daily_agendas(now=tomorrow + timedelta(hours=7)) == 2  # in-app + e-mail
    (message,) = [m for m in smtp_inbox.messages if "Your day" in m["Subject"]]
    body = _text(message)
    assert f"{SITE}/instructor/classes/{noon.pk}/" in body
    assert f"{SITE}/instructor/classes/{evening.pk}/" in body
    assert body.index(f"/classes/{noon.pk}/") < body.index(f"/classes/{evening.pk}/")  # in the day's order
    assert "/admin/" not in body
