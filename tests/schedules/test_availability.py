"""The free-slot engine (schedules.availability): plain data in, slots out, no database.

Examples first (weekly hours, time off, extra hours, closures, buffers, notice,
window, limits, the step grid, rooms, online hours, daylight-saving days), then
Hypothesis properties over random calendars, checked against an independent
brute-force reading of the same rules.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedules.availability import (
    Closure,
    ExtraHours,
    Interval,
    RoomCalendar,
    Slot,
    TherapistCalendar,
    Venue,
    WeeklyHours,
    free_slots,
    from_us,
    slot_is_free,
    to_us,
)
from schedules.recurrence import wall_time_to_utc

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime(2026, 5, 25, 6, 0, tzinfo=UTC)  # a week before: notice and window out of the way
HOUR = timedelta(hours=1)
IN_PERSON = Venue(online=False)
ONLINE = Venue(online=True)
STUDIO, PARK = 1, 2  # location ids


def at(day: date, hh: int, mm: int = 0, zone: ZoneInfo = MADRID) -> datetime:
    return wall_time_to_utc(day, time(hh, mm), zone)


def hours(weekday: int, start: str, end: str, location: int | None = STUDIO) -> WeeklyHours:
    return WeeklyHours(weekday, time.fromisoformat(start), time.fromisoformat(end), location)


def calendar(*weekly: WeeklyHours, zone: ZoneInfo = MADRID, **kw) -> TherapistCalendar:
    kw.setdefault("window", timedelta(days=365))
    return TherapistCalendar(zone=zone, weekly=weekly or (hours(0, "09:00", "13:00"),), **kw)


def slots(cal: TherapistCalendar, *, day: date = MONDAY, last: date | None = None, minutes: int = 60, **kw):
    kw.setdefault("now", NOW)
    kw.setdefault("venue", IN_PERSON)
    return free_slots(cal, duration=timedelta(minutes=minutes), first_day=day, last_day=last or day, **kw)


def local(found: list[Slot], zone: ZoneInfo = MADRID) -> list[str]:
    return [s.start.astimezone(zone).strftime("%H:%M") for s in found]


# --- weekly hours, time off, extra hours, closures -------------------------------------------


def test_it_offers_every_step_inside_the_weekly_hours():
    assert local(slots(calendar())) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]


def test_it_offers_nothing_on_a_day_without_hours():
    assert slots(calendar(), day=TUESDAY) == []


def test_it_offers_each_of_several_ranges_a_day():
    cal = calendar(hours(0, "09:00", "11:00"), hours(0, "15:00", "17:00"))
    assert local(slots(cal)) == ["09:00", "09:30", "10:00", "15:00", "15:30", "16:00"]


def test_it_keeps_slots_away_from_time_off():
    cal = calendar(time_off=(Interval(at(MONDAY, 10), at(MONDAY, 11, 30)),))
    assert local(slots(cal)) == ["09:00", "11:30", "12:00"]


def test_it_offers_nothing_during_weeks_off():
    cal = calendar(time_off=(Interval(at(MONDAY, 0) - timedelta(days=3), at(MONDAY, 0) + timedelta(days=14)),))
    assert slots(cal, last=MONDAY + timedelta(days=13)) == []


def test_it_reopens_a_single_slot_inside_time_off_with_extra_hours():
    cal = calendar(
        time_off=(Interval(at(MONDAY, 0), at(MONDAY, 0) + timedelta(days=7)),),
        extra=(ExtraHours(at(MONDAY, 10), at(MONDAY, 11), STUDIO),),
    )
    found = slots(cal)
    assert local(found) == ["10:00"]
    assert found[0].location_id == STUDIO


def test_it_opens_extra_hours_on_a_day_without_weekly_hours():
    cal = calendar(extra=(ExtraHours(at(TUESDAY, 16), at(TUESDAY, 18), PARK),))
    found = slots(cal, day=TUESDAY)
    assert local(found) == ["16:00", "16:30", "17:00"]
    assert {s.location_id for s in found} == {PARK}


def test_it_closes_every_location_for_a_studio_closure():
    cal = calendar(
        hours(0, "09:00", "11:00", STUDIO),
        hours(0, "11:00", "13:00", PARK),
        closures=(Closure(at(MONDAY, 0), at(TUESDAY, 0)),),
    )
    assert slots(cal) == []


def test_it_closes_only_the_closed_location():
    cal = calendar(
        hours(0, "09:00", "11:00", STUDIO),
        hours(0, "11:00", "13:00", PARK),
        closures=(Closure(at(MONDAY, 0), at(TUESDAY, 0), location_id=STUDIO),),
    )
    found = slots(cal)
    assert local(found) == ["11:00", "11:30", "12:00"]
    assert {s.location_id for s in found} == {PARK}


def test_it_lets_no_extra_hours_win_over_a_closure():
    cal = calendar(
        time_off=(Interval(at(MONDAY, 0), at(TUESDAY, 0)),),
        extra=(ExtraHours(at(MONDAY, 10), at(MONDAY, 12), STUDIO),),
        closures=(Closure(at(MONDAY, 10), at(MONDAY, 11)),),
    )
    assert local(slots(cal)) == ["11:00"]


def test_it_does_not_let_a_location_closure_touch_online_hours():
    cal = calendar(
        hours(0, "09:00", "11:00", None),
        closures=(Closure(at(MONDAY, 0), at(TUESDAY, 0), location_id=STUDIO),),
    )
    assert local(slots(cal, venue=ONLINE)) == ["09:00", "09:30", "10:00"]


# --- busy time and buffers ----------------------------------------------------------------------


def test_it_keeps_sessions_off_busy_time():
    cal = calendar(busy=(Interval(at(MONDAY, 10), at(MONDAY, 11)),))
    assert local(slots(cal)) == ["09:00", "11:00", "11:30", "12:00"]


def test_it_keeps_the_buffer_after_clear_of_busy_time():
    cal = calendar(busy=(Interval(at(MONDAY, 10), at(MONDAY, 11)),), buffer_after=timedelta(minutes=15))
    assert local(slots(cal)) == ["11:00", "11:30", "12:00"]  # 09:00 and 09:30 would run into 10:00 with it


def test_it_keeps_the_buffer_before_clear_of_busy_time():
    cal = calendar(busy=(Interval(at(MONDAY, 10), at(MONDAY, 11)),), buffer_before=timedelta(minutes=15))
    assert local(slots(cal)) == ["09:00", "11:30", "12:00"]  # 11:00 would need 10:45 clear


def test_it_keeps_buffers_clear_of_a_class_the_therapist_teaches():
    class_time = Interval(at(MONDAY, 11), at(MONDAY, 12))  # classes are busy time like any other
    cal = calendar(busy=(class_time,), buffer_before=timedelta(minutes=30), buffer_after=timedelta(minutes=30))
    assert local(slots(cal)) == ["09:00", "09:30"]


def test_it_allows_a_session_right_after_busy_time_without_buffers():
    cal = calendar(busy=(Interval(at(MONDAY, 9), at(MONDAY, 10)),))
    assert local(slots(cal))[0] == "10:00"


# --- notice, window, limits, step -------------------------------------------------------------


def test_it_offers_nothing_before_the_minimum_notice():
    now = at(MONDAY, 8)
    cal = calendar(min_notice=timedelta(hours=2))
    assert local(slots(cal, now=now)) == ["10:00", "10:30", "11:00", "11:30", "12:00"]


def test_it_puts_the_first_slot_after_notice_on_the_grid():
    now = at(MONDAY, 8, 7)
    cal = calendar(min_notice=timedelta(hours=2))
    assert local(slots(cal, now=now))[0] == "10:30"


def test_it_offers_nothing_past_the_booking_window():
    cal = calendar(hours(0, "09:00", "13:00"), hours(1, "09:00", "13:00"), window=timedelta(days=7))
    now = at(MONDAY, 10) - timedelta(days=7)
    found = slots(cal, last=TUESDAY, now=now)
    assert local(found) == ["09:00", "09:30", "10:00"]
    assert {s.start.date() for s in found} == {MONDAY}


def test_it_offers_nothing_on_a_day_at_its_limit():
    cal = calendar(
        hours(0, "09:00", "13:00"),
        hours(1, "09:00", "13:00"),
        booked_starts=(at(MONDAY, 18),),
        max_per_day=1,
    )
    found = slots(cal, last=TUESDAY)
    assert {s.start.astimezone(MADRID).date() for s in found} == {TUESDAY}


def test_it_still_offers_a_day_below_its_limit():
    cal = calendar(booked_starts=(at(MONDAY, 18),), max_per_day=2)
    assert len(slots(cal)) == 7


def test_it_offers_nothing_in_a_week_at_its_limit():
    cal = calendar(
        booked_starts=(at(MONDAY, 18), at(MONDAY + timedelta(days=3), 9)),
        max_per_week=2,
    )
    found = slots(cal, last=MONDAY + timedelta(days=7))
    assert {s.start.astimezone(MADRID).date() for s in found} == {MONDAY + timedelta(days=7)}


def test_it_counts_the_weekly_limit_by_the_therapists_local_week():
    # 00:30 on Monday in Madrid is still Sunday in UTC: it counts toward the new week.
    cal = calendar(booked_starts=(at(MONDAY, 0, 30),), max_per_week=1)
    assert slots(cal) == []


def test_it_counts_steps_from_local_midnight():
    cal = calendar(hours(0, "09:10", "11:00"), step=timedelta(minutes=20))
    assert local(slots(cal)) == ["09:20", "09:40", "10:00"]


def test_it_offers_hourly_starts_with_a_sixty_minute_step():
    cal = calendar(hours(0, "09:30", "13:00"), step=timedelta(minutes=60))
    assert local(slots(cal, minutes=45)) == ["10:00", "11:00", "12:00"]


def test_it_stops_at_the_first_slot_of_each_day_when_asked():
    cal = calendar(hours(0, "09:00", "13:00"), hours(1, "15:00", "17:00"))
    assert local(slots(cal, last=TUESDAY, first_per_day=True)) == ["09:00", "15:00"]


def test_it_returns_slots_sorted_across_locations_and_extra_hours():
    cal = calendar(
        hours(0, "11:00", "13:00", PARK),
        hours(0, "09:00", "11:00", STUDIO),
        extra=(ExtraHours(at(MONDAY, 8), at(MONDAY, 9), None),),
    )
    found = slots(cal, venue=ONLINE)
    assert local(found) == ["08:00", "09:00", "09:30", "10:00", "11:00", "11:30", "12:00"]


# --- rooms and online ---------------------------------------------------------------------------


def _rooms(*busy_per_room: tuple[Interval, ...]) -> Venue:
    return Venue(
        online=False, rooms={STUDIO: [RoomCalendar(10 + i, STUDIO, busy) for i, busy in enumerate(busy_per_room)]}
    )


def test_it_books_the_free_room_when_one_room_is_taken():
    taken = (Interval(at(MONDAY, 10), at(MONDAY, 11)),)
    found = {s.start: s for s in slots(calendar(), venue=_rooms(taken, ()))}
    assert found[at(MONDAY, 10)].room_id == 11
    assert found[at(MONDAY, 9)].room_id == 10


def test_it_offers_no_time_when_every_suitable_room_is_taken():
    taken = (Interval(at(MONDAY, 10), at(MONDAY, 11)),)
    assert local(slots(calendar(), venue=_rooms(taken, taken))) == ["09:00", "11:00", "11:30", "12:00"]


def test_it_keeps_the_therapists_buffers_clear_in_the_room():
    taken = (Interval(at(MONDAY, 11), at(MONDAY, 12)),)
    cal = calendar(buffer_after=timedelta(minutes=15))
    assert local(slots(cal, venue=_rooms(taken))) == ["09:00", "09:30", "12:00"]  # 10:00 + buffer reaches 11:15


def test_a_rooms_busy_time_in_microseconds_counts_like_intervals():
    """The loader hands rooms' busy time over as microseconds since 1970: same answers."""
    taken = Interval(at(MONDAY, 10), at(MONDAY, 11))
    as_us = Venue(
        online=False, rooms={STUDIO: [RoomCalendar(10, STUDIO, busy_us=((to_us(taken.start), to_us(taken.end)),))]}
    )
    assert local(slots(calendar(), venue=as_us)) == local(slots(calendar(), venue=_rooms((taken,))))
    assert local(slots(calendar(), venue=as_us)) == ["09:00", "11:00", "11:30", "12:00"]


