"""One hold life cycle for class spots and therapy time (bookings.services.holds).

Every life-cycle test runs for both kinds: a class hold (spots of a session) and a
therapy hold (a therapist's firm time). The owner rule is tested through the service
itself, not through a page: another client is refused by confirm_hold and release_hold.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from bookings import services, tasks
from bookings.models import Booking, BookingStatus
from bookings.transitions import ACTIVE_VALUES
from notifications.models import Notification
from schedules.models import ClassSession, Occupancy
from tests.bookings.conftest import at, upcoming_class
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db

MakeHold = Callable[..., Booking]
DEADLINE = timedelta(hours=1)


def class_hold(session: ClassSession, client, *, until: datetime | None = None, quantity: int = 1) -> Booking:
    """A waitlist-style class hold: made under the session's lock, as the waitlist does."""
    with transaction.atomic():
        services.lock_sessions(session.pk)
        return services.hold_spots(
            client=client,
            session=session,
            quantity=quantity,
            rules=services.policy_for(session.class_type_id),
            hold_until=until or timezone.now() + DEADLINE,
        )


def therapy_hold(massage, therapist, client, *, until: datetime | None = None, hour: int = 10) -> Booking:
    return services.hold_time(
        client=client,
        therapy_type=massage,
        minutes=60,
        practitioner=therapist,
        starts_at=at(hour),
        hold_until=until or timezone.now() + DEADLINE,
    )


def still_held(booking: Booking) -> bool:
    """Does the hold still keep its spots (class) or its time (therapy)?"""
    if booking.class_session_id:
        taken = ClassSession.objects.get(pk=booking.class_session_id).spots_taken
        others = Booking.objects.filter(class_session_id=booking.class_session_id, status__in=ACTIVE_VALUES)
        return taken - sum(others.exclude(pk=booking.pk).values_list("quantity", flat=True)) == booking.quantity
    return Occupancy.objects.filter(
        practitioner_id=booking.practitioner_id, starts_at__lt=booking.ends_at, ends_at__gt=booking.starts_at
    ).exists()


@pytest.fixture(params=["class", "therapy"])
def make_hold(request) -> MakeHold:
    """A factory of holds of one kind: ``make_hold(client, until=...)``."""
    if request.param == "class":
        session = upcoming_class(capacity=5)
        return lambda client, until=None: class_hold(session, client, until=until)
    massage, therapist = request.getfixturevalue("massage"), request.getfixturevalue("therapist")
    hours = iter(range(9, 17, 2))  # apart by more than the buffers
    return lambda client, until=None: therapy_hold(massage, therapist, client, until=until, hour=next(hours))


def queue_manager_for(booking: Booking):
    """Staff who manage the queue that offered this kind of hold (and nothing else)."""
    return staff_with("waitlist.change_waitlistentry" if booking.class_session_id else "waitlist.change_therapywish")


def statuses(booking: Booking) -> list[str]:
    return list(booking.events.order_by("pk").values_list("to_status", flat=True))


# --- creating -------------------------------------------------------------------------------


def test_a_class_hold_claims_its_spots_until_its_deadline(client_user):
    session = upcoming_class(capacity=5)
    until = timezone.now() + DEADLINE

    hold = class_hold(session, client_user, until=until, quantity=2)

    hold.refresh_from_db()
    assert (hold.status, hold.hold_until, hold.quantity) == (BookingStatus.PENDING, until, 2)
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2
    event = hold.events.get()
    assert (event.to_status, event.data["hold_until"]) == ("pending", until.isoformat())
    assert not Notification.objects.filter(recipient=client_user).exists()  # the offer tells the client


def test_a_therapy_hold_keeps_firm_time_until_its_deadline(massage, therapist, client_user):
    until = timezone.now() + DEADLINE

    hold = therapy_hold(massage, therapist, client_user, until=until)

    hold.refresh_from_db()
    assert (hold.status, hold.hold_until, hold.respond_by) == (BookingStatus.PENDING, until, None)
    assert Occupancy.objects.get(pk=hold.occupancy_id).is_tentative is False
    assert hold.events.get().data["hold_until"] == until.isoformat()


