"""The one transition table for every kind of booking (bookings.transitions)."""

import itertools

import pytest

from bookings.transitions import IllegalTransition, Status, can_transition, check_transition

LEGAL = {
    (Status.REQUESTED, Status.CONFIRMED),
    (Status.REQUESTED, Status.DECLINED),
    (Status.REQUESTED, Status.EXPIRED),
    (Status.PENDING, Status.CONFIRMED),
    (Status.PENDING, Status.EXPIRED),
    (Status.CONFIRMED, Status.COMPLETED),
    (Status.CONFIRMED, Status.NO_SHOW),
    (Status.PENDING, Status.CANCELLED),
    (Status.REQUESTED, Status.CANCELLED),
    (Status.CONFIRMED, Status.CANCELLED),
}


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_a_legal_transition_is_allowed(current, target):
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), sorted(set(itertools.product(Status, Status)) - LEGAL))
def test_every_other_transition_is_refused_with_a_clear_message(current, target):
    assert not can_transition(current, target)
    with pytest.raises(IllegalTransition, match=f"A {current.value} booking cannot become {target.value}"):
        check_transition(current, target)
