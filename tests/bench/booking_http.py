"""Section "booking_http": booking throughput end to end over HTTP.

A real gunicorn server on the benchmark database, 32 concurrent keep-alive clients
(tests/bench/http_load.py) POSTing the booking form as logged-in clients:

- spread: bookings across many sessions (little contention);
- hot: every client racing for one session with fewer spots than attempts;
- baseline: the /healthz view (liveness, no query since issue 13; one query before)
  on the same server, by the same client, so `ratio` shows our own overhead per booking;
- floor: the same logged-in clients POSTing the same form with no party size, which
  books nothing (session, CSRF, user, form, message, redirect): the ceiling any
  booking could reach on this stack, as `floor_rps` and `floor_ratio`.

Then it counts oversold sessions: spots held by active bookings above capacity,
or a counter that disagrees with the bookings (must be 0). The server, its Redis
database (broker and cache, number 13) and the data are removed afterwards.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal

from tests.bench import http_load, server
from tests.bench.measure import bench_redis_url, free_port, log, percentile

CLIENTS = 32
USERS = 600
SPREAD_SESSIONS = 200
SPREAD_CAPACITY = 15
SPREAD_ROUNDS = 5  # bookings per user in the spread run
HOT_CAPACITY = 400
HOT_ATTEMPTS = 600
BASELINE_REQUESTS = 6000
FLOOR_REQUESTS = 3000


def _seed():
    """Users with sessions and CSRF secrets, many sessions, one hot session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import BookingPolicy
    from schedules.models import ClassSession, ClassType, Location, Practitioner, Room

    BookingPolicy.objects.update_or_create(
        is_default=True,
        defaults={"name": "Bench", "booking_opens_days": 365, "cutoff_minutes": 0, "max_party_size": 4},
    )
    location = Location.objects.create(name="Bench studio", slug="bench", time_zone="Europe/Madrid")
    room = Room.objects.create(location=location, name="Big room", capacity=1000)
    teacher_user = User.objects.create(email="teacher@bench.example", password=make_password(None))
    teacher = Practitioner.objects.create(
        user=teacher_user, slug="bench-teacher", public_name="Bench Teacher", is_instructor=True
    )
    kind = ClassType.objects.create(title="Bench Flow", slug="bench-flow", capacity=20, price=Decimal("12.00"))
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)

    def session(i: int, capacity: int) -> ClassSession:
        at = start + timedelta(hours=2 * i)
        return ClassSession(
            class_type=kind,
            location=location,
            room=room,
            instructor=teacher,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            capacity=capacity,
            price=kind.price,
        )

    spread = ClassSession.objects.bulk_create([session(i, SPREAD_CAPACITY) for i in range(SPREAD_SESSIONS)])
    hot = ClassSession.objects.bulk_create([session(SPREAD_SESSIONS, HOT_CAPACITY)])[0]
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"client{i}@bench.example", password=password, display_name=f"Client {i}") for i in range(USERS)]
    )
    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append({"sessionid": store.session_key, "csrftoken": secrets.token_hex(16)})
    return spread, hot, cookies


def _start_server(port: int, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_KEY_PREFIX": "shala-bench",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }
    # Several processes with few threads each: booking requests are CPU-bound Python,
    # and threads of one process queue on the GIL. BENCH_GUNICORN_WORKERS/THREADS override.
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", 16))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", 2))
    return server.start_gunicorn(port, env, workers=workers, threads=threads)


def _booking_request(host: str, cookie: dict, session_id: int, quantity: str = "1") -> bytes:
    body = f"csrfmiddlewaretoken={cookie['csrftoken']}&quantity={quantity}&token={uuid.uuid4().hex}&note="
    return http_load.request("POST", f"/classes/{session_id}/book/", host=host, cookies=cookie, body=body)


def _summarise(result: http_load.Result) -> tuple[int, float, float, float]:
    booked = sum(1 for loc in result.locations if loc.startswith("/bookings/"))
    unexpected = sum(n for status, n in result.statuses.items() if status != 302)
    if unexpected or result.errors:
        raise RuntimeError(f"unexpected responses: {result.statuses}, connection errors: {result.errors}")
    return (
        booked,
        booked / result.elapsed_s,
        percentile(result.latencies_ms, 50),
        percentile(result.latencies_ms, 99),
    )