def test_a_hold_needs_a_deadline_but_a_booking_made_at_once_has_none(client_user, other_client):
    session = upcoming_class(capacity=5)
    rules = services.policy_for(session.class_type_id)

    with pytest.raises(ValueError, match="deadline"):
        services.hold_spots(client=client_user, session=session, quantity=1, rules=rules, hold_until=None)
    booked = services.hold_spots(
        client=other_client, session=session, quantity=1, rules=rules, hold_until=None, confirm=True
    )

    assert (booked.status, booked.hold_until) == (BookingStatus.CONFIRMED, None)


# --- confirming and releasing (both kinds) ---------------------------------------------------


def test_confirming_keeps_what_the_hold_held(make_hold, client_user):
    hold = make_hold(client_user)

    booking = services.confirm_hold(booking=hold, actor=client_user, reason="offer accepted")

    booking.refresh_from_db()
    assert (booking.status, booking.hold_until) == (BookingStatus.CONFIRMED, None)
    assert still_held(booking)
    assert statuses(booking) == ["pending", "confirmed"]
    assert booking.events.last().actor == client_user
    assert Notification.objects.filter(recipient=client_user, kind="booking_confirmed").exists()


def test_a_hold_is_confirmed_once(make_hold, client_user):
    hold = make_hold(client_user)
    services.confirm_hold(booking=hold, actor=client_user)

    with pytest.raises(services.BookingError, match="no longer"):
        services.confirm_hold(booking=hold, actor=client_user)

    assert statuses(hold) == ["pending", "confirmed"]


def test_releasing_gives_back_what_the_hold_held_once(make_hold, client_user):
    hold = make_hold(client_user)

    first = services.release_hold(booking=hold, to=BookingStatus.CANCELLED, actor=client_user, reason="declined")
    second = services.release_hold(booking=hold, to=BookingStatus.CANCELLED, actor=client_user)

    hold.refresh_from_db()
    assert (first, second) == (True, False)
    assert (hold.status, hold.cancel_reason) == (BookingStatus.CANCELLED, "declined")
    assert not still_held(hold)
    assert statuses(hold) == ["pending", "cancelled"]


def test_a_released_hold_cannot_be_confirmed(make_hold, client_user):
    hold = make_hold(client_user)
    services.release_hold(booking=hold, to=BookingStatus.EXPIRED, actor=None)

    with pytest.raises(services.BookingError):
        services.confirm_hold(booking=hold, actor=client_user)

    hold.refresh_from_db()
    assert hold.status == BookingStatus.EXPIRED


def test_a_hold_is_released_only_as_expired_or_cancelled(make_hold, client_user):
    hold = make_hold(client_user)

    with pytest.raises(ValueError):
        services.release_hold(booking=hold, to=BookingStatus.CONFIRMED, actor=None)

    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.PENDING


# --- who may answer a hold -------------------------------------------------------------------


def test_another_client_may_neither_confirm_nor_release_a_hold(make_hold, client_user, other_client):
    hold = make_hold(client_user)

    with pytest.raises(services.NotPermitted):
        services.confirm_hold(booking=hold, actor=other_client)
    with pytest.raises(services.NotPermitted):
        services.release_hold(booking=hold, to=BookingStatus.CANCELLED, actor=other_client)

    hold.refresh_from_db()
    assert hold.status == BookingStatus.PENDING and hold.hold_until is not None
    assert still_held(hold)
    assert statuses(hold) == ["pending"]


