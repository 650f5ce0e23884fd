"""The money report: figures against ledger rows written by the real services, answers worked out by hand.

November 2026 in Madrid (UTC+1). Ana teaches Yin at Centro, Leo Vinyasa at Norte, Marta
gives massages at Centro. What moved, by the studio's local day:

    Nov 1 (00:30, 31 Oct 23:30 UTC)  cash 24.00 for two spots of Yin (Ana)
    Nov 2                            card terminal 12.00 for Yin (Ana)
    Nov 4                            cash 12.00 for Vinyasa (Leo), cancelled on Nov 4 ...
    Nov 5                            ... and its 12.00 paid back in cash
    Nov 10                           bank transfer 60.00 for a massage (Marta), cancelled late
                                     with a 40.00 fee: 20.00 owed back, not paid yet
    Dec 1 (00:30, 30 Nov 23:30 UTC)  cash 12.00 for a December class: not November's
    and Yin bookings unpaid: a completed one whose card payment is still pending (12.00
    due), a completed one with no payment (12.00 due) and a no-show with a 5.00 fee (5.00 due).

So November: taken 24 + 12 + 12 + 60 = 108.00, paid back 12.00, revenue 96.00; classes
48 - 12 = 36, therapy 60; Ana 36, Leo 12 - 12 = 0, Marta 60; cash 36 (and 12 back), card
terminal 12, transfer 60; fees 5 + 40 = 45, refunds owed 20, outstanding 12 + 12 + 5 = 29
on three bookings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings.models import Booking
from bookings.reports.period import Period
from payments import services
from payments.reports import money
from payments.reports.selectors import money_report
from tests.bookings.conftest import MADRID
from tests.factories import (
    ClassSessionFactory,
    ClassTypeFactory,
    LocationFactory,
    PractitionerFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), MADRID)
D = Decimal


def _owner():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


def _class(when: datetime, **kw):
    return ClassSessionFactory(starts_at=when, ends_at=when + timedelta(hours=1), **kw)


def _booking(status="confirmed", total="12.00", quantity=1, **kw) -> Booking:
    return Booking.objects.create(
        client=UserFactory(),
        status=status,
        quantity=quantity,
        unit_price=D(total) / quantity,
        total=D(total),
        currency="EUR",
        **kw,
    )


def _pay(booking, amount, method, at: datetime):
    with time_machine.travel(at, tick=False):
        return services.record_payment(booking=booking, amount=amount, method=method, actor=None)


@pytest.fixture
def ledger(db):
    centro, norte = LocationFactory(name="Centro"), LocationFactory(name="Norte")
    ana, leo = PractitionerFactory(public_name="Ana"), PractitionerFactory(public_name="Leo")
    marta = PractitionerFactory(public_name="Marta", is_therapist=True)
    yin = _class(
        datetime(2026, 11, 2, 9, tzinfo=MADRID),
        class_type=ClassTypeFactory(title="Yin"),
        instructor=ana,
        location=centro,
    )
    vinyasa = _class(datetime(2026, 11, 4, 18, tzinfo=MADRID), instructor=leo, location=norte)
    december = _class(datetime(2026, 12, 1, 9, tzinfo=MADRID), instructor=ana, location=centro)

    _pay(
        _booking(total="24.00", quantity=2, class_session=yin, status="completed"),
        "24.00",
        "cash",
        datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
    )
    _pay(
        _booking(class_session=yin, status="completed"),
        "12.00",
        "card_terminal",
        datetime(2026, 11, 2, 7, 50, tzinfo=UTC),
    )
    cancelled = _booking(class_session=vinyasa)
    paid = _pay(cancelled, "12.00", "cash", datetime(2026, 11, 4, 10, tzinfo=UTC))
    Booking.objects.filter(pk=cancelled.pk).update(
        status="cancelled", cancelled_at=datetime(2026, 11, 4, 12, tzinfo=UTC)
    )
    with time_machine.travel(datetime(2026, 11, 5, 10, tzinfo=UTC), tick=False):
        refund = services.record_refund(payment=paid, amount="12.00", actor=None, reason="cancelled in time")
        services.mark_refund_paid(refund=refund, actor=None, method="cash")

    massage = _booking(
        total="60.00",
        therapy_type=TherapyTypeFactory(title="Massage"),
        practitioner=marta,
        starts_at=datetime(2026, 11, 12, 10, tzinfo=MADRID),
        ends_at=datetime(2026, 11, 12, 11, tzinfo=MADRID),
        location=centro,
    )
    transfer = _pay(massage, "60.00", "bank_transfer", datetime(2026, 11, 10, 9, tzinfo=UTC))
    Booking.objects.filter(pk=massage.pk).update(status="cancelled", fee_charged=D("40.00"))
    with time_machine.travel(datetime(2026, 11, 12, 8, tzinfo=UTC), tick=False):
        services.record_refund(payment=transfer, amount="20.00", actor=None, reason="late: half back")

    _pay(_booking(class_session=december), "12.00", "cash", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    _pay(_booking(class_session=yin, status="completed"), "12.00", "online_card", datetime(2026, 11, 3, 9, tzinfo=UTC))
    # ... that pending card payment never went through; and two Yin bookings owe money:
    _booking(class_session=yin, status="completed")  # nothing paid: 12.00 due
    _booking(class_session=yin, status="no_show", fee_charged=D("5.00"))  # its fee: 5.00 due
    return {"centro": centro}


def test_november_matches_the_hand_count(ledger, django_assert_num_queries):
    owner = _owner()
    with django_assert_num_queries(6):  # the role's permissions (two), payments, refunds, two balances
        report = money_report(viewer=owner, period=NOVEMBER)

    assert (report.total.taken, report.total.refunded, report.total.net) == (D("108.00"), D("12.00"), D("96.00"))
    assert (report.total.payments, report.total.refunds) == (4, 1)
    assert [(line.label, line.net) for line in report.by_product] == [
        ("Drop-in classes", D("36.00")),
        ("Therapy", D("60.00")),
    ]
    assert [(line.label, line.taken, line.net) for line in report.by_instructor] == [
        ("Ana", D("36.00"), D("36.00")),
        ("Leo", D("12.00"), D("0.00")),
    ]
    assert [(line.label, line.net) for line in report.by_therapist] == [("Marta", D("60.00"))]
    assert {line.label: (line.taken, line.refunded) for line in report.by_method} == {
        "Cash": (D("36.00"), D("12.00")),
        "Card terminal": (D("12.00"), D("0")),
        "Bank transfer": (D("60.00"), D("0")),
    }
    assert report.balances == money.Balances(
        fees_charged=D("45.00"), refunds_owed=D("20.00"), outstanding=D("29.00"), owing_bookings=3
    )


def test_money_moves_on_the_studios_local_day(ledger):
    report = money_report(viewer=_owner(), period=NOVEMBER)

    assert report.grain == "day" and len(report.by_period) == 30
    moved = {line.label: (line.taken, line.refunded) for line in report.by_period if line.payments or line.refunds}
    assert moved == {
        "2026-11-01": (D("24.00"), D("0")),  # 31 October in UTC
        "2026-11-02": (D("12.00"), D("0")),
        "2026-11-04": (D("12.00"), D("0")),
        "2026-11-05": (D("0"), D("12.00")),
        "2026-11-10": (D("60.00"), D("0")),
    }


def test_weeks_and_months_add_the_same_days(ledger):
    weeks = money_report(viewer=_owner(), period=NOVEMBER, grain="week")
    assert [(line.label, line.net) for line in weeks.by_period] == [
        ("2026-10-26", D("24.00")),  # the week of Monday 26 October holds Sunday 1 November
        ("2026-11-02", D("12.00")),  # 24 taken, 12 back
        ("2026-11-09", D("60.00")),
        ("2026-11-16", D("0")),
        ("2026-11-23", D("0")),
        ("2026-11-30", D("0")),
    ]
    autumn = money_report(viewer=_owner(), period=Period(date(2026, 10, 1), date(2026, 12, 31), MADRID), grain="month")
    assert [(line.label, line.taken) for line in autumn.by_period] == [
        ("2026-10-01", D("0")),
        ("2026-11-01", D("108.00")),
        ("2026-12-01", D("12.00")),
    ]


def test_the_location_filter_keeps_its_classes_and_therapy(ledger):
    report = money_report(viewer=_owner(), period=Period(NOVEMBER.first, NOVEMBER.last, MADRID, ledger["centro"].pk))
    assert (report.total.taken, report.total.refunded) == (D("96.00"), D("0"))
    assert [line.label for line in report.by_instructor] == ["Ana"]


def test_the_query_count_does_not_grow_with_the_range(ledger, django_assert_num_queries):
    owner = _owner()
    with django_assert_num_queries(6):
        money_report(viewer=owner, period=Period(date(2024, 1, 1), date(2026, 12, 31), MADRID))


def test_buckets_cover_the_range_with_empty_ones():
    assert money.buckets(date(2026, 1, 30), date(2026, 3, 2), "month") == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert money.buckets(date(2026, 3, 4), date(2026, 3, 16), "week") == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]
    assert money.grain_for(date(2026, 1, 1), date(2026, 3, 3)) == "day"  # 62 days
    assert money.grain_for(date(2026, 1, 1), date(2026, 3, 4)) == "week"
    assert money.grain_for(date(2026, 1, 1), date(2027, 1, 2)) == "month"


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=UTC), tick=True):
        yield


def test_the_money_page_shows_last_month_and_its_csv(client, ledger, clock):
    client.force_login(_owner())
    page = client.get(reverse("payments:report_money"))
    html = page.content.decode()
    assert page.status_code == 200 and "1 Nov 2026 – 30 Nov 2026" in html
    assert "€96.00" in html and "€29.00" in html and 'data-testid="money-chart"' in html

    csv = client.get(reverse("payments:report_money"), {"first": "2026-11-01", "last": "2026-11-30", "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert csv["Content-Type"].startswith("text/csv")
    assert lines[0] == "group,label,taken,refunded,net,payments,refunds"
    assert "total,,108.00,12.00,96.00,4,1" in lines and "instructor,Leo,12.00,12.00,0.00,1,1" in lines
    assert "balances,outstanding,29.00,,,3," in lines


@pytest.mark.parametrize("role", [roles.FRONT_DESK, roles.INSTRUCTOR, None])
def test_only_the_owner_reads_the_money(client, clock, role):
    user = UserFactory(is_staff=role is not None)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    assert client.get(reverse("payments:report_money"), {"format": "csv"}).status_code == 403


@pytest.mark.parametrize("query", [{"first": "2026-12-01", "last": "2026-11-01"}, {"by": "year"}, {"first": "x"}])
def test_a_bad_filter_shows_last_month(client, clock, query):
    client.force_login(_owner())
    page = client.get(reverse("payments:report_money"), query)
    assert page.status_code == 200 and "1 Nov 2026 – 30 Nov 2026" in page.content.decode()