def test_microseconds_round_trip_exactly():
    moment = datetime(2026, 10, 25, 0, 59, 59, 999_999, tzinfo=UTC)
    assert to_us(moment) == 1_792_889_999_999_999
    assert from_us(to_us(moment)) == moment
    assert to_us(moment.astimezone(MADRID)) == to_us(moment)


def test_it_offers_nothing_at_a_location_without_a_suitable_room():
    cal = calendar(hours(0, "09:00", "13:00", PARK))
    assert slots(cal, venue=_rooms(())) == []


def test_it_offers_no_in_person_session_in_online_only_hours():
    cal = calendar(hours(0, "09:00", "11:00", None))
    assert slots(cal) == []


def test_it_offers_online_sessions_in_online_only_hours_without_a_room():
    found = slots(calendar(hours(0, "09:00", "11:00", None)), venue=ONLINE)
    assert local(found) == ["09:00", "09:30", "10:00"]
    assert {(s.location_id, s.room_id) for s in found} == {(None, None)}


def test_it_finds_an_exact_start_that_is_free():
    slot = slot_is_free(calendar(), start=at(MONDAY, 10, 30), duration=HOUR, now=NOW, venue=IN_PERSON)
    assert slot == Slot(at(MONDAY, 10, 30), at(MONDAY, 11, 30), STUDIO, None)


