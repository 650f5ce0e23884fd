"""The waitlist as clients and staff see it: class page, offer page, My bookings, roster."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import services as booking_services
from tests.bookings.conftest import at, therapy_monday, upcoming_class
from tests.factories import UserFactory
from tests.waitlist.conftest import full_class, offer_of, wait
from waitlist.models import EntryState, OfferState, WaitlistEntry

pytestmark = pytest.mark.django_db


def page(response) -> str:
    """The response's HTML with entities decoded (you&#x27;re -> you're)."""
    return html_lib.unescape(response.content.decode())


@pytest.fixture
def offered():
    session, booked = full_class()
    queue = [wait(session) for _ in range(2)]
    booking_services.cancel_booking(booking=booked[0], actor=None)
    return session, queue, offer_of(queue[0])


def test_a_full_class_offers_to_join_the_waitlist_and_other_dates_that_week(client):
    # A Wednesday at 10:00 and 12:00 in Madrid: the same week whatever the hour now (3 and
    # 3.1 days ahead fell in two weeks from Thursday 22:30 UTC).
    wednesday = therapy_monday() + timedelta(days=2)
    session, _ = full_class(starts_at=at(10, day=wednesday))
    open_day = upcoming_class(starts_at=at(12, day=wednesday), class_type=session.class_type, location=session.location)
    client.force_login(UserFactory())

    html = page(client.get(session.get_absolute_url()))

    assert 'data-testid="join-waitlist"' in html
    assert reverse("waitlist:join", args=[session.pk]) in html
    alternatives = re.search(r'data-testid="waitlist-alternatives">(.*?)</ul>', html, re.S).group(1)
    assert open_day.get_absolute_url() in alternatives


def test_a_class_with_spots_shows_no_waitlist(client):
    session = upcoming_class()
    client.force_login(UserFactory())

    assert 'data-testid="waitlist-panel"' not in page(client.get(session.get_absolute_url()))


def test_an_anonymous_visitor_is_asked_to_log_in_to_join(client):
    session, _ = full_class()

    html = page(client.get(session.get_absolute_url()))

    assert "Log in to join the waitlist" in html


def test_joining_from_the_class_page_shows_the_position(client):
    session, _ = full_class()
    wait(session)
    me = UserFactory()
    client.force_login(me)

    response = client.post(reverse("waitlist:join", args=[session.pk]), {"party_size": 2}, follow=True)

    html = page(response)
    assert "You're on the waitlist" in html
    assert "You are number 2 on the waitlist (for 2 spots)" in html
    assert WaitlistEntry.objects.get(client=me).party_size == 2


def test_joining_a_class_with_room_says_to_book_instead(client):
    session = upcoming_class()
    client.force_login(UserFactory())

    response = client.post(reverse("waitlist:join", args=[session.pk]), {"party_size": 1}, follow=True)

    assert "book them instead" in page(response)
    assert not WaitlistEntry.objects.exists()


def test_leaving_from_the_page(client):
    session, _ = full_class()
    entry = wait(session)
    client.force_login(entry.client)

    response = client.post(reverse("waitlist:leave", args=[entry.pk]), follow=True)

    assert "You have left the waitlist" in page(response)
    entry.refresh_from_db()
    assert entry.state == EntryState.LEFT


def test_a_client_cannot_leave_for_someone_else(client):
    session, _ = full_class()
    entry = wait(session)
    client.force_login(UserFactory())

    assert client.post(reverse("waitlist:leave", args=[entry.pk])).status_code == 404


def test_the_offer_page_shows_the_expiry_and_accepts_in_one_click(client, offered):
    _, queue, offer = offered
    client.force_login(queue[0].client)

    offer_page = page(client.get(reverse("waitlist:offer", args=["class", offer.pk])))
    response = client.post(reverse("waitlist:accept_offer", args=["class", offer.pk]), follow=True)

    assert 'data-testid="offer-expiry"' in offer_page and "We are holding it for you until" in offer_page
    assert response.redirect_chain[-1][0] == offer.booking.get_absolute_url()
    assert "You're booked!" in page(response)


def test_a_client_cannot_see_or_accept_another_clients_offer(client, offered):
    _, queue, offer = offered
    client.force_login(queue[1].client)

    assert client.get(reverse("waitlist:offer", args=["class", offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:accept_offer", args=["class", offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:decline_offer", args=["class", offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.state == OfferState.OPEN


def test_accepting_an_expired_offer_shows_why(client, offered):
    from datetime import timedelta

    from django.utils import timezone

    from waitlist.models import WaitlistOffer

    _, queue, offer = offered
    WaitlistOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(queue[0].client)

    response = client.post(reverse("waitlist:accept_offer", args=["class", offer.pk]), follow=True)

    assert "this offer expired at" in page(response)
    assert 'data-testid="offer-closed"' in page(response)


def test_declining_from_the_page(client, offered):
    _, queue, offer = offered
    client.force_login(queue[0].client)

    response = client.post(reverse("waitlist:decline_offer", args=["class", offer.pk]), follow=True)

    assert "the spot goes to the next person" in page(response)
    assert offer_of(queue[1]).state == OfferState.OPEN


def test_my_bookings_lists_waitlists_and_offers(client, offered):
    _session, queue, offer = offered
    other, _ = full_class()
    waiting = wait(other, client=queue[0].client)
    client.force_login(queue[0].client)

    html = page(client.get(reverse("bookings:mine")))

    section = re.search(r'data-testid="my-waitlist">(.*?)</section>', html, re.S).group(1)
    assert reverse("waitlist:offer", args=["class", offer.pk]) in section
    assert reverse("waitlist:leave", args=[waiting.pk]) in section and "Number 1" in section


def test_my_bookings_waitlist_costs_one_query_however_many(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    first, _ = full_class()
    wait(first, client=me)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("bookings:mine"))
    for _ in range(4):
        wait(full_class()[0], client=me)
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("bookings:mine"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_class_page_costs_the_same_with_a_long_queue(client, django_assert_max_num_queries):
    session, _ = full_class()
    me = UserFactory()
    client.force_login(me)
    wait(session, client=me)
    with django_assert_max_num_queries(20) as few:
        client.get(session.get_absolute_url())
    for _ in range(20):
        wait(session)
    with django_assert_max_num_queries(20) as many:
        client.get(session.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_lost_race_offers_the_waitlist(client):
    session = upcoming_class(capacity=1)
    client.force_login(UserFactory())
    html = page(client.get(session.get_absolute_url()))
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)

    response = client.post(
        reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": token}, follow=True
    )

    html = page(response)
    assert "just filled up" in html
    assert f'href="{reverse("waitlist:join", args=[session.pk])}"' in html and "Join the waitlist?" in html


def test_the_roster_shows_the_waitlist_under_the_booked_list(admin_client, offered):
    session, queue, _ = offered

    html = page(admin_client.get(reverse("admin:bookings_roster", args=[session.pk])))

    assert html.index('data-testid="roster"') < html.index('data-testid="roster-waitlist"')
    assert html.count('data-testid="roster-waitlist-row"') == 2
    assert queue[0].client.email in html and "Offered a spot" in html


def test_staff_move_an_entry_to_the_top_from_the_roster(admin_client):
    session, _ = full_class()
    first, second = wait(session), wait(session)

    response = admin_client.post(reverse("admin:waitlist_promote", args=[second.pk]))

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.priority > first.priority


def test_staff_remove_an_entry_from_the_roster(admin_client):
    session, _ = full_class()
    entry = wait(session)

    admin_client.post(reverse("admin:waitlist_remove", args=[entry.pk]))

    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED


def test_staff_see_the_queue_in_order_in_admin(admin_client):
    session, _ = full_class()
    entries = [wait(session) for _ in range(3)]

    response = admin_client.get(reverse("admin:waitlist_waitlistentry_changelist"), {"session__id__exact": session.pk})

    assert [e.pk for e in response.context["cl"].result_list] == [e.pk for e in entries]
