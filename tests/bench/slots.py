"""Section "slots": free-slot computation for therapists, with two years of appointments.

Seeds 50 therapists in three studios (24 therapy rooms): each works two ranges a day,
Monday to Friday, at two or three of the studios, with buffers, notice, daily and
weekly limits, a week off and a few blocked half-days, and about four sessions a
working day from 18 months back to 6 months ahead (Booking + Occupancy rows, rooms
assigned without overlaps, ~70k of each). Then measures, on next month (30 days):

- one therapist's slots (each call the next of the 50), and all 50 therapists' slots
  (schedules.slots.slots_for):
  median ms of repeated calls, and the queries each sends — the same count for 1
  and for 50 therapists, however many appointments the tables hold;
- the client's month calendar: GET /therapy/<slug>/?minutes=60&month=YYYY-MM, every
  therapist of the type, anonymous, through Django's test Client.

Targets from the issue (checked and logged, not enforced): one month < 20 ms, all
50 < 200 ms, query count independent of therapists and bookings.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingStatus
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Location,
    Occupancy,
    OccupancyKind,
    Practitioner,
    Room,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)
from schedules.recurrence import wall_time_to_utc
from schedules.slots import slots_for
from tests.bench.measure import count_queries, log, time_calls

THERAPISTS = 50
CLIENTS = 2000
ROOMS_PER_STUDIO = 8
DAYS_BACK, DAYS_AHEAD = 548, 182  # two years around today
SESSIONS_PER_DAY = 4
# Session starts inside the two daily ranges (09:00-13:30 and 15:00-19:30): with buffers
# of at most 15 minutes none of them overlap, so four of six fit any day.
STARTS = [time(9), time(10, 30), time(12), time(15), time(16, 30), time(18)]
BATCH = 5000
REPEAT_ONE, REPEAT_ALL, REPEAT_PAGE = 50, 15, 15
TARGETS = {"one_therapist_month_ms": 20.0, "all_therapists_month_ms": 200.0}
ZONE = ZoneInfo("Europe/Madrid")


def seed(rng: random.Random) -> tuple[TherapyType, list[Practitioner]]:
    studios = [
        Location.objects.create(name=f"Shala {name}", slug=slug, time_zone=ZONE)
        for name, slug in [("Centro", "centro"), ("Gràcia", "gracia"), ("Poblenou", "poblenou")]
    ]
    rooms = Room.objects.bulk_create(
        Room(location=s, name=f"Cabina {i + 1}", capacity=2) for s in studios for i in range(ROOMS_PER_STUDIO)
    )
    users = User.objects.bulk_create(
        User(email=f"therapist{i}@bench.example.com", display_name=f"Therapist {i}", password="!")
        for i in range(THERAPISTS)
    )
    therapists = Practitioner.objects.bulk_create(
        Practitioner(user=u, slug=f"therapist-{i}", public_name=f"Therapist {i}", is_therapist=True)
        for i, u in enumerate(users)
    )
    TherapistSettings.objects.bulk_create(
        TherapistSettings(
            practitioner=t,
            time_zone=ZONE,
            buffer_before_minutes=rng.choice([0, 5]),
            buffer_after_minutes=rng.choice([5, 10, 15]),
            min_notice_hours=rng.choice([12, 24]),
            booking_window_days=rng.choice([60, 90]),
            max_per_day=rng.choice([5, 6]),
            max_per_week=rng.choice([20, 25]),
            slot_step_minutes=rng.choice([15, 30]),
        )
        for t in therapists
    )
    hours: dict[int, dict[int, list[tuple[time, time, Location]]]] = defaultdict(dict)
    rules = []
    for t in therapists:
        places = rng.sample(studios, rng.choice([2, 3]))
        for weekday in range(5):
            morning, afternoon = places[weekday % len(places)], places[(weekday + 1) % len(places)]
            ranges = [(time(9), time(13, 30), morning), (time(15), time(19, 30), afternoon)]
            hours[t.pk][weekday] = ranges
            rules += [
                AvailabilityRule(practitioner=t, weekday=weekday, start_time=a, end_time=b, location=loc)
                for a, b, loc in ranges
            ]
    AvailabilityRule.objects.bulk_create(rules)

    today = timezone.localdate(timezone.now(), ZONE)
    overrides = []
    for t in therapists:
        off = today + timedelta(days=rng.randrange(-DAYS_BACK, DAYS_AHEAD))
        overrides.append(_override(t, off, 7, "blocked", "Holiday"))
        for _ in range(6):
            day = today + timedelta(days=rng.randrange(-60, 90))
            start = wall_time_to_utc(day, time(rng.choice([9, 15])), ZONE)
            overrides.append(
                AvailabilityOverride(
                    practitioner=t, kind="blocked", starts_at=start, ends_at=start + timedelta(hours=4)
                )
            )
    AvailabilityOverride.objects.bulk_create(overrides)

    massage = TherapyType.objects.create(title="Massage", slug="massage", currency="EUR")
    massage.therapists.set(therapists)
    massage.rooms.set(rooms)
    TherapyDuration.objects.bulk_create(
        [TherapyDuration(therapy_type=massage, minutes=m, price=Decimal(p)) for m, p in [(60, "60"), (90, "85")]]
    )
    for title in ["Osteopathy", "Ayurveda consultation"]:
        other = TherapyType.objects.create(title=title, slug=title.lower().split()[0], currency="EUR")
        other.therapists.set(rng.sample(therapists, 15))
        other.rooms.set(rng.sample(rooms, 6))
        TherapyDuration.objects.create(therapy_type=other, minutes=60, price=Decimal("70"))
    online = TherapyType.objects.create(title="Counselling", slug="counselling", is_online=True, currency="EUR")
    online.therapists.set(rng.sample(therapists, 10))
    TherapyDuration.objects.create(therapy_type=online, minutes=50, price=Decimal("55"))

    _seed_history(rng, massage, therapists, hours, rooms, today)
    return massage, therapists


def _override(t: Practitioner, day: date, days: int, kind: str, note: str) -> AvailabilityOverride:
    start = wall_time_to_utc(day, time(0), ZONE)
    end = wall_time_to_utc(day + timedelta(days=days), time(0), ZONE)
    return AvailabilityOverride(practitioner=t, kind=kind, starts_at=start, ends_at=end, note=note)


def _seed_history(rng, massage, therapists, hours, rooms, today) -> None:
    clients = User.objects.bulk_create(
        (User(email=f"client{i}@bench.example.com", display_name=f"Client {i}", password="!") for i in range(CLIENTS)),
        batch_size=BATCH,
    )
    settings = {s.practitioner_id: s for s in TherapistSettings.objects.all()}
    rooms_at: dict[int, list[Room]] = defaultdict(list)
    for room in rooms:
        rooms_at[room.location_id].append(room)
    holds: list[Occupancy] = []
    bookings: list[Booking] = []
    now = timezone.now()
    for offset in range(-DAYS_BACK, DAYS_AHEAD):
        day = today + timedelta(days=offset)
        if day.weekday() > 4:
            continue
        room_busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for t in therapists:
            if rng.random() < 0.3:  # not every day is full
                continue
            cfg = settings[t.pk]
            for at in sorted(rng.sample(STARTS, SESSIONS_PER_DAY)):
                start = wall_time_to_utc(day, at, ZONE)
                end = start + timedelta(minutes=60)
                held = (
                    start - timedelta(minutes=cfg.buffer_before_minutes),
                    end + timedelta(minutes=cfg.buffer_after_minutes),
                )
                location = next(loc for a, b, loc in hours[t.pk][day.weekday()] if a <= at < b)
                room = next(
                    (r for r in rooms_at[location.pk] if all(held[1] <= s or e <= held[0] for s, e in room_busy[r.pk])),
                    None,
                )
                if room is None:
                    continue
                room_busy[room.pk].append(held)
                roll = rng.random()
                past = start < now
                if roll < 0.05:
                    status = BookingStatus.CANCELLED
                elif past:
                    status = BookingStatus.NO_SHOW if roll < 0.07 else BookingStatus.COMPLETED
                else:
                    status = BookingStatus.REQUESTED if roll < 0.15 else BookingStatus.CONFIRMED
                hold = None
                if status != BookingStatus.CANCELLED:
                    hold = Occupancy(
                        kind=OccupancyKind.APPOINTMENT,
                        practitioner=t,
                        room=room,
                        starts_at=held[0],
                        ends_at=held[1],
                        is_tentative=status == BookingStatus.REQUESTED,
                    )
                    holds.append(hold)
                bookings.append(
                    Booking(
                        reference=f"SH-{len(bookings):09d}",  # random ones collide at this count
                        client=rng.choice(clients),
                        therapy_type=massage,
                        practitioner=t,
                        starts_at=start,
                        ends_at=end,
                        location=location,
                        room=room,
                        occupancy=hold,
                        status=status,
                        respond_by=start - timedelta(hours=24) if status == BookingStatus.REQUESTED else None,
                        unit_price=Decimal("60.00"),
                        total=Decimal("60.00"),
                        currency="EUR",
                    )
                )
    log(f"slots: inserting {len(holds):,} occupied times and {len(bookings):,} bookings")
    for i in range(0, len(holds), BATCH):
        Occupancy.objects.bulk_create(holds[i : i + BATCH])
    for i in range(0, len(bookings), BATCH):
        Booking.objects.bulk_create(bookings[i : i + BATCH])


def _month_after(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def run(db) -> dict:
    rng = random.Random(20261123)
    log(f"slots: seeding {THERAPISTS} therapists with two years of sessions")
    massage, therapists = seed(rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rows = Occupancy.objects.count()
    today = timezone.localdate(timezone.now(), ZONE)
    month = _month_after(today)
    first, last = month, month + timedelta(days=29)
    now = timezone.now()
    ids = [t.pk for t in therapists]

    turn = iter(range(10**9))

    def one():  # a different therapist each call: some work at two studios, some at three
        pick = ids[next(turn) % len(ids)]
        return slots_for(massage, minutes=60, practitioner_ids=[pick], first_day=first, last_day=last, now=now)

    def every():
        return slots_for(massage, minutes=60, practitioner_ids=ids, first_day=first, last_day=last, now=now)

    found = every()
    offered = sum(len(f.slots) for f in found)
    if not offered:
        raise AssertionError("slots: no free slot for anyone next month; the seed is wrong")
    log(f"slots: {rows:,} occupied times; {offered:,} free starts for {len(found)} therapists, {first}..{last}")

    log(f"slots: one therapist's month x {REPEAT_ONE}")
    timing_one = time_calls(one, warmup=5, repeat=REPEAT_ONE)
    log(f"slots: all {THERAPISTS} therapists' month x {REPEAT_ALL}")
    timing_all = time_calls(every, warmup=2, repeat=REPEAT_ALL)

    client = Client()
    url = f"{reverse('bookings:therapy_type', args=[massage.slug])}?minutes=60&month={month:%Y-%m}"
    response = client.get(url)
    if response.status_code != 200 or b"data-day" not in response.content:
        raise AssertionError(f"slots: GET {url} answered {response.status_code} without a month calendar")
    log(f"slots: GET {url} x {REPEAT_PAGE}")
    timing_page = time_calls(lambda: client.get(url), warmup=2, repeat=REPEAT_PAGE)

    few = count_queries(
        lambda: slots_for(massage, minutes=60, practitioner_ids=ids[:1], first_day=first, last_day=first, now=now)
    )
    for label, value, target in [
        ("one_therapist_month_ms", timing_one.median_ms, TARGETS["one_therapist_month_ms"]),
        ("all_therapists_month_ms", timing_all.median_ms, TARGETS["all_therapists_month_ms"]),
    ]:
        log(f"slots target {label}: {value} ms < {target} ms: {'met' if value < target else 'NOT MET'}")
    same = timing_one.queries == timing_all.queries == few
    log(
        f"slots target: same queries for 1 and {THERAPISTS} therapists, a day or a month: "
        f"{'met' if same else 'NOT MET'}"
    )
    return {
        "therapists": THERAPISTS,
        "one_therapist_month_ms": timing_one.median_ms,
        "all_therapists_month_ms": timing_all.median_ms,
        "queries_one": timing_one.queries,
        "queries_all": timing_all.queries,
        "calendar_page_ms": timing_page.median_ms,
        "calendar_page_queries": timing_page.queries,
        "occupied_rows": rows,
        "p95_one_ms": timing_one.p95_ms,
        "p95_all_ms": timing_all.p95_ms,
    }
