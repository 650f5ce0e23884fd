"""Therapy wishes: a client asks to be told when a therapist (or any therapist of a type)
has a free time in chosen days and hours; a cancellation that opens a matching time
keeps it for the first matching wish (priority, then who asked first) as an offer.

The studio here: a therapist in Madrid who works on Mondays from 09:00 to 10:00 (one
hour-long session a week, booked), 12 hours' notice; the test Monday is three to four
weeks ahead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from notifications.models import Notification
from schedules.models import Occupancy
from schedules.recurrence import wall_time_to_utc
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)
from tests.waitlist.conftest import full_class, offer_of, wait
from waitlist import rules, wishes
from waitlist.models import (
    EntryState,
    OfferState,
    TherapyWish,
    TherapyWishEvent,
    TherapyWishOffer,
    WaitlistOffer,
    WaitlistPriority,
    WaitlistSettings,
    WishState,
)
from waitlist.services import WaitlistError
from waitlist.tasks import expire_offers

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=21 - today.weekday())


def madrid(hh: int, mm: int = 0, day: date | None = None) -> datetime:
    return wall_time_to_utc(day or monday(), time(hh, mm), MADRID)


def make_therapist(studio, *, hours=((9, 10),), weekday: int = 0):
    row = TherapistSettingsFactory(min_notice_hours=12, slot_step_minutes=30)
    for start, end in hours:
        AvailabilityRuleFactory(
            practitioner=row.practitioner,
            weekday=weekday,
            start_time=time(start),
            end_time=time(end),
            location=studio,
        )
    return row.practitioner


@pytest.fixture
def studio():
    return LocationFactory(name="Centro", slug="centro")


@pytest.fixture
def therapist(studio):
    return make_therapist(studio)


@pytest.fixture
def massage(therapist):
    kind = TherapyTypeFactory(title="Massage", slug="massage", therapists=[therapist])
    TherapyDurationFactory(therapy_type=kind, minutes=60, price=Decimal("60.00"))
    return kind


@pytest.fixture
def booked(massage, therapist):
    """The therapist's only hour on the test Monday, booked by someone else."""
    return services.book_therapy(
        client=UserFactory(), therapy_type=massage, minutes=60, practitioner=therapist, starts_at=madrid(9)
    )


def wish_for(
    kind, *, practitioner=None, client=None, day=None, last_day=None, weekdays=(0,), hours=(8, 12), zone=MADRID
):
    """A client asks through the service (as the page does) for an hour on the test Monday, 08:00-12:00."""
    day = day or monday()
    return wishes.add_wish(
        client=client or UserFactory(),
        therapy_type=kind,
        minutes=60,
        practitioner=practitioner,
        earliest_date=day,
        latest_date=last_day or day,
        weekdays=list(weekdays),
        earliest_time=time(*hours[0]) if isinstance(hours[0], tuple) else time(hours[0]),
        latest_time=time(*hours[1]) if isinstance(hours[1], tuple) else time(hours[1]),
        zone=zone,
    )


def cancel(booking) -> None:
    booking_services.cancel_booking(booking=booking, actor=booking.client, reason="cannot come")


def open_offer() -> TherapyWishOffer | None:
    return TherapyWishOffer.objects.filter(state=OfferState.OPEN).select_related("booking", "wish").first()


def states(*wished) -> list[str]:
    return [TherapyWish.objects.get(pk=w.pk).state for w in wished]


# --- asking -----------------------------------------------------------------------------------


def test_it_registers_a_wish_with_the_clients_zone_and_priority_and_tells_them(massage, therapist, booked):
    client = UserFactory()
    WaitlistPriority.objects.create(client=client, priority=10)

    wish = wish_for(massage, practitioner=therapist, client=client, zone=NEW_YORK, hours=(2, 6))

    assert (wish.state, wish.priority, wish.time_zone, wish.weekdays) == ("waiting", 10, "America/New_York", "0")
    assert TherapyWishEvent.objects.filter(wish=wish, to_state="waiting").exists()
    assert Notification.objects.filter(recipient=client, kind="therapy_wish_registered").exists()


