"""Instructor pay: each rule applied to factory classes, answers worked out by hand.

November 2026 in Madrid. Ana is paid 30.00 a class and taught two (a third was cancelled):
60.00. Leo is paid 4.00 a head; his class had two spots completed and one checked in (a
no-show and a cancellation do not count): 3 heads, 12.00. Sol takes half of the revenue; his
class's clients paid 12.00 and 12.00 and 5.00 went back: 19.00, so 9.50. Pia has no rule.
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
from payments.pay_rules import InstructorPayRule
from payments.reports import pay
from payments.reports.selectors import pay_statements
from tests.bookings.conftest import MADRID
from tests.factories import ClassSessionFactory, ClassTypeFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), MADRID)
D = Decimal


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=UTC), tick=True):
        yield


def _owner():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


def _class(when: datetime, teacher, **kw):
    return ClassSessionFactory(starts_at=when, ends_at=when + timedelta(hours=1), instructor=teacher, **kw)


def _booking(session, status="completed", quantity=1, paid="0", refunded="0", **kw):
    return Booking.objects.create(
        client=UserFactory(),
        class_session=session,
        status=status,
        quantity=quantity,
        unit_price=D("12.00"),
        total=D("12.00") * quantity,
        amount_paid=D(paid),
        amount_refunded=D(refunded),
        currency="EUR",
        **kw,
    )


@pytest.fixture
def november(db):
    ana, leo = PractitionerFactory(public_name="Ana"), PractitionerFactory(public_name="Leo")
    sol, pia = PractitionerFactory(public_name="Sol"), PractitionerFactory(public_name="Pia")
    InstructorPayRule.objects.create(instructor=ana, basis="per_class", amount=D("30.00"))
    InstructorPayRule.objects.create(instructor=leo, basis="per_head", amount=D("4.00"))
    InstructorPayRule.objects.create(instructor=sol, basis="share", share_percent=D("50"))
    yin = ClassTypeFactory(title="Yin")
    _class(datetime(2026, 11, 2, 9, tzinfo=MADRID), ana, class_type=yin)
    _class(datetime(2026, 11, 9, 9, tzinfo=MADRID), ana, class_type=yin)
    _class(datetime(2026, 11, 16, 9, tzinfo=MADRID), ana, class_type=yin, status="cancelled")
    _class(datetime(2026, 12, 1, 9, tzinfo=MADRID), ana, class_type=yin)  # December
    leos = _class(datetime(2026, 11, 4, 18, tzinfo=MADRID), leo, class_type=ClassTypeFactory(title="Hatha"))
    _booking(leos, quantity=2)
    _booking(leos, "confirmed", checked_in_at=leos.starts_at)
    _booking(leos, "no_show")
    _booking(leos, "cancelled", checked_in_at=leos.starts_at)  # checked in by mistake, then cancelled
    sols = _class(datetime(2026, 11, 5, 18, tzinfo=MADRID), sol, class_type=ClassTypeFactory(title="Vinyasa"))
    _booking(sols, paid="12.00")
    _booking(sols, paid="12.00", refunded="5.00")
    _class(datetime(2026, 11, 6, 18, tzinfo=MADRID), pia)
    return {"leo": leo}


def test_each_rule_pays_as_worked_out_by_hand(november, django_assert_num_queries):
    owner = _owner()
    with django_assert_num_queries(5):  # the role's (two), the classes, their bookings, the rules
        found = {s.name: s for s in pay_statements(viewer=owner, period=NOVEMBER)}

    assert list(found) == ["Ana", "Leo", "Pia", "Sol"]
    assert (found["Ana"].classes, found["Ana"].pay) == (2, D("60.00"))
    assert (found["Leo"].heads, found["Leo"].pay) == (3, D("12.00"))
    assert (found["Sol"].revenue, found["Sol"].pay) == (D("19.00"), D("9.50"))
    assert (found["Pia"].classes, found["Pia"].pay) == (1, None)


def test_a_class_not_over_yet_is_not_paid_yet(november):
    with time_machine.travel(datetime(2026, 11, 9, 8, 30, tzinfo=UTC), tick=False):  # Ana's second class is on
        found = {s.name: s for s in pay_statements(viewer=_owner(), period=NOVEMBER)}
    assert found["Ana"].classes == 1


def test_a_share_rounds_half_up_to_the_cent():
    taught = pay.ClassTaught(1, datetime(2026, 11, 2, 9, tzinfo=MADRID), "Yin", 3, D("10.05"))
    assert pay.pay_for(pay.Rule("share", share_percent=D("50")), taught) == D("5.03")
    assert pay.pay_for(pay.Rule("per_head", amount=D("2.50")), taught) == D("7.50")


def test_the_page_and_one_instructors_monthly_statement(client, november):
    client.force_login(_owner())
    page = client.get(reverse("payments:report_pay"))
    html = page.content.decode()
    assert page.status_code == 200 and "November 2026" in html and "€60.00" in html and "no pay rule yet" in html

    csv = client.get(
        reverse("payments:report_pay"), {"month": "2026-11", "instructor": november["leo"].pk, "format": "csv"}
    )
    assert csv["Content-Disposition"].endswith(f'instructor-pay-2026-11-{november["leo"].slug}.csv"')
    lines = csv.content.decode().splitlines()
    assert lines == [
        "instructor,date,time,class,heads,revenue,pay,rule",
        "Leo,2026-11-04,18:00,Hatha,3,0.00,12.00,per_head:4.00:0.00",
        "Leo,,,total,3,0.00,12.00,per_head:4.00:0.00",
    ]


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"month": "9999-12"}, {"instructor": "x"}])
def test_a_bad_filter_shows_last_month_with_a_message(client, query):
    client.force_login(_owner())
    page = client.get(reverse("payments:report_pay"), query)
    assert page.status_code == 200 and "November 2026" in page.content.decode()


def test_the_desk_may_not_read_the_pay(client):
    desk = UserFactory(is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    client.force_login(desk)
    assert client.get(reverse("payments:report_pay"), {"format": "csv"}).status_code == 403
