"""Occurrence expansion (schedules.recurrence): pure, no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurrence as rec
from hypothesis import given
from hypothesis import strategies as st

from schedules.recurrence import expand_dates, occurrences, wall_time_to_utc

MADRID = ZoneInfo("Europe/Madrid")
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30, no DST
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # +10:30 / +11:00: a 30-minute DST shift


def weekly(*days, interval=1, **kw):
    return rec.Recurrence(rrules=[rec.Rule(rec.WEEKLY, interval=interval, byday=list(days))], **kw)


def test_it_expands_a_weekly_rule_on_the_chosen_days():
    dates = expand_dates(
        weekly(rec.MO, rec.WE),
        valid_from=date(2026, 11, 2),
        valid_until=None,
        window_start=date(2026, 11, 2),
        window_end=date(2026, 11, 15),
    )
    assert dates == [date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 11)]


def test_it_does_not_add_the_start_date_as_an_occurrence():
    # django-recurrence's between(..., dtstart=...) would yield valid_from (a Tuesday) too.
    dates = expand_dates(
        weekly(rec.MO),
        valid_from=date(2026, 11, 3),
        valid_until=None,
        window_start=date(2026, 11, 1),
        window_end=date(2026, 11, 20),
    )
    assert dates == [date(2026, 11, 9), date(2026, 11, 16)]


def test_it_counts_every_second_week_from_the_schedule_start_not_the_window():
    pattern = weekly(rec.TH, interval=2)
    dates = expand_dates(
        pattern,
        valid_from=date(2026, 1, 1),
        valid_until=None,
        window_start=date(2026, 1, 8),
        window_end=date(2026, 2, 5),
    )
    assert dates == [date(2026, 1, 15), date(2026, 1, 29)]


def test_it_expands_a_monthly_rule():
    pattern = rec.Recurrence(rrules=[rec.Rule(rec.MONTHLY, byday=[rec.SA(1)])])  # first Saturday
    dates = expand_dates(
        pattern,
        valid_from=date(2026, 1, 1),
        valid_until=None,
        window_start=date(2026, 1, 1),
        window_end=date(2026, 4, 30),
    )
    assert dates == [date(2026, 1, 3), date(2026, 2, 7), date(2026, 3, 7), date(2026, 4, 4)]


def test_it_honours_one_off_dates_and_exclusion_dates():
    pattern = weekly(
        rec.MO,
        rdates=[datetime(2026, 11, 7)],  # a one-off Saturday
        exdates=[datetime(2026, 11, 9)],  # skip one Monday
    )
    dates = expand_dates(
        pattern,
        valid_from=date(2026, 11, 1),
        valid_until=None,
        window_start=date(2026, 11, 1),
        window_end=date(2026, 11, 20),
    )
    assert dates == [date(2026, 11, 2), date(2026, 11, 7), date(2026, 11, 16)]


def test_it_treats_exdates_stored_with_a_z_as_wall_dates():
    # What the database hands back for a naive wall date: midnight UTC with a "Z".
    pattern = weekly(rec.MO, exdates=[datetime(2026, 11, 9, tzinfo=UTC)])
    dates = expand_dates(
        pattern,
        valid_from=date(2026, 11, 1),
        valid_until=None,
        window_start=date(2026, 11, 1),
        window_end=date(2026, 11, 16),
    )
    assert date(2026, 11, 9) not in dates


def test_it_clips_to_the_validity_period():
    dates = expand_dates(
        weekly(rec.MO),
        valid_from=date(2026, 11, 9),
        valid_until=date(2026, 11, 23),
        window_start=date(2026, 11, 1),
        window_end=date(2026, 12, 31),
    )
    assert dates == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def test_it_respects_a_rule_until_stored_as_utc():
    pattern = rec.Recurrence(rrules=[rec.Rule(rec.WEEKLY, byday=[rec.MO], until=datetime(2026, 11, 16, tzinfo=UTC))])
    dates = expand_dates(
        pattern,
        valid_from=date(2026, 11, 1),
        valid_until=None,
        window_start=date(2026, 11, 1),
        window_end=date(2026, 12, 31),
    )
    assert dates == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


def _local_starts(dates, zone, at=time(7, 0)):
    return [
        o.starts_at.astimezone(zone) for o in occurrences(dates, start_time=at, duration=timedelta(hours=1), zone=zone)
    ]


def test_a_7am_madrid_class_stays_at_7am_across_the_march_change():
    dates = [date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]  # Sundays; DST starts 29 March
    occ = occurrences(dates, start_time=time(7, 0), duration=timedelta(hours=1), zone=MADRID)
    assert [o.starts_at.astimezone(MADRID).time() for o in occ] == [time(7, 0)] * 3
    assert [o.starts_at.hour for o in occ] == [6, 5, 5]  # UTC moves, the wall clock does not


def test_a_7am_madrid_class_stays_at_7am_across_the_october_change():
    dates = [date(2026, 10, 18), date(2026, 10, 25), date(2026, 11, 1)]  # DST ends 25 October
    occ = occurrences(dates, start_time=time(7, 0), duration=timedelta(hours=1), zone=MADRID)
    assert [o.starts_at.astimezone(MADRID).time() for o in occ] == [time(7, 0)] * 3
    assert [o.starts_at.hour for o in occ] == [5, 6, 6]


def test_it_handles_a_zone_with_a_half_hour_offset():
    (start,) = _local_starts([date(2026, 11, 23)], KOLKATA)
    assert start.time() == time(7, 0)
    assert start.astimezone(UTC).time() == time(1, 30)


def test_it_keeps_wall_time_across_a_half_hour_dst_shift():
    # Lord Howe Island moves its clocks by 30 minutes (first Sunday of October).
    dates = [date(2026, 9, 27), date(2026, 10, 4), date(2026, 10, 11)]
    starts = _local_starts(dates, LORD_HOWE)
    assert [s.time() for s in starts] == [time(7, 0)] * 3
    utc = [s.astimezone(UTC) for s in starts]
    assert utc[0].time() == time(20, 30) and utc[2].time() == time(20, 0)


def test_a_start_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    start = wall_time_to_utc(date(2026, 3, 29), time(2, 30), MADRID)
    assert start.astimezone(MADRID).time() == time(3, 30)


def test_a_start_time_that_happens_twice_takes_the_first():
    start = wall_time_to_utc(date(2026, 10, 25), time(2, 30), MADRID)
    assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before the fall back


def test_length_is_elapsed_time_even_on_a_clock_change_night():
    (occ,) = occurrences([date(2026, 10, 25)], start_time=time(1, 30), duration=timedelta(hours=2), zone=MADRID)
    assert occ.ends_at - occ.starts_at == timedelta(hours=2)


weekdays = st.lists(
    st.sampled_from([rec.MO, rec.TU, rec.WE, rec.TH, rec.FR, rec.SA, rec.SU]),
    min_size=1,
    max_size=7,
    unique_by=lambda w: w.number,
)


@given(
    days=weekdays,
    interval=st.integers(1, 4),
    valid_from=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    offset=st.integers(0, 400),
    span=st.integers(0, 120),
    zone=st.sampled_from([MADRID, KOLKATA, LORD_HOWE, ZoneInfo("America/New_York")]),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_every_occurrence_is_on_a_chosen_day_inside_both_ranges_at_the_wall_time(
    days, interval, valid_from, offset, span, zone, at
):
    window_start = valid_from + timedelta(days=offset - 200)
    window_end = window_start + timedelta(days=span)
    dates = expand_dates(
        weekly(*days, interval=interval),
        valid_from=valid_from,
        valid_until=None,
        window_start=window_start,
        window_end=window_end,
    )
    chosen = {d.number for d in days}
    assert dates == sorted(set(dates))
    for d in dates:
        assert d.weekday() in chosen
        assert max(valid_from, window_start) <= d <= window_end
        week_index = ((d - timedelta(days=d.weekday())) - (valid_from - timedelta(days=valid_from.weekday()))).days // 7
        assert week_index % interval == 0
    for occ in occurrences(dates, start_time=at, duration=timedelta(minutes=60), zone=zone):
        local = occ.starts_at.astimezone(zone)
        naive = datetime.combine(occ.local_date, at)
        exists = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
        if exists:
            assert local.replace(tzinfo=None) == naive
        else:  # in a gap: moved forward, never backward, by at most the gap (<= 1 h)
            assert timedelta(0) < local.replace(tzinfo=None) - naive <= timedelta(hours=1)


@given(days=weekdays, valid_from=st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_a_full_week_window_holds_each_chosen_day_once_for_a_weekly_rule(days, valid_from):
    dates = expand_dates(
        weekly(*days),
        valid_from=valid_from,
        valid_until=None,
        window_start=valid_from + timedelta(days=7),
        window_end=valid_from + timedelta(days=13),
    )
    assert sorted(d.weekday() for d in dates) == sorted(d.number for d in days)
