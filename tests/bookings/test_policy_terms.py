"""The cancel page says what every band of the policy gives, below the last tier too."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import services
from bookings.policy import PolicyTerms, Tier, describe

D = Decimal


def test_it_says_there_is_no_refund_under_the_last_tier():
    terms = PolicyTerms(tiers=(Tier(D("12"), D("50")), Tier(D("24"), D("100"))))
    assert describe(terms, currency="EUR") == (
        "24 h or more before: 100 %; 12 h or more before: 50 %; less than 12 h before: no refund."
    )


def test_it_names_the_late_fee_and_when_it_applies():
    terms = PolicyTerms(tiers=(Tier(D("24.0"), D("100")),), late_cancel_fee=D("5"))
    assert describe(terms, currency="EUR") == (
        "24 h or more before: 100 %; less than 24 h before: no refund."
        " A late-cancellation fee of €5.00 applies whenever less than 100 % is refunded."
    )


def test_a_tier_at_zero_hours_leaves_no_band_below_it():
    terms = PolicyTerms(tiers=(Tier(D("1.5"), D("100")), Tier(D("0"), D("20"))))
    assert describe(terms, currency="EUR") == "1.5 h or more before: 100 %; 0 h or more before: 20 %."


def test_a_policy_without_tiers_says_no_refund():
    assert describe(PolicyTerms(tiers=()), currency="EUR") == "no refund."


@pytest.mark.django_db
def test_the_cancel_page_shows_the_whole_policy(client, client_user, session, default_policy):
    default_policy.late_cancel_fee = D("3.00")
    default_policy.save()
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    client.force_login(client_user)
    html = client.get(reverse("bookings:cancel", args=[booking.reference])).content.decode()
    assert "24 h or more before: 100 %; 12 h or more before: 50 %; less than 12 h before: no refund." in html
    assert "A late-cancellation fee of €3.00 applies whenever less than 100 % is refunded." in html