def test_it_refuses_a_wish_when_a_fitting_time_is_free_now(massage, therapist):
    with pytest.raises(WaitlistError, match="free right now"):
        wish_for(massage, practitioner=therapist)


def test_it_refuses_hours_shorter_than_the_session(massage, booked):
    with pytest.raises(WaitlistError, match="shorter than the session"):
        wish_for(massage, hours=((9, 0), (9, 30)))


# --- matching ---------------------------------------------------------------------------------


def test_a_cancellation_keeps_the_freed_time_for_the_waiting_wish(massage, therapist, booked):
    wish = wish_for(massage, practitioner=therapist)

    cancel(booked)

    offer = open_offer()
    assert offer.wish == wish and offer.practitioner == therapist
    held = offer.booking
    assert (held.status, held.starts_at, held.client_id) == ("pending", madrid(9), wish.client_id)
    assert (held.hold_until, held.respond_by) == (offer.expires_at, None)
    assert Occupancy.objects.get(pk=held.occupancy_id).is_tentative is False
    assert states(wish) == ["offered"]
    assert TherapyWishEvent.objects.filter(wish=wish, to_state="offered", offer=offer).exists()
    row = Notification.objects.get(recipient=wish.client, kind="therapy_wish_offer", channel="email")
    assert reverse("waitlist:offer", args=["therapy", offer.pk]) in row.context["url"]
    assert "calendar" not in row.context  # no invitation for a time that is only kept


def test_a_wish_for_any_therapist_of_the_type_is_offered_the_time(massage, booked):
    wish = wish_for(massage)

    cancel(booked)

    assert open_offer().wish == wish


def test_wishes_for_another_therapist_or_another_therapy_are_not_offered(studio, massage, therapist, booked):
    other = make_therapist(studio, weekday=1)  # works on Tuesdays
    massage.therapists.add(other)
    reiki = TherapyTypeFactory(title="Reiki", therapists=[other])
    TherapyDurationFactory(therapy_type=reiki, minutes=60)
    for_other = wish_for(massage, practitioner=other)
    for_reiki = wish_for(reiki)

    cancel(booked)

    assert open_offer() is None
    assert states(for_other, for_reiki) == ["waiting", "waiting"]


@pytest.mark.parametrize(
    "change",
    [
        {"days": (1, 2), "weekdays": (1,)},
        {"days": (0, 4), "weekdays": (1, 2, 3, 4)},
        {"hours": (10, 12)},
        {"hours": ((8, 0), (9, 30))},
    ],
    ids=["another-day", "other-weekdays", "starts-too-late", "ends-too-late"],
)
def test_a_wish_whose_days_or_hours_do_not_fit_is_not_offered(massage, booked, change):
    if days := change.pop("days", None):
        change |= {"day": monday() + timedelta(days=days[0]), "last_day": monday() + timedelta(days=days[1])}
    wish = wish_for(massage, **change)

    cancel(booked)

    assert open_offer() is None
    assert states(wish) == ["waiting"]


def test_hours_are_read_in_the_zone_of_the_wish(massage, booked):
    """09:00 in Madrid is 03:00 in New York: 02:00-05:00 there fits, 02:00-05:00 in Madrid does not."""
    madrid_night = wish_for(massage, hours=(2, 5), zone=MADRID)
    new_york_night = wish_for(massage, hours=(2, 5), zone=NEW_YORK)

    cancel(booked)

    assert open_offer().wish == new_york_night
    assert states(madrid_night) == ["waiting"]


def test_fits_reads_the_wall_clock_of_the_wish():
    window = rules.WishWindow(date(2026, 3, 30), date(2026, 3, 30), frozenset({0}), time(9), time(10), MADRID)
    start = wall_time_to_utc(date(2026, 3, 30), time(9), MADRID)  # the day after the spring change

    assert rules.fits(window, start, start + timedelta(hours=1))
    assert not rules.fits(window, start, start + timedelta(minutes=61))
    assert not rules.fits(window, start - timedelta(minutes=1), start + timedelta(minutes=59))


# --- order ------------------------------------------------------------------------------------


