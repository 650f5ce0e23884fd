"""The offer pages: one set for both kinds at waitlist/offers/<kind>/<id>/ (accept/, decline/),
the old addresses of messages already sent redirect there for good, another client's offer
is not found, and a visitor who is not logged in is sent to log in first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.models import BookingStatus
from notifications.models import Notification
from tests.factories import UserFactory
from tests.waitlist.offer_cases import KIND_NAMES, OfferCase, make_case
from waitlist.models import OfferState

pytestmark = pytest.mark.django_db

OLD = {  # the addresses before one set of offer pages
    "class": ("/waitlist/offers/{pk}/", "/waitlist/offers/{pk}/accept/", "/waitlist/offers/{pk}/decline/"),
    "therapy": (
        "/waitlist/therapy-offers/{pk}/",
        "/waitlist/therapy-offers/{pk}/accept/",
        "/waitlist/therapy-offers/{pk}/decline/",
    ),
}
OFFER_MESSAGE = {"class": "waitlist_offer", "therapy": "therapy_wish_offer"}


@pytest.fixture(params=KIND_NAMES)
def case(request) -> OfferCase:
    return make_case(request.param)


def _new(case: OfferCase, name: str = "offer") -> str:
    return reverse(f"waitlist:{name}", args=[case.kind.name, case.offer.pk])


def test_the_new_addresses_have_the_kind_and_the_id(case):
    pk = case.offer.pk
    assert _new(case) == f"/waitlist/offers/{case.kind.name}/{pk}/"
    assert _new(case, "accept_offer") == f"/waitlist/offers/{case.kind.name}/{pk}/accept/"
    assert _new(case, "decline_offer") == f"/waitlist/offers/{case.kind.name}/{pk}/decline/"


def test_the_offer_message_links_to_the_new_page(case):
    sent = Notification.objects.filter(recipient=case.client, kind=OFFER_MESSAGE[case.kind.name])

    assert sent and all(message.context["url"].endswith(_new(case)) for message in sent)


def test_the_page_shows_the_offer_with_its_buttons(client, case):
    client.force_login(case.client)

    html = client.get(_new(case)).content.decode()

    assert f'action="{_new(case, "accept_offer")}"' in html
    assert f'action="{_new(case, "decline_offer")}"' in html


def test_accepting_on_the_page_books_it(client, case):
    client.force_login(case.client)

    response = client.post(_new(case, "accept_offer"))

    offer = case.fresh_offer()
    assert response.status_code == 302 and response.url == offer.booking.get_absolute_url()
    assert (offer.state, offer.booking.status) == (OfferState.ACCEPTED, BookingStatus.CONFIRMED)


def test_declining_on_the_page_passes_it_on(client, case):
    client.force_login(case.client)

    response = client.post(_new(case, "decline_offer"))

    assert response.status_code == 302 and response.url == reverse("bookings:mine")
    assert case.fresh_offer().state == OfferState.DECLINED and case.next_has_open_offer()


def test_answering_with_a_get_is_not_allowed(client, case):
    client.force_login(case.client)

    assert client.get(_new(case, "accept_offer")).status_code == 405
    assert case.fresh_offer().state == OfferState.OPEN


def test_the_old_page_address_moves_permanently(client, case):
    old = OLD[case.kind.name][0].format(pk=case.offer.pk)

    response = client.get(old)

    assert (response.status_code, response.url) == (301, _new(case))


@pytest.mark.parametrize("answer", ["accept_offer", "decline_offer"])
def test_the_old_answer_addresses_move_permanently_keeping_the_post(client, case, answer):
    old = OLD[case.kind.name][1 if answer == "accept_offer" else 2].format(pk=case.offer.pk)
    client.force_login(case.client)

    response = client.post(old)

    assert (response.status_code, response.url) == (308, _new(case, answer))
    assert case.fresh_offer().state == OfferState.OPEN  # the redirect itself changes nothing


def test_an_old_accept_link_still_books_once_followed(client, case):
    client.force_login(case.client)

    client.post(OLD[case.kind.name][1].format(pk=case.offer.pk), follow=True)

    assert case.fresh_offer().state == OfferState.ACCEPTED


def test_another_clients_offer_is_not_found(client, case):
    client.force_login(UserFactory())

    assert client.get(_new(case)).status_code == 404
    assert client.post(_new(case, "accept_offer")).status_code == 404
    assert client.post(_new(case, "decline_offer")).status_code == 404
    assert case.fresh_offer().state == OfferState.OPEN


def test_an_offer_is_not_found_under_the_other_kind(client, case):
    """The two tables' ids overlap: the kind in the address decides which one is read."""
    other = "therapy" if case.kind.name == "class" else "class"
    client.force_login(case.client)  # who has no offer of the other kind

    assert client.get(reverse("waitlist:offer", args=[other, case.offer.pk])).status_code == 404


def test_an_unknown_kind_is_not_found(client, case):
    client.force_login(case.client)

    assert client.get(f"/waitlist/offers/spa/{case.offer.pk}/").status_code == 404
    assert client.post(f"/waitlist/offers/spa/{case.offer.pk}/accept/").status_code == 404


def test_a_visitor_who_is_not_logged_in_goes_to_log_in(client, case):
    login = reverse("account_login")

    for response in (client.get(_new(case)), client.post(_new(case, "accept_offer"))):
        assert response.status_code == 302 and response.url.startswith(login)
        assert "next=" in response.url
    assert case.fresh_offer().state == OfferState.OPEN