def test_it_refuses_an_exact_start_off_the_grid():
    assert slot_is_free(calendar(), start=at(MONDAY, 10, 10), duration=HOUR, now=NOW, venue=IN_PERSON) is None


# --- daylight-saving days -----------------------------------------------------------------------


def test_it_keeps_wall_hours_on_the_spring_change_in_madrid():
    sunday = date(2026, 3, 29)  # 02:00 -> 03:00
    found = slots(calendar(hours(6, "09:00", "13:00")), day=sunday, now=at(sunday, 0) - timedelta(days=2))
    assert local(found) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]
    assert found[0].start == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # summer time: UTC+2


def test_it_keeps_wall_hours_on_the_autumn_change_in_madrid():
    sunday = date(2026, 10, 25)  # 03:00 -> 02:00
    found = slots(calendar(hours(6, "09:00", "13:00")), day=sunday, now=at(sunday, 0) - timedelta(days=2))
    assert local(found) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]
    assert found[0].start == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # winter time: UTC+1


def test_it_keeps_only_the_real_hour_of_a_range_on_the_spring_forward_night():
    sunday = date(2026, 3, 29)  # 02:00-03:00 does not exist that night
    cal = calendar(hours(6, "02:00", "04:00"))
    found = slots(cal, day=sunday, now=at(sunday, 0) - timedelta(days=2), minutes=30)
    assert local(found) == ["03:00", "03:30"]
    assert found[-1].end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 local summer time


