"""How long an offer holds, and when the waitlist closes: pure rules, examples and properties."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from waitlist.rules import MIN_HOLD, HoldTerms, closes_at, is_open, offer_expiry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TERMS = HoldTerms(offer_hold_minutes=120, soon_hours=12, soon_hold_minutes=30, cutoff_minutes=60)


def test_it_holds_for_two_hours_when_the_class_is_days_away():
    assert offer_expiry(now=NOW, starts_at=NOW + timedelta(days=3), terms=TERMS) == NOW + timedelta(hours=2)


def test_it_holds_for_less_when_the_class_starts_soon():
    assert offer_expiry(now=NOW, starts_at=NOW + timedelta(hours=5), terms=TERMS) == NOW + timedelta(minutes=30)


def test_it_never_holds_past_the_cutoff():
    starts = NOW + timedelta(minutes=80)
    assert offer_expiry(now=NOW, starts_at=starts, terms=TERMS) == NOW + timedelta(minutes=20)


def test_it_makes_no_offer_nobody_could_answer():
    assert offer_expiry(now=NOW, starts_at=NOW + timedelta(minutes=63), terms=TERMS) is None
    assert not is_open(now=NOW, starts_at=NOW + timedelta(minutes=60), terms=TERMS)


@given(
    minutes_ahead=st.integers(min_value=0, max_value=60 * 24 * 40),
    hold=st.integers(min_value=5, max_value=60 * 48),
    soon_hold=st.integers(min_value=5, max_value=60 * 48),
    soon_hours=st.integers(min_value=0, max_value=72),
    cutoff=st.integers(min_value=0, max_value=60 * 48),
)
def test_an_offer_ends_after_the_minimum_hold_and_before_the_waitlist_closes(
    minutes_ahead, hold, soon_hold, soon_hours, cutoff
):
    terms = HoldTerms(
        offer_hold_minutes=hold, soon_hours=soon_hours, soon_hold_minutes=soon_hold, cutoff_minutes=cutoff
    )
    starts = NOW + timedelta(minutes=minutes_ahead)

    expiry = offer_expiry(now=NOW, starts_at=starts, terms=terms)

    if expiry is None:
        assert closes_at(starts, terms) - NOW < MIN_HOLD + timedelta(minutes=max(hold, soon_hold))
    else:
        assert NOW + MIN_HOLD <= expiry <= closes_at(starts, terms)
        assert expiry - NOW <= timedelta(minutes=max(hold, soon_hold))
