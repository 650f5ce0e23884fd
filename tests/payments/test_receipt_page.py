"""The receipt page: the client's own (and staff who read payments), printable, with the whole ledger of the booking."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import services as booking_services
from payments import services
from payments.models import Method
from schedules.models import TaxRate
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


def _url(booking) -> str:
    return reverse("payments:receipt", args=[booking.reference])


def test_the_client_sees_payments_refunds_balance_and_the_studio(client, settings, paid, desk):
    settings.STUDIO_NAME, settings.STUDIO_ADDRESS, settings.STUDIO_TAX_ID = "Lotus", "Calle Mayor 5|Madrid", "ESB1"
    refund = services.record_refund(payment=paid.payments.get(), amount="2.00", actor=desk, reason="goodwill")
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    client.force_login(paid.client)
    response = client.get(_url(paid))
    assert response.status_code == 200
    html = response.content.decode()
    receipt = response.context["receipt"]
    assert [p.amount for p in receipt.payments] == [paid.total]
    assert [r.amount for r in receipt.refunds] == [refund.amount]
    for expected in ("Lotus", "Calle Mayor 5", "Madrid", "ESB1", paid.reference, "€12.00", "€2.00"):
        assert expected in html, expected
    assert 'data-testid="tax"' not in html  # the snapshot has no tax: no tax line
    assert 'href="/static/css/print.css" media="print"' in html


def test_tax_is_shown_when_the_price_snapshot_has_it(client, settings, client_user):
    settings.PRICES_INCLUDE_TAX_PERCENT = 21
    booking = booking_services.book_class(client=client_user, session_id=upcoming_class(price="12.10").pk, quantity=1)
    client.force_login(client_user)
    html = client.get(_url(booking)).content.decode()
    assert 'data-testid="tax"' in html and "€2.10" in html
    assert "Nothing has been paid yet." in html


def test_a_tax_added_on_top_is_its_own_line_before_the_total(client, client_user):
    TaxRate.objects.create(name="IVA", percent=Decimal("21"), inclusive=False, is_default=True)
    booking = booking_services.book_class(client=client_user, session_id=upcoming_class(price="10.00").pk, quantity=1)
    assert (booking.tax, booking.total, booking.tax_added) == (Decimal("2.10"), Decimal("12.10"), True)
    client.force_login(client_user)
    response = client.get(_url(booking))
    html = response.content.decode()
    assert re.search(r'data-testid="tax"><td colspan="3">Tax</td><td class="text-end">€2.10<', html)
    assert 'data-testid="total">€12.10<' in html and response.context["receipt"].subtotal == Decimal("10.00")


def test_another_client_gets_404_like_a_booking_that_does_not_exist(client, paid, other_client):
    client.force_login(other_client)
    assert client.get(_url(paid)).status_code == 404
    assert client.get(reverse("payments:receipt", args=["SH-NOSUCH"])).status_code == 404


def test_staff_who_read_payments_open_any_receipt_and_others_do_not(client, paid, desk):
    client.force_login(desk)
    assert client.get(_url(paid)).status_code == 200
    client.force_login(UserFactory(is_staff=True))  # staff, but no role
    assert client.get(_url(paid)).status_code == 404


def test_logged_out_is_sent_to_log_in(client, paid):
    response = client.get(_url(paid))
    assert response.status_code == 302 and "login" in response["Location"]


def test_my_bookings_and_the_booking_page_link_the_receipt_and_show_the_rest_due(client, booking, desk):
    pay(booking, "5.00", actor=desk)  # a deposit
    client.force_login(booking.client)
    mine = client.get(reverse("bookings:mine")).content.decode()
    assert _url(booking) in mine and "€7.00 due" in mine
    detail = client.get(booking.get_absolute_url()).content.decode()
    assert _url(booking) in detail and 'data-testid="due">€7.00' in detail


def test_the_receipt_page_reads_a_fixed_number_of_queries(client, paid, desk, django_assert_max_num_queries):
    for _ in range(3):
        refund = services.record_refund(payment=paid.payments.get(), amount="1.00", actor=desk, reason="x")
        services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    client.force_login(paid.client)
    with django_assert_max_num_queries(8):
        assert client.get(_url(paid)).status_code == 200
