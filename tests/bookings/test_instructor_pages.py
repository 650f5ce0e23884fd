"""An instructor's "My classes" and roster pages: their own classes only, check-in at the door."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bookings import instructor_selectors, services
from bookings.models import Booking
from tests.bookings.conftest import MADRID, upcoming_class
from tests.factories import PractitionerFactory, UserFactory, staff_with
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> datetime:
    """Tomorrow at ``hour`` in the studio's zone: upcoming and bookable whatever the hour now."""
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=1)
    return datetime.combine(day, time(hour), MADRID)


@pytest.fixture
def teacher():
    return PractitionerFactory(public_name="Ana García", user__time_zone="Europe/Madrid")


@pytest.fixture
def other_teacher():
    return PractitionerFactory(public_name="Leo Martín")


@pytest.fixture
def yoga(teacher):
    return upcoming_class(starts_at=tomorrow_at(18), instructor=teacher, capacity=30)


def _book(session, n: int = 1, **kw) -> list[Booking]:
    return [
        services.book_class(client=UserFactory(display_name=f"Client {i}"), session_id=session.pk, quantity=1, **kw)
        for i in range(n)
    ]


def _roster_url(session) -> str:
    return reverse("bookings:instructor_roster", args=[session.pk])


def _check_in_url(booking) -> str:
    return reverse("bookings:instructor_check_in", args=[booking.class_session_id, booking.pk])


# --- My classes ------------------------------------------------------------------------------


def test_my_classes_lists_the_instructors_own_classes_with_counts_in_their_zone(client, teacher, other_teacher, yoga):
    teacher.user.time_zone = "America/New_York"
    teacher.user.save(update_fields=["time_zone"])
    upcoming_class(starts_at=tomorrow_at(9), instructor=other_teacher)
    _book(yoga, 2)
    WaitlistEntry.objects.create(session=yoga, client=UserFactory())
    client.force_login(teacher.user)
    page = client.get(reverse("bookings:instructor_classes"))
    assert page.status_code == 200
    classes = page.context["days"]
    assert [card.session for day in classes for card in day.classes] == [yoga]
    html = page.content.decode()
    local = timezone.localtime(yoga.starts_at, teacher.user.zone)
    assert f"{local:%H:%M}–" in html  # New York wall time, not Madrid's 18:00
    assert "2/30 booked" in html and "1 waiting" in html
    assert _roster_url(yoga) in html


def test_my_classes_covers_this_week_and_next_but_not_past_or_later_classes(client, teacher, yoga):
    over = upcoming_class(starts_at=timezone.now() - timedelta(hours=3), instructor=teacher)
    later = upcoming_class(starts_at=tomorrow_at(18) + timedelta(days=15), instructor=teacher)
    client.force_login(teacher.user)
    shown = [c.session for d in client.get(reverse("bookings:instructor_classes")).context["days"] for c in d.classes]
    assert yoga in shown and over not in shown and later not in shown


def test_a_client_gets_a_403_page_for_my_classes_and_for_a_roster(client, yoga):
    client.force_login(UserFactory())
    assert client.get(reverse("bookings:instructor_classes")).status_code == 403
    assert client.get(_roster_url(yoga)).status_code == 403


def test_the_nav_shows_my_classes_to_instructors_only(client, teacher):
    client.force_login(teacher.user)
    assert 'data-testid="instructor-nav"' in client.get(reverse("schedules:timetable")).content.decode()
    client.force_login(UserFactory())
    assert 'data-testid="instructor-nav"' not in client.get(reverse("schedules:timetable")).content.decode()


def test_my_classes_reads_the_same_number_of_queries_for_one_class_or_many(
    client, teacher, django_assert_max_num_queries
):
    first = upcoming_class(starts_at=tomorrow_at(7), instructor=teacher)
    _book(first, 2)
    client.force_login(teacher.user)
    url = reverse("bookings:instructor_classes")
    client.get(url)  # warm the session
    # user, their practitioner, the classes, their waiting counts, unread messages
    with django_assert_max_num_queries(5):
        assert len(client.get(url).context["days"][0].classes) == 1
    for hour in (9, 11, 13, 15, 17, 19, 21):
        session = upcoming_class(starts_at=tomorrow_at(hour), instructor=teacher)
        _book(session, 2)
        WaitlistEntry.objects.create(session=session, client=UserFactory())
    with django_assert_max_num_queries(5):
        assert len(client.get(url).context["days"][0].classes) == 8


# --- the roster -----------------------------------------------------------------------------