@pytest.fixture
def queue(massage, booked):
    """Three wishes: the second asked by a client with priority, so it goes first."""
    first = wish_for(massage)
    member = UserFactory()
    WaitlistPriority.objects.create(client=member, priority=5)
    second = wish_for(massage, client=member)
    third = wish_for(massage)
    return first, second, third


def test_priority_goes_first_then_who_asked_first(queue, booked):
    first, second, third = queue

    cancel(booked)

    assert open_offer().wish == second
    assert states(first, third) == ["waiting", "waiting"]


def test_accepting_books_the_kept_time_with_the_same_occupancy(queue, booked):
    cancel(booked)
    offer = open_offer()
    held_occupancy = offer.booking.occupancy_id

    booking = wishes.accept_offer(offer=offer, actor=offer.client)

    booking.refresh_from_db()
    assert (booking.status, booking.occupancy_id, booking.hold_until) == ("confirmed", held_occupancy, None)
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED
    assert states(offer.wish) == ["booked"]
    assert Notification.objects.filter(recipient=offer.client, kind="booking_confirmed").exists()
    assert list(booking.events.values_list("to_status", flat=True)) == ["pending", "confirmed"]


def test_declining_passes_the_time_to_the_next_wish(queue, booked):
    first, second, _ = queue
    cancel(booked)

    wishes.decline_offer(offer=open_offer(), actor=second.client)

    assert states(second) == ["declined"]
    offer = open_offer()
    assert offer.wish == first and offer.booking.starts_at == madrid(9)
    assert Booking.objects.filter(client=second.client, status=BookingStatus.CANCELLED).count() == 1


def test_expiry_passes_the_time_on_and_the_task_is_idempotent(queue, booked):
    first, second, third = queue
    cancel(booked)
    TherapyWishOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    first_run = expire_offers()
    second_run = expire_offers()

    assert (first_run["therapy_offers_expired"], second_run["therapy_offers_expired"]) == (1, 0)
    assert states(second, first, third) == ["expired", "offered", "waiting"]
    assert Notification.objects.filter(recipient=second.client, kind="therapy_wish_offer_expired").exists()
    assert Booking.objects.get(client=second.client).status == BookingStatus.EXPIRED


def test_an_offer_accepted_after_its_expiry_is_refused_and_passed_on(queue, booked):
    first, second, _ = queue
    cancel(booked)
    offer = open_offer()

    with pytest.raises(WaitlistError, match="expired"):
        wishes.accept_offer(offer=offer, actor=offer.client, now=offer.expires_at + timedelta(seconds=1))

    assert states(second, first) == ["expired", "offered"]


def test_a_client_cannot_accept_or_decline_another_clients_offer(queue, booked):
    cancel(booked)
    offer = open_offer()
    intruder = UserFactory()

    with pytest.raises(WaitlistError, match="not yours"):
        wishes.accept_offer(offer=offer, actor=intruder)
    with pytest.raises(WaitlistError, match="not yours"):
        wishes.decline_offer(offer=offer, actor=intruder)
    with pytest.raises(booking_services.NotPermitted):
        services.confirm_hold(booking=offer.booking, actor=intruder)
    assert open_offer() == offer


def test_the_hold_never_outlasts_the_therapists_notice(massage, therapist, booked, settings):
    WaitlistSettings.objects.filter(class_type=None).update(offer_hold_minutes=60 * 24 * 30, soon_hours=0)
    wish_for(massage)

    cancel(booked)

    assert open_offer().expires_at == madrid(9) - timedelta(hours=12)


def test_a_kept_time_cancelled_from_the_booking_page_ends_the_offer(queue, booked):
    first, second, _ = queue
    cancel(booked)
    held = open_offer().booking

    booking_services.cancel_booking(booking=held, actor=held.client)

    assert TherapyWishOffer.objects.get(booking=held).state == OfferState.CANCELLED
    assert states(second, first) == ["left", "offered"]


def test_wishes_whose_last_day_is_over_expire(massage, booked):
    wish = wish_for(massage)
    later = timezone.now() + timedelta(days=40)

    assert wishes.close_lapsed_wishes(now=later) == 1
    assert wishes.close_lapsed_wishes(now=later) == 0
    assert states(wish) == ["expired"]