def test_staff_who_manage_bookings_may_confirm_and_release_a_hold(make_hold, client_user, other_client):
    desk = staff_with("bookings.change_booking")
    kept, given_back = make_hold(client_user), make_hold(other_client)

    services.confirm_hold(booking=kept, actor=desk)
    assert services.release_hold(booking=given_back, to=BookingStatus.CANCELLED, actor=desk)

    assert Booking.objects.get(pk=kept.pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.get(pk=given_back.pk).status == BookingStatus.CANCELLED
    assert kept.events.last().actor == desk


def test_staff_of_the_offering_queue_may_withdraw_a_hold_but_not_confirm_it(make_hold, client_user, other_client):
    hold, other = make_hold(client_user), make_hold(other_client)
    manager = queue_manager_for(hold)
    wrong_queue = staff_with(
        "waitlist.change_therapywish" if hold.class_session_id else "waitlist.change_waitlistentry"
    )

    with pytest.raises(services.NotPermitted):
        services.confirm_hold(booking=hold, actor=manager)
    with pytest.raises(services.NotPermitted):
        services.release_hold(booking=other, to=BookingStatus.CANCELLED, actor=wrong_queue)
    assert services.release_hold(booking=hold, to=BookingStatus.CANCELLED, actor=manager)

    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.PENDING


def test_the_system_may_confirm_and_release_a_hold(make_hold, client_user, other_client):
    kept, given_back = make_hold(client_user), make_hold(other_client)

    services.confirm_hold(booking=kept, actor=None, meta=services.TASK)
    assert services.release_hold(booking=given_back, to=BookingStatus.EXPIRED, actor=None)

    assert Booking.objects.get(pk=kept.pk).status == BookingStatus.CONFIRMED
    event = given_back.events.last()
    assert (event.to_status, event.actor, event.source) == ("expired", None, "task")


# --- expiry -----------------------------------------------------------------------------------


def test_expire_holds_frees_a_hold_once_its_deadline_and_the_grace_have_passed(make_hold, client_user):
    until = timezone.now() + DEADLINE
    hold = make_hold(client_user, until=until)
    due = until + services.OWNER_GRACE

    assert services.expire_holds(now=due - timedelta(seconds=1)) == 0  # the offer's own expiry goes first
    assert services.expire_holds(now=due) == 1
    assert services.expire_holds(now=due + timedelta(hours=1)) == 0

    hold.refresh_from_db()
    assert hold.status == BookingStatus.EXPIRED
    assert not still_held(hold)
    assert statuses(hold) == ["pending", "expired"]


def test_expire_holds_takes_both_kinds_in_one_run(massage, therapist, client_user, other_client):
    until = timezone.now() + DEADLINE
    holds = [
        class_hold(upcoming_class(capacity=2), client_user, until=until),
        therapy_hold(massage, therapist, other_client, until=until),
    ]

    assert services.expire_holds(now=until + services.OWNER_GRACE) == 2

    assert [Booking.objects.get(pk=h.pk).status for h in holds] == ["expired", "expired"]
    assert not any(still_held(h) for h in holds)


def test_expire_holds_takes_at_most_limit_holds_a_run_oldest_deadline_first():
    session = upcoming_class(capacity=5)
    start = timezone.now() + DEADLINE
    holds = [class_hold(session, UserFactory(), until=start - timedelta(minutes=m)) for m in (1, 3, 2)]
    later = start + services.OWNER_GRACE

    assert services.expire_holds(now=later, limit=2) == 2
    assert [Booking.objects.get(pk=h.pk).status for h in holds] == ["pending", "expired", "expired"]
    assert services.expire_holds(now=later, limit=2) == 1
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_expire_holds_leaves_requests_confirmed_bookings_and_holds_without_a_deadline_alone(
    massage, therapist, client_user, other_client
):
    session = upcoming_class(capacity=5)
    confirmed = class_hold(session, client_user)
    services.confirm_hold(booking=confirmed, actor=client_user)
    undated = class_hold(session, other_client)
    Booking.objects.filter(pk=undated.pk).update(hold_until=None)  # a class hold from before migration 0009
    request = services.book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    Booking.objects.filter(pk=request.pk).update(status=BookingStatus.REQUESTED, respond_by=timezone.now())

    assert services.expire_holds(now=timezone.now() + timedelta(days=30)) == 0

    assert Booking.objects.get(pk=confirmed.pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.get(pk=undated.pk).status == BookingStatus.PENDING
    assert Booking.objects.get(pk=request.pk).status == BookingStatus.REQUESTED


def test_the_beat_runs_expire_holds_every_minute(client_user, time_machine):
    hold = class_hold(upcoming_class(capacity=2), client_user, until=timezone.now() + DEADLINE)
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "bookings.expire_holds")
    time_machine.move_to(hold.hold_until + services.OWNER_GRACE + timedelta(seconds=1))

    assert entry["schedule"] == 60
    assert tasks.expire_holds() == 1
    assert tasks.expire_holds() == 0
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


# --- migration 0009: the deadlines move to hold_until -----------------------------------------


def test_migration_0009_moves_therapy_holds_deadlines_to_hold_until_and_back(
    massage, therapist, client_user, other_client
):
    migration = importlib.import_module("bookings.migrations.0009_hold_until")
    until = timezone.now() + DEADLINE
    old_hold = therapy_hold(massage, therapist, client_user, until=until, hour=10)
    Booking.objects.filter(pk=old_hold.pk).update(hold_until=None, respond_by=until)  # as before 0009
    request = services.book_therapy(
        client=other_client, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(13)
    )
    Booking.objects.filter(pk=request.pk).update(status=BookingStatus.REQUESTED, respond_by=until)
    old_class_hold = class_hold(upcoming_class(capacity=2), client_user)
    Booking.objects.filter(pk=old_class_hold.pk).update(hold_until=None)

    migration.copy_deadlines(apps, None)
    migration.copy_deadlines(apps, None)  # a second run finds nothing more to move

    def deadlines(booking: Booking) -> tuple:
        return Booking.objects.values_list("hold_until", "respond_by").get(pk=booking.pk)

    assert deadlines(old_hold) == (until, None)
    assert deadlines(request) == (None, until)  # a request's answer-due stays where it is
    assert deadlines(old_class_hold) == (None, None)  # its deadline lives on the waitlist's offer

    migration.copy_deadlines_back(apps, None)

    assert deadlines(old_hold) == (until, until)
    assert deadlines(request) == (None, until)


def test_staff_confirming_or_expiring_a_hold_in_admin_goes_through_the_hold_life_cycle(
    make_hold, client_user, other_client
):
    desk = staff_with("bookings.change_booking")
    kept, lapsed = make_hold(client_user), make_hold(other_client)

    services.set_status(booking=kept, to=BookingStatus.CONFIRMED, actor=desk)
    services.set_status(booking=lapsed, to=BookingStatus.EXPIRED, actor=desk)

    kept.refresh_from_db()
    assert (kept.status, kept.hold_until) == (BookingStatus.CONFIRMED, None) and still_held(kept)
    assert Notification.objects.filter(recipient=client_user, kind="booking_confirmed").exists()
    assert Booking.objects.get(pk=lapsed.pk).status == BookingStatus.EXPIRED and not still_held(lapsed)
    assert lapsed.events.last().actor_name == desk.name


# --- a confirm racing the expiry (PostgreSQL) ---------------------------------------------------
# Two threads, each with its own connection, released at once by a barrier: the client
# confirms while expire_holds takes the same overdue hold. A pause after "pending" was
# read widens the window; with the hold's locks switched off (guard "hold", the negative
# control) both must win, which proves the test sees the race it guards against.


def _confirm_racing_expiry(hold: Booking, client, *, due: datetime) -> tuple[bool, int, list[Exception]]:
    barrier = threading.Barrier(2)
    outcome: dict[str, bool | int] = {"confirmed": False, "expired": 0}
    errors: list[Exception] = []

    def confirm() -> None:
        try:
            barrier.wait()
            services.confirm_hold(booking=hold, actor=client)
            outcome["confirmed"] = True
        except services.BookingError:
            pass  # expired first: a clean refusal
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def expire() -> None:
        try:
            barrier.wait()
            outcome["expired"] = services.expire_holds(now=due)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm), threading.Thread(target=expire)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return bool(outcome["confirmed"]), int(outcome["expired"]), errors


@pytest.fixture
def racing(settings, make_hold, client_user):
    settings.SHALA_RACE_PAUSES = {"hold-answer": 0.2}
    until = timezone.now() + DEADLINE
    return settings, make_hold(client_user, until=until), until + services.OWNER_GRACE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_confirm_racing_the_expiry_has_one_winner(racing, client_user):
    assert connection.vendor == "postgresql"
    _, hold, due = racing

    confirmed, expired, errors = _confirm_racing_expiry(hold, client_user, due=due)

    assert errors == []
    assert confirmed != (expired == 1)
    hold.refresh_from_db()
    assert hold.status == (BookingStatus.CONFIRMED if confirmed else BookingStatus.EXPIRED)
    assert still_held(hold) is confirmed
    assert statuses(hold) == ["pending", hold.status]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_holds_locks_both_win(racing, client_user):
    settings_, hold, due = racing
    settings_.SHALA_RACE_UNGUARDED = ("hold",)

    confirmed, expired, errors = _confirm_racing_expiry(hold, client_user, due=due)

    assert errors == []
    assert (confirmed, expired) == (True, 1)  # the client was told "booked" and the hold was freed
    assert sorted(statuses(hold)) == ["confirmed", "expired", "pending"]
