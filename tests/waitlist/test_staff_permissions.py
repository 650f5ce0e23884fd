"""The waitlist's staff actions check the actor's role in the service, not only in the admin."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from tests.factories import TherapyTypeFactory, UserFactory, staff_with
from tests.waitlist.conftest import full_class, wait
from waitlist import services, wishes
from waitlist.models import EntryState, TherapyWish, WaitlistEntry, WaitlistEvent, WishState

pytestmark = pytest.mark.django_db

MANAGES = "waitlist.change_waitlistentry"


@pytest.fixture
def queue() -> list[WaitlistEntry]:
    session, _ = full_class()
    return [wait(session), wait(session)]


def _entry_unchanged(entry: WaitlistEntry) -> None:
    fresh = WaitlistEntry.objects.get(pk=entry.pk)
    assert (fresh.state, fresh.priority) == (entry.state, entry.priority)
    assert WaitlistEvent.objects.filter(entry=entry).count() == 1  # joined


@pytest.mark.parametrize("perms", [(), ("waitlist.view_waitlistentry",)], ids=["no-role", "view-only"])
def test_staff_who_may_not_change_the_queue_cannot_reorder_or_remove(queue, perms):
    actor = staff_with(*perms)
    with pytest.raises(services.NotPermitted):
        services.promote_entry(entry=queue[1], actor=actor)
    with pytest.raises(services.NotPermitted):
        services.remove_entry(entry=queue[0], actor=actor)
    with pytest.raises(services.NotPermitted):
        services.set_priority(entry=queue[0], priority=99, actor=actor)
    for entry in queue:
        _entry_unchanged(entry)


def test_a_client_cannot_remove_someone_else_from_the_queue(queue):
    with pytest.raises(services.NotPermitted):
        services.remove_entry(entry=queue[0], actor=queue[1].client)
    _entry_unchanged(queue[0])


def test_staff_who_manage_the_queue_reorder_and_remove(queue):
    actor = staff_with(MANAGES)
    services.promote_entry(entry=queue[1], actor=actor)
    services.remove_entry(entry=queue[0], actor=actor)
    assert WaitlistEntry.objects.get(pk=queue[0].pk).state == EntryState.REMOVED
    assert WaitlistEntry.objects.get(pk=queue[1].pk).priority > queue[0].priority


# --- therapy wishes -----------------------------------------------------------------------------


@pytest.fixture
def wish() -> TherapyWish:
    day = timezone.localdate() + timedelta(days=10)
    return TherapyWish.objects.create(
        client=UserFactory(),
        therapy_type=TherapyTypeFactory(),
        minutes=60,
        earliest_date=day,
        latest_date=day,
        earliest_time=time(9),
        latest_time=time(12),
        time_zone="Europe/Madrid",
    )


@pytest.mark.parametrize(
    "actor",
    [lambda: UserFactory(), lambda: staff_with("waitlist.view_therapywish")],
    ids=["another-client", "view-only-staff"],
)
def test_only_the_client_or_staff_who_manage_wishes_withdraw_one(wish, actor):
    with pytest.raises(services.NotPermitted):
        wishes.withdraw_wish(wish=wish, actor=actor())
    assert TherapyWish.objects.get(pk=wish.pk).state == WishState.WAITING


def test_the_client_withdraws_their_own_wish(wish):
    wishes.withdraw_wish(wish=wish, actor=wish.client)
    assert TherapyWish.objects.get(pk=wish.pk).state == WishState.LEFT


def test_staff_who_manage_wishes_withdraw_one(wish):
    wishes.withdraw_wish(wish=wish, actor=staff_with("waitlist.change_therapywish"))
    assert TherapyWish.objects.get(pk=wish.pk).state == WishState.LEFT