def test_the_hold_safety_net_frees_holds_of_both_kinds_nobody_released(massage, booked):
    wish_for(massage)
    cancel(booked)
    session, bookings = full_class(capacity=1)
    entry = wait(session)
    booking_services.cancel_booking(booking=bookings[0], actor=None)
    class_hold = offer_of(entry).booking
    Booking.objects.filter(status=BookingStatus.PENDING).update(
        hold_until=timezone.now() - services.OWNER_GRACE - timedelta(minutes=1)
    )

    assert services.expire_holds() == 2

    class_hold.refresh_from_db()
    assert class_hold.status == BookingStatus.EXPIRED
    assert TherapyWishOffer.objects.get().state == OfferState.EXPIRED  # the offer followed its booking
    # and so did the class offer: expired, not recorded as a decline or a cancellation
    assert WaitlistOffer.objects.get(booking=class_hold).state == OfferState.EXPIRED
    entry.refresh_from_db()
    assert entry.state == EntryState.EXPIRED


# --- robustness ---------------------------------------------------------------------------------


def test_the_cancellation_succeeds_when_the_wish_handler_fails(massage, booked, monkeypatch):
    wish = wish_for(massage)

    def broken(**kwargs):
        raise RuntimeError("bug in the wish matcher")

    monkeypatch.setattr(wishes, "offer_released_time", broken)
    cancel(booked)

    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED and booked.occupancy_id is None
    assert not Occupancy.objects.filter(practitioner=booked.practitioner).exists()
    assert states(wish) == ["waiting"]


def test_the_sweep_offers_a_time_that_a_failed_release_left_free(massage, booked, monkeypatch):
    first, second = wish_for(massage), wish_for(massage)
    with monkeypatch.context() as patched:
        patched.setattr(wishes, "offer_released_time", lambda **kw: 1 / 0)
        cancel(booked)
    assert open_offer() is None

    assert wishes.sweep_wishes() == 1
    assert wishes.sweep_wishes() == 0

    offer = open_offer()
    assert (offer.wish, offer.booking.starts_at) == (first, madrid(9))
    assert states(second) == ["waiting"]


def test_the_sweep_offers_hours_the_therapist_added_later(massage, therapist, booked, studio):
    wish = wish_for(massage)
    AvailabilityRuleFactory(practitioner=therapist, weekday=0, start_time=time(10), end_time=time(11), location=studio)

    assert wishes.sweep_wishes() == 1

    assert open_offer().wish == wish and open_offer().booking.starts_at == madrid(10)


def test_a_wish_already_offered_is_not_offered_a_second_time(massage, therapist, booked):
    wish = wish_for(massage)
    cancel(booked)
    another_time = SimpleNamespace(start=madrid(9, 30), end=madrid(10, 30))
    terms = rules.HoldTerms()

    with pytest.raises(WaitlistError, match="no longer waiting"):
        wishes.keep_for(wish, therapist, another_time, terms, meta=booking_services.TASK, now=timezone.now())
    assert TherapyWishOffer.objects.filter(wish=wish).count() == 1


def _cancel_queries(studio, n: int) -> int:
    """Queries of a cancellation with ``n`` waiting wishes that the time does not fit, and one it fits."""
    therapist = make_therapist(studio)
    kind = TherapyTypeFactory(therapists=[therapist])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    booking = services.book_therapy(
        client=UserFactory(), therapy_type=kind, minutes=60, practitioner=therapist, starts_at=madrid(9)
    )
    for _ in range(n):
        wish_for(kind, hours=(10, 12))  # read, matched in Python and passed over
    fitting = wish_for(kind)
    with CaptureQueriesContext(connection) as ctx:
        cancel(booking)
    assert TherapyWishOffer.objects.get(state=OfferState.OPEN, wish=fitting)
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_number_of_wishes(studio):
    _cancel_queries(studio, 1)  # warm: the studio's default rows, content types

    assert _cancel_queries(studio, 5) == _cancel_queries(studio, 50)


# --- pages --------------------------------------------------------------------------------------


def test_the_therapy_page_links_to_the_wish_form(client, massage):
    html = client.get(massage.get_absolute_url()).content.decode()

    assert reverse("waitlist:therapy_wish", args=[massage.slug]) in html