def test_it_offers_the_repeated_hour_twice_on_the_fall_back_night():
    sunday = date(2026, 10, 25)  # 02:00-03:00 happens twice: four real hours from 01:00 to 04:00
    cal = calendar(hours(6, "01:00", "04:00"), step=timedelta(minutes=60))
    found = slots(cal, day=sunday, now=at(sunday, 0) - timedelta(days=2))
    assert local(found) == ["01:00", "02:00", "02:00", "03:00"]
    assert [s.start.hour for s in found] == [23, 0, 1, 2]  # UTC: four different instants


def test_it_keeps_wall_hours_on_the_spring_change_in_new_york():
    sunday = date(2026, 3, 8)
    cal = calendar(hours(6, "09:00", "13:00"), zone=NEW_YORK)
    found = slots(cal, day=sunday, now=at(sunday, 0, zone=NEW_YORK) - timedelta(days=2))
    assert local(found, NEW_YORK)[0] == "09:00" and local(found, NEW_YORK)[-1] == "12:00"
    assert found[0].start == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # EDT: UTC-4


def test_it_keeps_hourly_starts_on_the_half_hour_change_at_lord_howe():
    sunday = date(2026, 10, 4)  # 02:00 -> 02:30 at Lord Howe
    cal = calendar(hours(6, "01:00", "05:00"), zone=LORD_HOWE, step=timedelta(minutes=60))
    found = slots(cal, day=sunday, now=at(sunday, 0, zone=LORD_HOWE) - timedelta(days=2))
    assert local(found, LORD_HOWE) == ["01:00", "03:00", "04:00"]


