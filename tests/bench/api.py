"""Section "api": GET /api/v1/summary/ for one location and one month, on the timetable's bench data.

Seeds the timetable section's studio (three studios, seven rooms, eight class types,
twelve teachers) with next month's weeks at the timetable bench's density (196
sessions a week over all studios), and a massage given by eight therapists, five
days a week at the measured location. Then times the summary of next month at
"Shala Centro" with therapy_type=massage (every day's classes, free spots, and
whether massage has free time), anonymous, through Django's test Client with the
whole middleware stack: cold (the cache cleared before each request: the classes
counted in SQL, the therapy calendar computed) and warm (the classes' counts under the
timetable version and the free days, kept a minute, from the cache). The cold one
again after adding three times as many sessions to that month: the query count must
not change (TARGETS: median under 50 ms).
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from schedules.cache import bump_timetable_version
from schedules.models import AvailabilityRule, Location, Practitioner, TherapistSettings, TherapyDuration, TherapyType
from schedules.selectors import week_start_of
from tests.bench import timetable
from tests.bench.measure import log, time_calls

WEEK_SESSIONS = 196
THERAPISTS = 8
WARMUP, REPEAT = 10, 60
TARGETS = {"median_ms": 50.0}


def _seed_month(studio, rng: random.Random, month, per_week: int) -> None:
    monday = week_start_of(month)
    rows = []
    while monday < month + timedelta(days=31):
        rows += list(timetable.week_sessions(studio, rng, monday, per_week))
        monday += timedelta(days=7)
    timetable.insert_copy(rows)
    bump_timetable_version()  # COPY sends no signal: what a write through the services does


def _seed_massage(location: Location) -> TherapyType:
    massage = TherapyType.objects.create(title="Massage", slug="massage", currency="EUR")
    TherapyDuration.objects.create(therapy_type=massage, minutes=60, price=Decimal("60"))
    massage.rooms.set(location.rooms.all())
    for i in range(THERAPISTS):
        user = User.objects.create(email=f"therapist{i}@bench.example.com", display_name=f"T {i}", password="!")
        therapist = Practitioner.objects.create(user=user, slug=f"t-{i}", public_name=f"T {i}", is_therapist=True)
        TherapistSettings.objects.create(practitioner=therapist, time_zone="Europe/Madrid", booking_window_days=90)
        massage.therapists.add(therapist)
        for weekday in range(5):
            AvailabilityRule.objects.create(
                practitioner=therapist,
                weekday=weekday,
                start_time=time(9 + i % 3),
                end_time=time(14 + i % 3),
                location=location,
            )
    return massage


def run(db) -> dict:
    rng = random.Random(20261203)
    studio = timetable.seed_studio()
    today = timezone.localdate(timezone.now(), studio.zone)
    month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    location = Location.objects.get(slug="centro")
    _seed_month(studio, rng, month, WEEK_SESSIONS)
    massage = _seed_massage(location)
    client = Client()
    query = f"/api/v1/summary/?month={month:%Y-%m}&location=%s&therapy_type={massage.slug}"
    url = query % location.pk

    def cold():
        cache.clear()  # nothing cached: the classes counted, the therapy calendar computed
        return call()

    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"api: GET {url} answered {response.status_code}")
        return response

    body = call().json()
    sessions = sum(d["sessions"] for d in body["days"])
    free_days = sum(bool(d["free_therapy_time"]) for d in body["days"])
    log(f"api: {sessions} classes at Centro in {month:%Y-%m}, {free_days} days with free massage time; x {REPEAT}")
    base = time_calls(cold, warmup=WARMUP, repeat=REPEAT)
    warm = time_calls(call, warmup=WARMUP, repeat=REPEAT)

    _seed_month(studio, rng, month, 3 * WEEK_SESSIONS)
    more = sum(d["sessions"] for d in call().json()["days"])
    log(f"api: {more} classes at Centro after adding three times as many; x {REPEAT}")
    dense = time_calls(cold, warmup=WARMUP, repeat=REPEAT)
    if dense.queries != base.queries:
        log(f"api: WARNING queries grew with the sessions: {base.queries} -> {dense.queries}")
    if base.median_ms > TARGETS["median_ms"]:
        log(f"api: WARNING median {base.median_ms} ms over the target {TARGETS['median_ms']} ms")
    return {
        "url": query % "<centro>",
        "sessions_in_month": sessions,
        "median_ms": base.median_ms,
        "p95_ms": base.p95_ms,
        "queries": base.queries,
        "cached_median_ms": warm.median_ms,
        "cached_queries": warm.queries,
        "sessions_in_month_4x": more,
        "median_ms_4x": dense.median_ms,
        "p95_ms_4x": dense.p95_ms,
        "queries_4x": dense.queries,
        "targets": TARGETS,
    }
