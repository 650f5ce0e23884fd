"""Feedback: asked once after a session, given once by its own client, read by whom it concerns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from feedback import selectors, services
from feedback.models import Feedback
from notifications.channels import render
from notifications.models import Notification
from tests.factories import ClassSessionFactory, ClassTypeFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_user():
    return UserFactory(display_name="Carla Client")


@pytest.fixture
def other_client():
    return UserFactory(display_name="David Other")


@pytest.fixture
def now(time_machine):
    moment = timezone.now().replace(microsecond=0)
    time_machine.move_to(moment, tick=False)
    return moment


def came(
    client, *, ended_minutes_ago: int, now, instructor=None, class_type=None, status=BookingStatus.CONFIRMED
) -> Booking:
    """A booking of a one-hour class that ended ``ended_minutes_ago`` minutes before ``now``."""
    ends = now - timedelta(minutes=ended_minutes_ago)
    extra = {"instructor": instructor} if instructor else {}
    if class_type:
        extra["class_type"] = class_type
    session = ClassSessionFactory(starts_at=ends - timedelta(hours=1), ends_at=ends, **extra)
    return Booking.objects.create(
        client=client,
        class_session=session,
        status=status,
        quantity=1,
        unit_price=Decimal("12"),
        total=Decimal("12"),
        currency="EUR",
    )


def requests_for(booking: Booking) -> list[Notification]:
    return list(Notification.objects.filter(kind="feedback_request", dedupe_key__startswith=f"booking:{booking.pk}:"))


# --- asking ------------------------------------------------------------------------------------------


def test_a_request_goes_out_once_an_hour_after_the_session_and_never_twice(now, settings):
    settings.FEEDBACK_AFTER_MINUTES = 60
    due = came(UserFactory(), ended_minutes_ago=61, now=now)
    early = came(UserFactory(), ended_minutes_ago=30, now=now)

    assert services.request_due_feedback(now=now) >= 1
    assert services.request_due_feedback(now=now) == 0

    assert requests_for(due) and not requests_for(early)
    row = requests_for(due)[0]
    assert row.context["feedback_url"].endswith(reverse("feedback:give", args=[due.reference]))
    assert due.reference in render(row, "body.txt") and "feedback" in render(row, "body.txt").lower()


def test_no_request_for_cancelled_no_show_already_rated_or_long_past_bookings(now, settings):
    settings.FEEDBACK_AFTER_MINUTES = 60
    cancelled = came(UserFactory(), ended_minutes_ago=90, now=now, status=BookingStatus.CANCELLED)
    absent = came(UserFactory(), ended_minutes_ago=90, now=now, status=BookingStatus.NO_SHOW)
    rated = came(UserFactory(), ended_minutes_ago=90, now=now, status=BookingStatus.COMPLETED)
    Feedback.objects.create(booking=rated, rating=5)
    old = came(UserFactory(), ended_minutes_ago=60 * 24 * 5, now=now)

    assert services.request_due_feedback(now=now) == 0
    assert not any(requests_for(b) for b in (cancelled, absent, rated, old))


def test_the_setting_zero_turns_requests_off(now, settings):
    settings.FEEDBACK_AFTER_MINUTES = 0
    booking = came(UserFactory(), ended_minutes_ago=120, now=now)
    assert services.request_due_feedback(now=now) == 0 and not requests_for(booking)


# --- giving -------------------------------------------------------------------------------------------


def test_the_client_rates_a_session_they_came_to_once(now, client_user):
    booking = came(client_user, ended_minutes_ago=90, now=now)

    given = services.leave_feedback(booking=booking, client=client_user, rating=4, comment="  Lovely pace. ")

    assert (given.rating, given.comment) == (4, "Lovely pace.")
    with pytest.raises(booking_services.BookingError, match="already given feedback"):
        services.leave_feedback(booking=booking, client=client_user, rating=5)
    assert Feedback.objects.get(booking=booking).rating == 4


def test_the_service_refuses_another_clients_booking_a_future_session_a_bad_rating_and_late_feedback(
    now, client_user, other_client
):
    booking = came(client_user, ended_minutes_ago=90, now=now)
    with pytest.raises(booking_services.NotPermitted):
        services.leave_feedback(booking=booking, client=other_client, rating=5)
    with pytest.raises(booking_services.BookingError, match="1 to 5"):
        services.leave_feedback(booking=booking, client=client_user, rating=6)
    future = came(client_user, ended_minutes_ago=-120, now=now)
    with pytest.raises(booking_services.BookingError, match="once you have been"):
        services.leave_feedback(booking=future, client=client_user, rating=5)
    long_ago = came(client_user, ended_minutes_ago=60 * 24 * 31, now=now)
    with pytest.raises(booking_services.BookingError, match="closed"):
        services.leave_feedback(booking=long_ago, client=client_user, rating=5)
    assert not Feedback.objects.exists()


def test_the_page_takes_a_rating_and_thanks_and_bad_input_is_a_form_error(now, client, client_user, other_client):
    booking = came(client_user, ended_minutes_ago=90, now=now)
    url = reverse("feedback:give", args=[booking.reference])
    client.force_login(other_client)
    assert client.get(url).status_code == 404  # another client's booking does not exist for them

    client.force_login(client_user)
    assert 'name="rating"' in client.get(url).content.decode()
    bad = client.post(url, {"rating": "9", "comment": "x"})
    assert bad.status_code == 200 and not Feedback.objects.exists()

    done = client.post(url, {"rating": "5", "comment": "Thank you!"}, follow=True)
    assert done.status_code == 200 and 'data-testid="feedback-given"' in done.content.decode()
    assert Feedback.objects.get().rating == 5
    again = client.post(url, {"rating": "1"}, follow=True)
    assert again.status_code == 200 and Feedback.objects.get().rating == 5


def test_my_bookings_lists_sessions_awaiting_feedback_until_rated(now, client, client_user):
    booking = came(client_user, ended_minutes_ago=90, now=now)
    client.force_login(client_user)
    give = reverse("feedback:give", args=[booking.reference])

    assert give in client.get(reverse("bookings:mine")).content.decode()
    services.leave_feedback(booking=booking, client=client_user, rating=3)
    assert give not in client.get(reverse("bookings:mine")).content.decode()


# --- reading ------------------------------------------------------------------------------------------


def _owner():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


def test_an_instructor_reads_their_own_feedback_only(now, client):
    ana, ben = PractitionerFactory(public_name="Ana"), PractitionerFactory(public_name="Ben")
    for rating, teacher in ((5, ana), (4, ana), (2, ben)):
        b = came(UserFactory(), ended_minutes_ago=90, now=now, instructor=teacher)
        services.leave_feedback(booking=b, client=b.client, rating=rating, comment=f"for {teacher.public_name}")

    rows, summary = selectors.own_feedback(practitioner=ana, actor=ana.user)
    assert (len(rows), summary.count, summary.average) == (2, 2, 4.5)
    with pytest.raises(booking_services.NotPermitted):
        selectors.own_feedback(practitioner=ana, actor=ben.user)

    client.force_login(ana.user)
    page = client.get(reverse("feedback:mine")).content.decode()
    assert page.count('data-testid="feedback-row"') == 2 and "for Ana" in page and "for Ben" not in page
    client.force_login(UserFactory())
    assert client.get(reverse("feedback:mine")).status_code == 403


def test_the_owner_reads_the_averages_and_the_desk_may_not(now, client):
    ana, ben = PractitionerFactory(public_name="Ana"), PractitionerFactory(public_name="Ben")
    yin = ClassTypeFactory(title="Yin")
    for rating, teacher in ((5, ana), (4, ana), (2, ben)):
        b = came(UserFactory(), ended_minutes_ago=90, now=now, instructor=teacher, class_type=yin)
        services.leave_feedback(booking=b, client=b.client, rating=rating)
    today = timezone.localdate()
    # two days each side: the report reads local dates in the viewer's zone, which may be a day on from UTC
    query = {"first": (today - timedelta(days=2)).isoformat(), "last": (today + timedelta(days=2)).isoformat()}

    owner = _owner()
    table = selectors.averages(actor=owner, start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert [(r["who"], r["what"], r["count"], r["average"]) for r in table] == [
        ("Ana", "Yin", 2, 4.5),
        ("Ben", "Yin", 1, 2.0),
    ]

    client.force_login(owner)
    page = client.get(reverse("feedback:report"), query).content.decode()
    assert "4.50" in page or "4,50" in page
    csv = client.get(reverse("feedback:report"), query | {"format": "csv"}).content.decode()
    assert "Ana" in csv and "4.50" in csv

    desk = UserFactory(is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    client.force_login(desk)
    assert client.get(reverse("feedback:report")).status_code == 403
    with pytest.raises(booking_services.NotPermitted):
        selectors.averages(actor=desk)