# --- properties ------------------------------------------------------------------------------------

ZONES = [MADRID, NEW_YORK, LORD_HOWE, ZoneInfo("UTC")]
LOCATIONS = [None, STUDIO, PARK]
STEPS = [5, 10, 15, 20, 30, 60]
BASE = date(2026, 1, 1)
# A few days before each clock change of ZONES in 2026, so ranges often span one.
CHANGES = [
    date(2026, m, d) - timedelta(days=k)
    for m, d in [(3, 8), (3, 29), (4, 5), (10, 4), (10, 25), (11, 1)]
    for k in (0, 1, 3)
]


@st.composite
def weekly_hours(draw) -> WeeklyHours:
    start = draw(st.integers(0, 23 * 12)) * 5
    length = draw(st.integers(1, 12 * 12)) * 5
    end = min(start + length, 23 * 60 + 55)
    if end <= start:
        end = start + 5
    return WeeklyHours(
        draw(st.integers(0, 6)),
        time(start // 60, start % 60),
        time(end // 60, end % 60),
        draw(st.sampled_from(LOCATIONS)),
    )


@st.composite
def spans(draw, origin: datetime, max_hours: int = 12) -> Interval:
    start = origin + timedelta(minutes=5 * draw(st.integers(-12 * 24, 12 * 24 * 12)))
    return Interval(start, start + timedelta(minutes=5 * draw(st.integers(1, 12 * max_hours))))


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    first_day = draw(st.dates(BASE, date(2026, 12, 20)) | st.sampled_from(CHANGES))
    origin = wall_time_to_utc(first_day, time(0), zone)
    extra_spans = draw(st.lists(spans(origin), max_size=3))
    closure_spans = draw(st.lists(spans(origin, max_hours=30), max_size=2))
    cal = TherapistCalendar(
        zone=zone,
        weekly=tuple(draw(st.lists(weekly_hours(), min_size=1, max_size=8))),
        extra=tuple(ExtraHours(s.start, s.end, draw(st.sampled_from(LOCATIONS))) for s in extra_spans),
        time_off=tuple(draw(st.lists(spans(origin, max_hours=60), max_size=3))),
        closures=tuple(Closure(s.start, s.end, draw(st.sampled_from(LOCATIONS))) for s in closure_spans),
        busy=tuple(draw(st.lists(spans(origin, max_hours=3), max_size=12))),
        booked_starts=tuple(s.start for s in draw(st.lists(spans(origin), max_size=8))),
        buffer_before=timedelta(minutes=5 * draw(st.integers(0, 12))),
        buffer_after=timedelta(minutes=5 * draw(st.integers(0, 12))),
        min_notice=timedelta(hours=draw(st.integers(0, 72))),
        window=timedelta(days=draw(st.integers(1, 20))),
        max_per_day=draw(st.none() | st.integers(1, 4)),
        max_per_week=draw(st.none() | st.integers(1, 12)),
        step=timedelta(minutes=draw(st.sampled_from(STEPS))),
    )
    now = origin + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 5 * 24 * 60)))
    venue = draw(
        st.sampled_from(["online", "anywhere", "rooms"]).flatmap(
            lambda kind: (
                st.just(ONLINE)
                if kind == "online"
                else st.just(IN_PERSON)
                if kind == "anywhere"
                else st.lists(st.lists(spans(origin, max_hours=4), max_size=4), min_size=1, max_size=3).map(
                    lambda rooms: Venue(
                        online=False,
                        rooms={
                            STUDIO: [RoomCalendar(100 + i, STUDIO, tuple(busy)) for i, busy in enumerate(rooms)],
                            PARK: [RoomCalendar(200, PARK, ())],
                        },
                    )
                )
            )
        )
    )
    days = draw(st.integers(0, 13))
    minutes = 5 * draw(st.integers(2, 36))
    return cal, venue, now, first_day, first_day + timedelta(days=days), timedelta(minutes=minutes)


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def _local_day(cal: TherapistCalendar, instant: datetime) -> date:
    return instant.astimezone(cal.zone).date()


