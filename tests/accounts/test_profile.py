"""The profile page: who may see it, what it saves, and that every page then follows its zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import ClassSessionFactory, ClassTypeFactory, LocationFactory, UserFactory

PROFILE_URL = reverse("accounts:profile")


def _profile_data(**overrides) -> dict:
    return {
        "display_name": "Lucía Navarro",
        "first_name": "Lucía",
        "last_name": "Navarro",
        "phone": "+34 612 34 56 78",
        "time_zone": "America/New_York",
        "language": "en",
        **overrides,
    }


@pytest.fixture
def member(db, client):
    user = UserFactory(email="lucia@example.com", display_name="Lucy", time_zone="Europe/Madrid", phone="")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={PROFILE_URL}"


def test_it_shows_the_current_profile(client, member):
    member.phone = "+34612345678"
    member.save()

    response = client.get(PROFILE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Lucy"' in html
    assert 'value="612 34 56 78"' in html  # national format for the default region (ES)
    assert '<option value="Europe/Madrid" selected>' in html
    assert '<option value="en" selected>' in html


def test_it_saves_the_profile(client, member):
    response = client.post(PROFILE_URL, _profile_data())

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Lucía Navarro"
    assert (member.first_name, member.last_name) == ("Lucía", "Navarro")
    assert str(member.phone) == "+34612345678"
    assert str(member.time_zone) == "America/New_York"
    assert member.language == "en"


def test_it_confirms_the_save_on_the_next_page(client, member):
    response = client.post(PROFILE_URL, _profile_data(), follow=True)

    assert "Your profile has been saved." in response.content.decode()


def test_it_shows_an_invalid_phone_number_as_an_error(client, member):
    response = client.post(PROFILE_URL, _profile_data(phone="12"))

    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()


def test_it_saves_nothing_when_the_phone_number_is_invalid(client, member):
    client.post(PROFILE_URL, _profile_data(phone="12"))

    member.refresh_from_db()
    assert member.display_name == "Lucy"
    assert str(member.time_zone) == "Europe/Madrid"
    assert str(member.phone) == ""


def test_it_keeps_showing_the_saved_name_when_the_form_has_errors(client, member):
    response = client.post(PROFILE_URL, _profile_data(display_name="Not saved", phone="12"))

    nav_link = f'<a class="nav-link" href="{PROFILE_URL}">'
    assert f"{nav_link}Lucy</a>" in response.content.decode()


def test_it_only_edits_the_logged_in_users_profile(client, member):
    other = UserFactory(email="other@example.com", display_name="Other", time_zone="Asia/Tokyo")

    client.post(
        PROFILE_URL,
        _profile_data(id=other.pk, pk=other.pk, user=other.pk, email=other.email, display_name="Hijacked"),
    )

    other.refresh_from_db()
    member.refresh_from_db()
    assert (other.display_name, str(other.time_zone), other.email) == ("Other", "Asia/Tokyo", "other@example.com")
    assert (member.display_name, member.email) == ("Hijacked", "lucia@example.com")


def test_it_shows_the_timetable_in_the_saved_time_zone(client, member):
    madrid = ZoneInfo("Europe/Madrid")
    ClassSessionFactory(
        class_type=ClassTypeFactory(title="Sunrise Vinyasa"),
        location=LocationFactory(time_zone="Europe/Madrid"),
        starts_at=datetime(2027, 1, 13, 7, 0, tzinfo=madrid),  # a winter Wednesday: Madrid is UTC+1, NY UTC-5
        ends_at=datetime(2027, 1, 13, 8, 0, tzinfo=madrid),
    )
    client.post(PROFILE_URL, _profile_data(time_zone="America/New_York"))

    response = client.get(reverse("schedules:timetable"), {"week": "2027-01-11"})

    html = response.content.decode()
    assert "Sunrise Vinyasa" in html
    assert "01:00–02:00" in html
    assert "07:00–08:00" not in html