def test_the_roster_shows_names_party_sizes_and_notes(client, teacher, yoga):
    services.book_class(
        client=UserFactory(display_name="Carla Client"), session_id=yoga.pk, quantity=3, note="Knee injury"
    )
    client.force_login(teacher.user)
    html = client.get(_roster_url(yoga)).content.decode()
    assert "Carla Client" in html and "3 spots" in html and "Knee injury" in html
    assert "/admin/" not in html


def test_another_instructors_roster_is_refused_by_the_selector_and_the_page(client, yoga, other_teacher):
    with pytest.raises(PermissionDenied):
        instructor_selectors.class_roster(session_id=yoga.pk, viewer=other_teacher.user)
    client.force_login(other_teacher.user)
    assert client.get(_roster_url(yoga)).status_code == 403


def test_staff_who_may_view_bookings_may_open_any_roster(client, yoga):
    client.force_login(staff_with("bookings.view_booking"))
    assert client.get(_roster_url(yoga)).status_code == 200


def test_staff_whose_role_grants_no_bookings_may_not(client, yoga):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(_roster_url(yoga)).status_code == 403


def test_a_missing_class_is_a_404(client, teacher):
    client.force_login(teacher.user)
    assert client.get(reverse("bookings:instructor_roster", args=[999_999])).status_code == 404


@pytest.mark.parametrize("size", [5, 20])
def test_the_roster_reads_the_same_number_of_queries_for_5_or_20_bookings(
    client, teacher, yoga, size, django_assert_max_num_queries
):
    for b in _book(yoga, size, note="Be gentle"):
        services.set_checked_in(booking=b, checked_in=True, actor=None)
    client.force_login(teacher.user)
    client.get(_roster_url(yoga))
    # user, their practitioner, the class, its bookings with clients, the waiting count, unread messages
    with django_assert_max_num_queries(6):
        page = client.get(_roster_url(yoga))
    assert len(page.context["roster"].booked) == size


# --- check-in ---------------------------------------------------------------------------------


def test_the_instructor_checks_a_client_in_with_a_plain_form_and_undoes_it(client, teacher, yoga):
    (booking,) = _book(yoga)
    client.force_login(teacher.user)
    response = client.post(_check_in_url(booking), {"checked_in": "1"})
    assert response.status_code == 302 and response["Location"].startswith(_roster_url(yoga))
    assert Booking.objects.get(pk=booking.pk).checked_in_at is not None
    client.post(_check_in_url(booking), {"checked_in": "0"})
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None


def test_htmx_check_in_answers_with_the_card_and_the_counts_only(client, teacher, yoga):
    (booking,) = _book(yoga)
    client.force_login(teacher.user)
    response = client.post(_check_in_url(booking), {"checked_in": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="booking-{booking.pk}"' in html and "Checked in at" in html
    assert 'data-hx-swap-oob="true"' in html and "1 checked in" in html
    assert "<nav" not in html  # not the whole page


def test_another_instructor_cannot_check_in_through_the_page(client, yoga, other_teacher):
    (booking,) = _book(yoga)
    client.force_login(other_teacher.user)
    assert client.post(_check_in_url(booking), {"checked_in": "1"}).status_code == 403
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None


def test_a_cancelled_booking_cannot_be_checked_in_and_the_page_says_why(client, teacher, yoga):
    (booking,) = _book(yoga)
    services.cancel_booking(booking=booking, actor=None)
    client.force_login(teacher.user)
    response = client.post(_check_in_url(booking), {"checked_in": "1"}, follow=True)
    assert response.status_code == 200
    assert "Only confirmed bookings can be checked in." in response.content.decode()


def test_bad_input_is_a_400_and_a_get_is_a_405(client, teacher, yoga):
    (booking,) = _book(yoga)
    client.force_login(teacher.user)
    assert client.post(_check_in_url(booking), {"checked_in": "yes"}).status_code == 400
    assert client.get(_check_in_url(booking)).status_code == 405
    other = upcoming_class(starts_at=tomorrow_at(20), instructor=teacher)
    wrong_class = reverse("bookings:instructor_check_in", args=[other.pk, booking.pk])
    assert client.post(wrong_class, {"checked_in": "1"}).status_code == 404


def test_htmx_check_in_of_a_booking_cancelled_meanwhile_says_why_in_place_of_its_card(client, teacher, yoga):
    (booking,) = _book(yoga)
    client.force_login(teacher.user)
    services.cancel_booking(booking=booking, actor=None)  # while the roster was open on the phone
    response = client.post(_check_in_url(booking), {"checked_in": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="booking-{booking.pk}"' in html and "Only confirmed bookings can be checked in." in html
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None