def _week(day: date) -> tuple[int, int]:
    return day.isocalendar()[:2]


def _open_spans(cal: TherapistCalendar, day: date) -> list[tuple[datetime, datetime, int | None, bool]]:
    """(start, end, location, is_extra) of the day, read straight from the rules."""
    day_start, day_end = (
        wall_time_to_utc(day, time(0), cal.zone),
        wall_time_to_utc(day + timedelta(1), time(0), cal.zone),
    )
    found = [
        (wall_time_to_utc(day, h.start, cal.zone), wall_time_to_utc(day, h.end, cal.zone), h.location_id, False)
        for h in cal.weekly
        if h.weekday == day.weekday()
    ]
    found += [(max(e.start, day_start), min(e.end, day_end), e.location_id, True) for e in cal.extra]
    return found


def _allowed(cal: TherapistCalendar, venue: Venue, now: datetime, start: datetime, end: datetime) -> bool:
    """Could a client book [start, end) by the rules, read independently of the engine?"""
    day = _local_day(cal, start)
    if start < now + cal.min_notice or start > now + cal.window:
        return False
    booked_days = Counter(_local_day(cal, s) for s in cal.booked_starts)
    if cal.max_per_day is not None and booked_days[day] >= cal.max_per_day:
        return False
    if (
        cal.max_per_week is not None
        and sum(n for d, n in booked_days.items() if _week(d) == _week(day)) >= cal.max_per_week
    ):
        return False
    held = (start - cal.buffer_before, end + cal.buffer_after)
    if any(_overlaps(*held, b.start, b.end) for b in cal.busy):
        return False
    for span_start, span_end, location, is_extra in _open_spans(cal, day):
        if not (span_start <= start and end <= span_end):
            continue
        if not is_extra and any(_overlaps(start, end, t.start, t.end) for t in cal.time_off):
            continue
        if any(_overlaps(start, end, c.start, c.end) for c in cal.closures if c.location_id in (None, location)):
            continue
        if venue.online:
            return True
        if location is None:
            continue
        if venue.rooms is None:
            return True
        if any(not any(_overlaps(*held, b.start, b.end) for b in room.busy) for room in venue.rooms.get(location, ())):
            return True
    return False


def _on_grid(cal: TherapistCalendar, instant: datetime) -> bool:
    wall = instant.astimezone(cal.zone)
    return (wall.hour * 60 + wall.minute) % int(cal.step.total_seconds() // 60) == 0 and wall.second == 0


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_it_returns_sorted_unique_slots_of_the_asked_length(scenario):
    cal, venue, now, first, last, duration = scenario
    found = free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue)
    starts = [s.start for s in found]
    assert starts == sorted(set(starts))
    assert all(s.end - s.start == duration for s in found)
    assert all(first <= _local_day(cal, s.start) <= last for s in found)


@PROPERTY
@given(scenarios())
def test_it_never_lets_a_buffered_slot_touch_busy_time(scenario):
    cal, venue, now, first, last, duration = scenario
    for s in free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue):
        held = (s.start - cal.buffer_before, s.end + cal.buffer_after)
        assert not any(_overlaps(*held, b.start, b.end) for b in cal.busy)
        if s.room_id is not None:
            room = next(r for cals in venue.rooms.values() for r in cals if r.room_id == s.room_id)
            assert room.location_id == s.location_id
            assert not any(_overlaps(*held, b.start, b.end) for b in room.busy)