def test_the_wish_form_names_the_clients_zone_and_registers_the_wish(client, massage, therapist, booked):
    user = UserFactory(time_zone="America/New_York")
    client.force_login(user)
    url = reverse("waitlist:therapy_wish", args=[massage.slug])

    assert "America/New_York" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "therapist": therapist.pk,
            "minutes": 60,
            "earliest_date": monday().isoformat(),
            "latest_date": monday().isoformat(),
            "weekdays": ["0"],
            "earliest_time": "02:00",
            "latest_time": "05:00",
        },
    )

    assert response.status_code == 302
    wish = TherapyWish.objects.get(client=user)
    assert (wish.time_zone, wish.practitioner, wish.earliest_time) == ("America/New_York", therapist, time(2))
    assert "Waiting for a therapy time" in client.get(reverse("bookings:mine")).content.decode()


def test_the_wish_form_shows_why_a_wish_is_refused(client, massage, therapist):
    client.force_login(UserFactory())
    response = client.post(
        reverse("waitlist:therapy_wish", args=[massage.slug]),
        {
            "minutes": 60,
            "earliest_date": monday().isoformat(),
            "latest_date": monday().isoformat(),
            "weekdays": ["0"],
            "earliest_time": "08:00",
            "latest_time": "12:00",
        },
    )

    assert response.status_code == 200
    assert "book one of them instead" in response.content.decode()


def test_my_bookings_shows_the_offer_and_its_page_accepts_it(client, massage, booked):
    wish = wish_for(massage)
    cancel(booked)
    offer = open_offer()
    client.force_login(wish.client)

    mine = client.get(reverse("bookings:mine")).content.decode()
    assert reverse("waitlist:offer", args=["therapy", offer.pk]) in mine
    offer_page = client.get(reverse("waitlist:offer", args=["therapy", offer.pk])).content.decode()
    assert 'data-testid="accept-therapy-offer"' in offer_page
    response = client.post(reverse("waitlist:accept_offer", args=["therapy", offer.pk]))

    offer.booking.refresh_from_db()
    assert response.status_code == 302 and response.url == offer.booking.get_absolute_url()
    assert offer.booking.status == BookingStatus.CONFIRMED