def _oversold(session_ids: list[int]) -> int:
    from django.db.models import Sum

    from bookings.models import Booking
    from bookings.transitions import ACTIVE_VALUES
    from schedules.models import ClassSession

    held = dict(
        Booking.objects.filter(class_session_id__in=session_ids, status__in=ACTIVE_VALUES)
        .values_list("class_session_id")
        .annotate(s=Sum("quantity"))
    )
    bad = 0
    for pk, taken, capacity in ClassSession.objects.filter(pk__in=session_ids).values_list(
        "pk", "spots_taken", "capacity"
    ):
        if held.get(pk, 0) > capacity or held.get(pk, 0) != taken:
            bad += 1
    return bad


def run(db) -> dict:
    import redis

    log("booking_http: seeding users, sessions and logged-in sessions")
    spread, hot, cookies = _seed()
    port, redis_url = free_port(), bench_redis_url()
    host = f"127.0.0.1:{port}"
    redis.Redis.from_url(redis_url).flushdb()
    log(f"booking_http: starting gunicorn on {host}")
    gunicorn = _start_server(port, db.url, redis_url)
    try:
        # Warm every worker's connections and caches.
        http_load.run("127.0.0.1", port, [[http_load.request("GET", "/healthz", host=host)] * 20] * CLIENTS)

        log("booking_http: baseline (one-query view)")
        baseline = http_load.run(
            "127.0.0.1",
            port,
            http_load.split_round_robin([http_load.request("GET", "/healthz", host=host)] * BASELINE_REQUESTS, CLIENTS),
        )
        baseline_rps = len(baseline.latencies_ms) / baseline.elapsed_s

        log("booking_http: floor (a logged-in POST of the form that books nothing)")
        empty = [_booking_request(host, cookies[u % USERS], spread[0].pk, quantity="") for u in range(FLOOR_REQUESTS)]
        floor = http_load.run("127.0.0.1", port, http_load.split_round_robin(empty, CLIENTS))
        if set(floor.statuses) != {302} or floor.errors or any(loc.startswith("/bookings/") for loc in floor.locations):
            raise RuntimeError(f"floor: unexpected responses {floor.statuses}, errors {floor.errors}")
        floor_rps = len(floor.latencies_ms) / floor.elapsed_s

        log("booking_http: spread bookings across many sessions")
        pairs = [
            (cookies[u], spread[(u + r * 7) % SPREAD_SESSIONS].pk) for r in range(SPREAD_ROUNDS) for u in range(USERS)
        ]
        requests = [_booking_request(host, cookie, sid) for cookie, sid in pairs]
        spread_result = http_load.run("127.0.0.1", port, http_load.split_round_robin(requests, CLIENTS))
        booked, per_s, p50, p99 = _summarise(spread_result)

        log("booking_http: everyone races for one hot session")
        hot_requests = [_booking_request(host, cookies[u], hot.pk) for u in range(HOT_ATTEMPTS)]
        hot_result = http_load.run("127.0.0.1", port, http_load.split_round_robin(hot_requests, CLIENTS))
        hot_booked, hot_per_s, _hot_p50, hot_p99 = _summarise(hot_result)
    finally:
        server.stop(gunicorn)
        redis.Redis.from_url(redis_url).flushdb()

    oversold = _oversold([s.pk for s in spread])
    hot_oversold = _oversold([hot.pk])
    log(f"booking_http: {booked} spread bookings, {hot_booked}/{HOT_CAPACITY} hot spots filled")
    if hot_booked != HOT_CAPACITY:
        raise RuntimeError(f"the hot session took {hot_booked} bookings for {HOT_CAPACITY} spots")
    return {
        "clients": CLIENTS,
        "bookings": booked,
        "bookings_per_s": round(per_s, 1),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "oversold": oversold,
        "hot_attempts": HOT_ATTEMPTS,
        "hot_bookings": hot_booked,
        "hot_bookings_per_s": round(hot_per_s, 1),
        "hot_p99_ms": round(hot_p99, 1),
        "hot_oversold": hot_oversold,
        "baseline_rps": round(baseline_rps, 1),
        "ratio": round(per_s / baseline_rps, 3),
        "floor_rps": round(floor_rps, 1),
        "floor_ratio": round(floor_rps / baseline_rps, 3),
    }
