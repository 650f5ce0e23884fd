"""The front desk: booking a client in (phone bookings, walk-ins), guests, and today's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts import guests, roles
from accounts.selectors import search_clients
from accounts.services import NotPermitted as AccountNotPermitted
from bookings import services
from bookings.models import Booking, BookingEvent
from tests.bookings.conftest import MADRID, upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 10:00 in Madrid: the desk's "today".
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


def staff(role: str, **kw):
    user = UserFactory(is_staff=True, **kw)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def desk():
    return staff(roles.FRONT_DESK, display_name="Diego Desk")


@pytest.fixture
def noon_class():
    """Today at 12:00 Madrid: two hours ahead, inside the window, before the 60-minute cut-off."""
    return upcoming_class(starts_at=datetime(2026, 12, 7, 11, 0, tzinfo=UTC), capacity=2)


def _last_event(booking: Booking) -> BookingEvent:
    return booking.events.order_by("-pk").first()


# --- the service -----------------------------------------------------------------------------


def test_the_desk_books_a_client_and_the_event_names_the_desk(desk, client_user, noon_class):
    booking = services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk)

    assert booking.client == client_user and booking.status == "confirmed"
    event = _last_event(booking)
    assert event.actor == desk and event.reason == "" and "override" not in event.data


def test_a_client_cannot_book_for_someone_else(client_user, other_client, noon_class):
    with pytest.raises(services.NotPermitted):
        services.book_class(client=other_client, session_id=noon_class.pk, quantity=1, booked_by=client_user)
    assert not Booking.objects.exists()


def test_an_instructor_cannot_book_for_clients(client_user, noon_class):
    instructor = staff(roles.INSTRUCTOR)
    with pytest.raises(services.NotPermitted):
        services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=instructor)


def test_a_client_cannot_override_the_rules_for_themself(client_user, noon_class):
    with pytest.raises(services.NotPermitted):
        services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, override="I'm special")


def test_after_the_cut_off_the_desk_books_only_with_a_reason_which_the_event_keeps(desk, client_user, noon_class):
    with time_machine.travel(noon_class.starts_at - timedelta(minutes=30), tick=False):
        with pytest.raises(services.BookingError, match="Booking closes 60 minutes"):
            services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk)
        booking = services.book_class(
            client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk, override="  phoned at 11:25 "
        )

    event = _last_event(booking)
    assert event.actor == desk
    assert event.reason == "Booked past the rules: phoned at 11:25"
    assert event.data["override"] == "phoned at 11:25"


def test_a_walk_in_after_the_start_needs_a_reason_and_a_class_that_is_not_over(desk, client_user, noon_class):
    with time_machine.travel(noon_class.starts_at + timedelta(minutes=5), tick=False):
        with pytest.raises(services.BookingError, match="already started"):
            services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk)
        services.book_class(
            client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk, override="walk-in"
        )
    with time_machine.travel(noon_class.ends_at, tick=False), pytest.raises(services.BookingError, match="over"):
        services.book_class(
            client=UserFactory(), session_id=noon_class.pk, quantity=1, booked_by=desk, override="too late"
        )


def test_the_reason_lifts_the_clients_daily_cap(desk, client_user, noon_class, default_policy):
    default_policy.max_active_per_day = 1
    default_policy.save()
    evening = upcoming_class(starts_at=datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    services.book_class(client=client_user, session_id=evening.pk, quantity=1)

    with pytest.raises(services.BookingError, match="limit is 1"):
        services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk)
    services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk, override="regular")
    assert Booking.objects.filter(client=client_user).count() == 2


def test_no_reason_books_past_the_capacity(desk, client_user, noon_class):
    services.book_class(client=UserFactory(), session_id=noon_class.pk, quantity=2)

    with pytest.raises(services.SessionFull):
        services.book_class(client=client_user, session_id=noon_class.pk, quantity=1, booked_by=desk, override="VIP")
    noon_class.refresh_from_db()
    assert noon_class.spots_taken == 2


# --- guests ----------------------------------------------------------------------------------


def test_a_guest_with_an_e_mail_has_no_password_and_an_unverified_address(desk):
    guest = guests.create_guest(actor=desk, name=" Lola Walk-in ", email="Lola@Example.com")

    assert guest.name == "Lola Walk-in" and guest.email == "lola@example.com"
    assert not guest.has_usable_password()
    assert guest.notify_email and not guest.notify_sms
    assert EmailAddress.objects.get(user=guest).verified is False


def test_a_guest_known_by_phone_only_gets_a_placeholder_address_and_texts(desk):
    guest = guests.create_guest(actor=desk, name="Pepe", phone="+34612345678")

    assert guests.is_placeholder(guest.email) and guest.email.endswith("@guest.invalid")
    assert not guest.notify_email and guest.notify_sms
    assert not EmailAddress.objects.filter(user=guest).exists()


@pytest.mark.parametrize(
    ("name", "email", "phone", "message"),
    [
        ("", "a@example.com", "", "name"),
        ("Ana", "", "", "e-mail address or a phone"),
        ("Ana", "taken@example.com", "", "already has this e-mail"),
    ],
)
def test_a_guest_needs_a_name_a_way_to_reach_them_and_a_new_address(desk, name, email, phone, message):
    UserFactory(email="taken@example.com")
    with pytest.raises(guests.GuestError, match=message):
        guests.create_guest(actor=desk, name=name, email=email, phone=phone)


def test_only_a_role_that_adds_people_adds_guests():
    with pytest.raises(AccountNotPermitted):
        guests.create_guest(actor=staff(roles.INSTRUCTOR), name="Ana", email="ana@example.com")


def test_the_invitation_sets_a_password_proves_the_address_and_lets_the_guest_log_in(client, desk, rf):
    guest = guests.create_guest(actor=desk, name="Lola", email="lola@example.com")
    request = rf.get("/")
    request.user = desk

    assert guests.invite(request, guest) is True

    (message,) = mail.outbox
    assert message.to == ["lola@example.com"] and "choose a password" in message.subject
    link = re.search(r"https?://\S+", message.body).group(0)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    done = client.post(form_url, {"password1": "a-long-new-secret-42", "password2": "a-long-new-secret-42"})
    assert done.status_code == 302
    assert EmailAddress.objects.get(user=guest).verified is True
    client.logout()
    login = client.post(reverse("account_login"), {"login": "lola@example.com", "password": "a-long-new-secret-42"})
    assert login.status_code == 302 and "confirm-email" not in login.url
    assert client.get(reverse("bookings:mine")).status_code == 200


def test_a_phone_guest_gets_no_invitation(desk, rf):
    guest = guests.create_guest(actor=desk, name="Pepe", phone="+34612345678")
    assert guests.invite(rf.get("/"), guest) is False
    assert mail.outbox == []


def test_the_search_finds_by_name_e_mail_and_phone_digits():
    ana = UserFactory(display_name="Ana Torres", email="ana@example.com", phone="+34612345678")
    UserFactory(display_name="Bruno", email="bruno@example.com")

    assert list(search_clients("torres")) == [ana]
    assert list(search_clients("ANA@EX")) == [ana]
    assert list(search_clients("612 34 56")) == [ana]
    assert list(search_clients("a")) == []  # too short to mean anyone


# --- the pages -------------------------------------------------------------------------------


def test_today_shows_each_room_with_its_classes_and_therapy_but_no_therapy_notes(
    client, desk, noon_class, client_user, massage, therapist
):
    services.book_class(client=client_user, session_id=noon_class.pk, quantity=1)
    therapy_day = datetime(2026, 12, 28, tzinfo=MADRID)  # a Monday inside the therapist's window
    services.book_therapy(
        client=client_user,
        therapy_type=massage,
        minutes=60,
        practitioner=therapist,
        starts_at=datetime(2026, 12, 28, 10, 0, tzinfo=MADRID),
        note="old knee injury, left side",
    )
    client.force_login(desk)

    today = client.get(reverse("bookings:desk_today"))
    assert today.status_code == 200
    html = today.content.decode()
    assert "Monday 7 December 2026" in html
    assert noon_class.class_type.title in html and "1/2 booked" in html and "0 in" in html
    assert reverse("bookings:desk_book_class", args=[noon_class.pk]) in html

    therapy = client.get(reverse("bookings:desk_today"), {"day": therapy_day.date().isoformat()}).content.decode()
    assert "Massage" in therapy and client_user.name in therapy and "Sala Luna" in therapy
    assert "knee" not in therapy


def test_a_day_that_is_not_a_date_shows_today_with_a_message(client, desk):
    client.force_login(desk)
    page = client.get(reverse("bookings:desk_today"), {"day": "next tuesday"})
    assert page.status_code == 200
    assert "not a date" in page.content.decode() and "Monday 7 December 2026" in page.content.decode()


def test_the_desk_finds_a_client_and_books_them_from_the_page(client, desk, noon_class):
    ana = UserFactory(display_name="Ana Torres")
    client.force_login(desk)
    url = reverse("bookings:desk_book_class", args=[noon_class.pk])

    found = client.get(url, {"q": "torres"})
    assert "Ana Torres" in found.content.decode()
    response = client.post(url, {"client": ana.pk, "quantity": 1, "token": "t1", "q": "torres"})

    booking = Booking.objects.get(client=ana)
    assert response.status_code == 302 and response.url.endswith(f"#booking-{booking.pk}")
    assert _last_event(booking).actor == desk


def test_past_the_cut_off_the_page_says_how_to_book_anyway(client, desk, client_user, noon_class):
    client.force_login(desk)
    url = reverse("bookings:desk_book_class", args=[noon_class.pk])
    with time_machine.travel(noon_class.starts_at - timedelta(minutes=10), tick=False):
        refused = client.post(url, {"client": client_user.pk, "quantity": 1, "token": "t2"})
        assert refused.status_code == 422
        assert "Book past the rules" in refused.content.decode()
        assert not Booking.objects.exists()
        booked = client.post(url, {"client": client_user.pk, "quantity": 1, "token": "t2", "override": "late call"})
    assert booked.status_code == 302 and Booking.objects.filter(client=client_user).count() == 1


@pytest.mark.parametrize("data", [{}, {"client": "x", "quantity": "1"}, {"client": "999999", "quantity": "1"}])
def test_a_bad_booking_form_gets_a_message_not_an_error(client, desk, noon_class, data):
    client.force_login(desk)
    page = client.post(reverse("bookings:desk_book_class", args=[noon_class.pk]), {"token": "t", **data})
    assert page.status_code == 422 and not Booking.objects.exists()


def test_the_desk_adds_a_guest_and_finds_them_ready_to_book(client, desk, noon_class):
    client.force_login(desk)
    response = client.post(
        reverse("bookings:desk_add_guest", args=[noon_class.pk]), {"name": "Lola", "email": "lola@example.com"}
    )
    assert response.status_code == 302 and "q=lola%40example.com" in response.url
    page = client.get(response.url)
    assert "Lola" in page.content.decode() and "invitation" in page.content.decode()
    assert len(mail.outbox) == 1


def test_a_guest_without_a_way_to_reach_them_gets_a_message(client, desk, noon_class):
    client.force_login(desk)
    response = client.post(reverse("bookings:desk_add_guest", args=[noon_class.pk]), {"name": "Lola"}, follow=True)
    assert "e-mail address or a phone" in response.content.decode()


def test_an_instructor_may_not_add_guests_by_posting(client, noon_class):
    client.force_login(staff(roles.INSTRUCTOR))
    response = client.post(
        reverse("bookings:desk_add_guest", args=[noon_class.pk]), {"name": "Lola", "email": "lola@example.com"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("day", "shown"), [("9999-12-31", "2031"), ("0001-01-01", "2021")])
def test_a_far_day_moves_to_the_edge_of_the_bounds(client, desk, day, shown):
    client.force_login(desk)
    page = client.get(reverse("bookings:desk_today"), {"day": day})
    assert page.status_code == 200 and f"December {shown}" in page.content.decode()
