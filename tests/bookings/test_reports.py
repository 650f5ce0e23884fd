"""The owner's reports: figures against data whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings.models import Booking
from bookings.reports import clients, occupancy
from bookings.reports.period import Period, last_month
from bookings.reports.selectors import client_report, occupancy_report
from tests.bookings.conftest import MADRID
from tests.factories import ClassSessionFactory, ClassTypeFactory, LocationFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday; last month is November 2026
NOVEMBER = Period(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date(), MADRID)
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def row(day: int, hour: int, *, kind="Yin", teacher="Ana", capacity=10, booked=5, attended=4, minimum=None):
    return occupancy.SessionRow(
        datetime(2026, 11, day, hour, tzinfo=MADRID), kind, teacher, "Centro", capacity, booked, attended, minimum
    )


# --- the arithmetic, on hand-made rows ---------------------------------------------------------


def test_fill_rate_average_and_below_minimum_add_up_over_groups():
    rows = [
        row(2, 9, booked=10, attended=9),  # Monday 09:00, full
        row(9, 9, booked=5, attended=5, minimum=6),  # Monday 09:00, under its minimum
        row(4, 18, kind="Vinyasa", teacher="Leo", capacity=20, booked=15, attended=12),  # Wednesday 18:00
    ]
    report = occupancy.summarise(rows, weekday_names=DAYS)

    assert report.total.sessions == 3 and report.total.booked == 30 and report.total.capacity == 40
    assert report.total.fill_rate == Decimal("75.0")
    assert report.total.average_attendance == Decimal("8.7")  # 26 / 3
    assert report.total.below_minimum == 1
    # The busiest first; 15 spots booked each, so by name.
    assert [(g.label, g.fill_rate) for g in report.by["class_type"]] == [
        ("Vinyasa", Decimal("75.0")),
        ("Yin", Decimal("75.0")),
    ]
    assert [g.label for g in report.by["weekday"]] == ["Monday", "Wednesday"]
    assert [g.label for g in report.by["hour"]] == ["09:00", "18:00"]
    assert report.heat_cell(0, 9).booked == 15 and report.heat_cell(2, 18).sessions == 1
    assert report.heat_cell(1, 9) is None and report.hours == [9, 18]


def test_no_classes_give_no_rates_rather_than_zero():
    report = occupancy.summarise([], weekday_names=DAYS)
    assert report.total.fill_rate is None and report.total.average_attendance is None


def _b(client: int, day: int, status="completed", *, cancelled_hours_before=None, free=Decimal("24")):
    starts = datetime(2026, 11, day, 10, tzinfo=UTC)
    cancelled = starts - timedelta(hours=cancelled_hours_before) if cancelled_hours_before is not None else None
    return clients.BookingRow(client, starts, status, cancelled, free)


def test_cancellation_late_cancellation_and_no_show_rates():
    rows = [
        _b(1, 3),
        _b(1, 10, "no_show"),
        _b(2, 4, "cancelled", cancelled_hours_before=48),  # in time
        _b(2, 5, "cancelled", cancelled_hours_before=2),  # late: inside the 24 h window
        _b(3, 6, "confirmed"),
    ]
    start, end = NOVEMBER.start, NOVEMBER.end
    first = {1: rows[0].starts_at, 3: datetime(2026, 10, 1, tzinfo=UTC)}
    figures = clients.summarise(
        rows, first_visit=first, later_visits={1: [rows[1].starts_at]}, period_start=start, period_end=end
    )

    assert (figures.bookings, figures.cancelled, figures.late_cancelled) == (5, 2, 1)
    assert figures.cancel_rate == Decimal("40.0") and figures.late_cancel_rate == Decimal("20.0")
    assert (figures.no_shows, figures.closed, figures.no_show_rate) == (1, 2, Decimal("50.0"))
    assert (figures.clients, figures.new, figures.returning) == (2, 1, 1)  # client 2 never visited
    assert [(r.days, r.first_timers, r.came_back) for r in figures.retention] == [(30, 1, 1), (60, 1, 1), (90, 1, 1)]


def test_retention_counts_a_return_only_inside_its_window():
    first = datetime(2026, 11, 2, tzinfo=UTC)
    figures = clients.summarise(
        [clients.BookingRow(7, first, "completed", None, None)],
        first_visit={7: first},
        later_visits={7: [first, first + timedelta(days=45)]},  # the first visit itself is not a return
        period_start=NOVEMBER.start,
        period_end=NOVEMBER.end,
    )
    assert [r.came_back for r in figures.retention] == [0, 1, 1]


def test_last_month_is_the_calendar_month_before():
    assert last_month(datetime(2026, 1, 15).date()) == (datetime(2025, 12, 1).date(), datetime(2025, 12, 31).date())


# --- the queries, on factory data --------------------------------------------------------------


def _owner():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


def _session(when: datetime, **kw):
    return ClassSessionFactory(starts_at=when, ends_at=when + timedelta(hours=1), **kw)


def _booking(session, client, status="completed", quantity=1, **kw) -> Booking:
    return Booking.objects.create(
        client=client,
        class_session=session,
        status=status,
        quantity=quantity,
        unit_price=Decimal("12.00"),
        total=Decimal("12.00") * quantity,
        currency="EUR",
        **kw,
    )


@pytest.fixture
def november(db):
    """Two Yin classes on Mondays at 09:00 (capacity 10) and a Vinyasa on a Wednesday at 18:00 (capacity 5)."""
    centro, other = LocationFactory(name="Centro"), LocationFactory(name="Norte")
    ana = PractitionerFactory(public_name="Ana")
    yin = ClassTypeFactory(title="Yin", min_participants=3)
    first = _session(datetime(2026, 11, 2, 9, tzinfo=MADRID), class_type=yin, instructor=ana, location=centro)
    second = _session(datetime(2026, 11, 9, 9, tzinfo=MADRID), class_type=yin, instructor=ana, location=centro)
    vinyasa = _session(datetime(2026, 11, 4, 18, tzinfo=MADRID), capacity=5, location=other)
    _session(datetime(2026, 11, 5, 18, tzinfo=MADRID), status="cancelled", location=centro)  # not held
    _session(datetime(2026, 12, 1, 9, tzinfo=MADRID), class_type=yin, location=centro)  # December
    people = [UserFactory() for _ in range(4)]
    _booking(first, people[0], quantity=2)  # 2 spots attended
    _booking(first, people[1], "no_show")
    _booking(first, people[2], "cancelled", cancelled_at=first.starts_at - timedelta(hours=1))
    _booking(second, people[0])  # people[0] comes back a week later
    _booking(vinyasa, people[3], "confirmed", checked_in_at=vinyasa.starts_at)
    _booking(vinyasa, people[1])
    return {"centro": centro, "people": people, "first": first}


def test_occupancy_of_november_matches_the_hand_count(november, django_assert_num_queries):
    owner = _owner()
    with django_assert_num_queries(4):  # the role's permissions (two), the sessions, their bookings
        report = occupancy_report(viewer=owner, period=NOVEMBER)

    # Held: 2 Yin (10 + 10 spots) and 1 Vinyasa (5). Booked: 3 + 1 and 2; attended: 2 + 1 and 2.
    assert (report.total.sessions, report.total.capacity, report.total.booked) == (3, 25, 6)
    assert report.total.fill_rate == Decimal("24.0")
    assert report.total.average_attendance == Decimal("1.7")  # 5 / 3
    assert report.total.below_minimum == 1  # the second Yin: 1 booked, minimum 3
    yin = next(g for g in report.by["class_type"] if g.label == "Yin")
    assert (yin.sessions, yin.booked, yin.fill_rate) == (2, 4, Decimal("20.0"))
    assert report.heat_cell(0, 9).booked == 4 and report.heat_cell(2, 18).booked == 2


def test_occupancy_filters_by_location(november):
    report = occupancy_report(
        viewer=_owner(), period=Period(NOVEMBER.first, NOVEMBER.last, MADRID, november["centro"].pk)
    )
    assert report.total.sessions == 2


def test_the_query_count_does_not_grow_with_the_range(november, django_assert_num_queries):
    owner = _owner()
    year = Period(datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date(), MADRID)
    with django_assert_num_queries(4):
        occupancy_report(viewer=owner, period=year)
    owner = _owner()  # a fresh permission cache
    with django_assert_num_queries(6):  # permissions (two), tiers, bookings, first visits, first-timers' returns
        client_report(viewer=owner, period=year)


def test_clients_of_november_match_the_hand_count(november, default_policy):
    with time_machine.travel(NOW, tick=False):
        figures = client_report(viewer=_owner(), period=NOVEMBER)

    # Six bookings; people[2] only cancelled (1 h before: late under the 24 h full-refund tier).
    assert (figures.bookings, figures.cancelled, figures.late_cancelled) == (6, 1, 0)  # no policy on the rows
    assert (figures.clients, figures.new, figures.returning) == (3, 3, 0)
    assert (figures.no_shows, figures.closed) == (1, 4)
    # people[0] a week later; people[1] (a no-show on the 2nd is a visit) two days later at Vinyasa.
    assert [r.came_back for r in figures.retention] == [2, 2, 2]


def test_a_late_cancel_is_read_from_the_bookings_policy(november, default_policy):
    Booking.objects.filter(status="cancelled").update(policy=default_policy)
    figures = client_report(viewer=_owner(), period=NOVEMBER)
    assert figures.late_cancelled == 1


def test_a_client_is_refused_before_any_parameter_is_read(client, november, clock):
    client.force_login(UserFactory())
    far = {"first": "9999-12-31", "last": "9999-12-31", "format": "csv"}
    assert client.get(reverse("bookings:report_clients"), far).status_code == 403


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.parametrize("name", ["bookings:report_occupancy", "bookings:report_clients"])
def test_only_the_owner_reads_the_reports(client, november, clock, name):
    desk = UserFactory(is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    client.force_login(desk)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(_owner())
    page = client.get(reverse(name))
    assert page.status_code == 200 and "1 Nov 2026 – 30 Nov 2026" in page.content.decode()


def test_the_occupancy_page_and_its_csv(client, november, clock):
    client.force_login(_owner())
    html = client.get(reverse("bookings:report_occupancy")).content.decode()
    assert "24.0 %" in html and 'data-testid="heat-map"' in html and "4 (2)" in html  # Monday 09:00: 4 spots, 2 classes

    csv = client.get(reverse("bookings:report_occupancy"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("group,label,sessions") and "class_type,Yin,2,20,4,3,20.0,1.5,1" in lines


def test_the_clients_page_and_the_win_back_csv(client, november, clock):
    old = UserFactory(display_name="Olga Old", email="olga@example.com")
    _booking(_session(datetime(2026, 8, 3, 9, tzinfo=MADRID)), old)
    client.force_login(_owner())

    html = client.get(reverse("bookings:report_clients")).content.decode()
    assert "1 client has not visited" in html
    rows = client.get(reverse("bookings:report_clients"), {"format": "csv"}).content.decode().splitlines()
    assert rows[0] == "name,email,phone,last_visit,visits" and rows[1].startswith(
        "Olga Old,olga@example.com,,2026-08-03,1"
    )
    assert len(rows) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"first": "2026-11-30", "last": "2026-11-01"},
        {"first": "yesterday"},
        {"location": "x"},
        {"first": "9999-12-31", "last": "9999-12-31"},
        {"first": "0001-01-01", "last": "2026-11-01"},
    ],
)
def test_a_bad_filter_shows_last_month_with_a_message(client, november, clock, query):
    client.force_login(_owner())
    page = client.get(reverse("bookings:report_occupancy"), {**query, "format": ""})
    assert page.status_code == 200 and "1 Nov 2026 – 30 Nov 2026" in page.content.decode()
    assert "alert" in page.content.decode()