@PROPERTY
@given(scenarios())
def test_it_keeps_every_slot_in_working_or_extra_hours_and_out_of_time_off(scenario):
    cal, venue, now, first, last, duration = scenario
    for s in free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue):
        day = _local_day(cal, s.start)
        inside_weekly = any(
            not extra and a <= s.start and s.end <= b and loc == s.location_id
            for a, b, loc, extra in _open_spans(cal, day)
        )
        inside_extra = any(
            extra and a <= s.start and s.end <= b and loc == s.location_id for a, b, loc, extra in _open_spans(cal, day)
        )
        in_time_off = any(_overlaps(s.start, s.end, t.start, t.end) for t in cal.time_off)
        assert inside_extra or (inside_weekly and not in_time_off)
        assert not any(
            _overlaps(s.start, s.end, c.start, c.end) for c in cal.closures if c.location_id in (None, s.location_id)
        )
        if not venue.online:
            assert s.location_id is not None


@PROPERTY
@given(scenarios())
def test_it_respects_notice_window_and_limits(scenario):
    cal, venue, now, first, last, duration = scenario
    booked_days = Counter(_local_day(cal, s) for s in cal.booked_starts)
    for s in free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue):
        assert now + cal.min_notice <= s.start <= now + cal.window
        day = _local_day(cal, s.start)
        if cal.max_per_day is not None:
            assert booked_days[day] < cal.max_per_day
        if cal.max_per_week is not None:
            assert sum(n for d, n in booked_days.items() if _week(d) == _week(day)) < cal.max_per_week


@PROPERTY
@given(scenarios())
def test_it_puts_every_start_on_the_local_step_grid(scenario):
    cal, venue, now, first, last, duration = scenario
    for s in free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue):
        assert _on_grid(cal, s.start), s.start.astimezone(cal.zone)


@PROPERTY
@given(scenarios())
def test_it_offers_exactly_the_grid_starts_the_rules_allow(scenario):
    """Nothing allowed is missing, nothing forbidden is offered: a brute-force reading agrees."""
    cal, venue, now, first, last, duration = scenario
    found = {s.start for s in free_slots(cal, duration=duration, first_day=first, last_day=last, now=now, venue=venue)}
    expected = set()
    day = first
    while day <= last:
        start = wall_time_to_utc(day, time(0), cal.zone)
        day_end = wall_time_to_utc(day + timedelta(1), time(0), cal.zone)
        while start < day_end:
            if _on_grid(cal, start) and _allowed(cal, venue, now, start, start + duration):
                expected.add(start)
            start += timedelta(minutes=5)
        day += timedelta(days=1)
    assert found == expected


@PROPERTY
@given(
    zone=st.sampled_from(ZONES),
    sunday=st.sampled_from(
        [
            date(2026, 3, 8),
            date(2026, 3, 29),
            date(2026, 4, 5),
            date(2026, 10, 4),
            date(2026, 10, 25),
            date(2026, 11, 1),
        ]
    ),
    opens=st.integers(0, 35).map(lambda n: time(n // 12, 5 * (n % 12))),
    closes=st.integers(36, 80).map(lambda n: time(n // 12, 5 * (n % 12))),
    step=st.sampled_from(STEPS),
    minutes=st.integers(2, 24).map(lambda n: 5 * n),
)
def test_it_keeps_the_local_grid_through_a_clock_change(zone, sunday, opens, closes, step, minutes):
    cal = TherapistCalendar(zone=zone, weekly=(WeeklyHours(6, opens, closes, None),), step=timedelta(minutes=step))
    now = wall_time_to_utc(sunday, time(0), zone) - timedelta(days=2)
    found = free_slots(cal, duration=timedelta(minutes=minutes), first_day=sunday, last_day=sunday, now=now)
    assert all(_on_grid(cal, s.start) for s in found), [s.start.astimezone(zone).time() for s in found]