def test_another_clients_offer_page_is_not_found(client, massage, booked):
    wish_for(massage)
    cancel(booked)
    offer = open_offer()
    client.force_login(UserFactory())

    assert client.get(reverse("waitlist:offer", args=["therapy", offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:accept_offer", args=["therapy", offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:decline_offer", args=["therapy", offer.pk])).status_code == 404


def test_declining_on_the_page_and_withdrawing_a_wish(client, massage, booked):
    wish = wish_for(massage)
    other = wish_for(massage, hours=(10, 12))
    cancel(booked)
    offer = open_offer()
    client.force_login(wish.client)

    client.post(reverse("waitlist:decline_offer", args=["therapy", offer.pk]))
    client.force_login(other.client)
    client.post(reverse("waitlist:withdraw_wish", args=[other.pk]))

    assert states(wish, other) == ["declined", "left"]


def test_the_offer_page_shows_the_refusal_once_expired(client, massage, booked):
    wish = wish_for(massage)
    cancel(booked)
    offer = open_offer()
    TherapyWishOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(wish.client)

    html = client.get(reverse("waitlist:offer", args=["therapy", offer.pk])).content.decode()

    assert 'data-testid="offer-closed"' in html and "expired" in html


# --- under real concurrency (PostgreSQL) ----------------------------------------------------------


def _offered_time(studio) -> TherapyWishOffer:
    """A therapist of their own, whose booked hour was cancelled and kept for one wish."""
    therapist = make_therapist(studio)
    kind = TherapyTypeFactory(therapists=[therapist])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    booking = services.book_therapy(
        client=UserFactory(), therapy_type=kind, minutes=60, practitioner=therapist, starts_at=madrid(9)
    )
    wish_for(kind)
    cancel(booking)
    return TherapyWishOffer.objects.select_related("booking").get(practitioner=therapist)


def _agrees(offer: TherapyWishOffer) -> bool:
    """The offer, its wish and its kept booking tell the same story (and the client heard it once)."""
    offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    wish = TherapyWish.objects.get(pk=offer.wish_id)
    told_expired = Notification.objects.filter(dedupe_key=f"therapy-wish-offer:{offer.pk}:expired:inapp").exists()
    held = Occupancy.objects.filter(pk=booking.occupancy_id).exists()
    if offer.state == OfferState.ACCEPTED:
        booked = booking.status == BookingStatus.CONFIRMED and wish.state == WishState.BOOKED
        return booked and held and not told_expired
    return (
        offer.state == OfferState.EXPIRED
        and booking.status == BookingStatus.EXPIRED
        and wish.state == WishState.EXPIRED
        and told_expired
        and not held
    )


@pytest.fixture
def race_settings(settings):
    settings.SHALA_RACE_PAUSES = {"waitlist-offer": 0.2}  # wide enough for a loaded CI machine (0.02 s missed there)
    return settings


def _accept_and_expire_race(studio, rounds: int) -> list[TherapyWishOffer]:
    """Each round: an offer accepted a moment before its expiry while the expiry runs a moment after."""
    from tests.waitlist.test_concurrency import _together

    offers = [_offered_time(studio) for _ in range(rounds)]
    for offer in offers:
        edge = offer.expires_at
        errors = _together(
            lambda o=offer, t=edge: wishes.accept_offer(offer=o, actor=o.client, now=t - timedelta(milliseconds=1)),
            lambda o=offer, t=edge: wishes.expire_offer(offer_id=o.pk, now=t + timedelta(milliseconds=1)),
        )
        assert errors == []
    return offers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_racing_the_expiry_has_one_winner(studio, race_settings):
    offers = _accept_and_expire_race(studio, rounds=5)

    assert all(_agrees(o) for o in offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_and_condition_the_race_gives_two_answers(studio, race_settings):
    race_settings.SHALA_RACE_UNGUARDED = {"waitlist"}

    offers = _accept_and_expire_race(studio, rounds=5)

    assert not all(_agrees(o) for o in offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_expiry_workers_at_once_expire_each_offer_once(studio, race_settings):
    from tests.waitlist.test_concurrency import _together

    offers = [_offered_time(studio) for _ in range(3)]
    TherapyWishOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    errors = _together(wishes.expire_due_offers, wishes.expire_due_offers)

    assert errors == []
    assert TherapyWishOffer.objects.filter(state=OfferState.EXPIRED).count() == 3
    assert Notification.objects.filter(kind="therapy_wish_offer_expired", channel="inapp").count() == 3
    assert all(_agrees(o) for o in offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_offer_each_wish_one_time(studio, race_settings):
    from tests.waitlist.test_concurrency import _together

    first, second = make_therapist(studio, hours=()), make_therapist(studio, hours=())
    kind = TherapyTypeFactory(therapists=[first, second])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    waiting = [wish_for(kind) for _ in range(3)]
    for therapist in (first, second):  # each adds an hour on the Monday: two free times, three wishes
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=0, start_time=time(9), end_time=time(10), location=studio
        )

    errors = _together(wishes.sweep_wishes, wishes.sweep_wishes)

    assert errors == []
    offers = TherapyWishOffer.objects.filter(state=OfferState.OPEN)
    assert sorted(o.wish_id for o in offers) == [waiting[0].pk, waiting[1].pk]
    assert {o.practitioner_id for o in offers} == {first.pk, second.pk}
    assert states(*waiting) == ["offered", "offered", "waiting"]


def test_moving_a_session_offers_its_old_time_to_a_waiting_wish(studio, massage):
    other = make_therapist(studio, hours=((9, 10), (11, 12)))
    massage.therapists.add(other)
    moving = services.book_therapy(
        client=UserFactory(), therapy_type=massage, minutes=60, practitioner=other, starts_at=madrid(9)
    )
    wish = wish_for(massage, practitioner=other, hours=(8, 10))  # 11:00 is free but outside the wish

    services.reschedule(booking=moving, starts_at=madrid(11), actor=moving.client)

    offer = open_offer()
    assert offer.wish == wish and offer.booking.starts_at == madrid(9)
