"""Section "notifications": the reminder sweep and outbox delivery by a real Celery worker.

- reminder sweep: 10,000 confirmed bookings in classes starting within the next 24
  hours, booked days before, so every one is due; ``send_due_reminders()`` is timed
  once (it writes an in-app and an e-mail row per booking and offset, and queues a
  delivery task per row after the commit), then again: the second run must write
  nothing.
- delivery: a local SMTP sink (aiosmtpd, in this process) and a real Celery worker
  (prefork, two processes) on the benchmark database, Redis database 13 as broker.
  Every one of the first EMAILS pending e-mail rows is published twice (a redelivery),
  and the clock runs from the first publish to the last row marked sent. Each message
  the sink receives carries its row's id (X-Shala-Notification): received minus
  distinct ids is ``duplicates_sent`` (must be 0).

The worker, its Redis database and the data are removed afterwards.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from email.parser import BytesHeaderParser
from pathlib import Path

from tests.bench.measure import bench_redis_url, free_port, log

ROOT = Path(__file__).resolve().parents[2]
USERS = 500
SESSIONS = 20  # USERS x SESSIONS = 10,000 bookings
SESSION_SPACING = timedelta(minutes=70)  # first at +30 min, last at +22 h 40 min
EMAILS = 2000  # e-mail rows delivered in the throughput part (each published twice); about 20/s here
DELIVERY_TIMEOUT_S = 180


class Sink:
    """SMTP handler: counts the messages it accepts and keeps each one's outbox id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._lock = threading.Lock()
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        headers = self._parser.parsebytes(envelope.original_content or envelope.content)
        with self._lock:
            self.ids.append(headers.get("X-Shala-Notification", ""))
        return "250 Message accepted for delivery"


def _seed(now) -> int:
    """USERS clients, each booked (confirmed, two days ago) into SESSIONS classes within 24 h."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from bookings.models import Booking, BookingStatus
    from schedules.models import ClassSession, ClassType, Location, Practitioner, Room

    location = Location.objects.create(name="Bench studio", slug="bench", time_zone="Europe/Madrid")
    room = Room.objects.create(location=location, name="Big room", capacity=1000)
    teacher_user = User.objects.create(email="teacher@bench.example", password=make_password(None))
    teacher = Practitioner.objects.create(
        user=teacher_user, slug="bench-teacher", public_name="Bench Teacher", is_instructor=True
    )
    kind = ClassType.objects.create(title="Bench Flow", slug="bench-flow", capacity=20, price=Decimal("12.00"))
    first = now.replace(microsecond=0) + timedelta(minutes=30)
    sessions = ClassSession.objects.bulk_create(
        [
            ClassSession(
                class_type=kind,
                location=location,
                room=room,
                instructor=teacher,
                starts_at=first + i * SESSION_SPACING,
                ends_at=first + i * SESSION_SPACING + timedelta(hours=1),
                capacity=USERS,
                spots_taken=USERS,
                price=kind.price,
            )
            for i in range(SESSIONS)
        ]
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"client{i}@bench.example", password=password, display_name=f"Client {i}") for i in range(USERS)]
    )
    bookings = [
        Booking(
            client=user,
            class_session=session,
            status=BookingStatus.CONFIRMED,
            quantity=1,
            unit_price=kind.price,
            total=kind.price,
            currency="EUR",
            reference=f"BN-{s * USERS + u:07d}",
        )
        for s, session in enumerate(sessions)
        for u, user in enumerate(users)
    ]
    Booking.objects.bulk_create(bookings, batch_size=2000)
    # created_at is auto_now_add: booked two days ago, so every reminder offset is due.
    Booking.objects.update(created_at=now - timedelta(days=2))
    return len(bookings)


def _point_celery_at(redis_url: str) -> tuple:
    """Make this process publish to ``redis_url``; returns what to restore."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis_url
    app.conf.task_always_eager = False
    _reset_pool(app)
    return saved


def _reset_pool(app) -> None:
    # The producer pool keeps the broker URL it was made with: drop it so the next
    # publish connects to the URL now configured.
    pool = app.__dict__.get("_pool")
    if pool is not None:
        pool.force_close_all()
        app._pool = None


def _start_worker(database_url: str, redis_url: str, smtp_port: int) -> subprocess.Popen:
    from config.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_KEY_PREFIX": "shala-bench",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "config", "worker", "--concurrency", "2", "--pool", "prefork", "-Q", "celery"]
    command += ["--loglevel", "WARNING", "--hostname", f"bench-{os.getpid()}@%h"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {proc.returncode}")
        if app.control.ping(timeout=1.0):
            return proc
    _stop(proc)
    raise RuntimeError("the Celery worker did not answer a ping within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _sweeps(now) -> dict:
    from bookings.services import send_due_reminders
    from notifications.models import Notification

    log("notifications: sweep 1 (writes and queues the reminders)")
    start = time.perf_counter()
    rows = send_due_reminders(now=now)
    first_ms = (time.perf_counter() - start) * 1000
    log(f"notifications: {rows} outbox rows in {first_ms:.0f} ms; sweep 2 (must write none)")
    start = time.perf_counter()
    again = send_due_reminders(now=now)
    again_ms = (time.perf_counter() - start) * 1000
    in_table = Notification.objects.count()
    if again or in_table != rows:
        raise RuntimeError(f"the second sweep wrote {again} rows; {in_table} rows in the table for {rows} reported")
    return {
        "reminder_sweep_10k_ms": round(first_ms, 1),
        "rows_written": rows,
        "reminder_sweep_again_ms": round(again_ms, 1),
        "rows_written_again": again,
    }


def _wait_delivered(last_pk: int, count: int, redis_client) -> int:
    """Poll until the ``count`` e-mail rows up to ``last_pk`` are sent and the queue is empty."""
    from notifications.models import Channel, Notification, OutboxStatus

    rows = Notification.objects.filter(channel=Channel.EMAIL, pk__lte=last_pk)
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    next_log = time.monotonic() + 10
    sent = 0
    while time.monotonic() < deadline:
        sent = rows.filter(status=OutboxStatus.SENT).count()
        if sent == count:
            break
        if rows.filter(status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING], attempts__gt=0).exists():
            error = rows.exclude(last_error="").values_list("last_error", flat=True).first()
            raise RuntimeError(f"a delivery failed: {error}")
        if time.monotonic() >= next_log:
            log(f"notifications: {sent}/{count} sent")
            next_log += 10
        time.sleep(0.2)
    else:
        raise RuntimeError(f"only {sent} of {count} e-mails were sent within {DELIVERY_TIMEOUT_S} s")
    # Let the redelivered copies run too (each must find its row taken) before counting.
    drain = time.monotonic() + 30
    while time.monotonic() < drain and (redis_client.llen("celery") or redis_client.hlen("unacked")):
        time.sleep(0.2)
    time.sleep(0.5)
    return sent


def _delivery(db, redis_url: str, redis_client) -> dict:
    from aiosmtpd.controller import Controller
    from django.db.models import Max
    from django.utils import timezone

    from notifications.models import Channel, Notification, OutboxStatus
    from notifications.tasks import deliver_notification

    ids = list(
        Notification.objects.filter(channel=Channel.EMAIL, status=OutboxStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:EMAILS]
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker = None
    try:
        log(f"notifications: starting a Celery worker (SMTP sink on 127.0.0.1:{port})")
        worker = _start_worker(db.url, redis_url, port)
        log(f"notifications: publishing {len(ids)} deliveries, each twice")
        started = timezone.now()
        for pk in ids:
            deliver_notification.delay(pk=pk)
            deliver_notification.delay(pk=pk)  # a redelivery: must not send a second e-mail
        published_s = (timezone.now() - started).total_seconds()
        log(f"notifications: published in {published_s:.1f} s; waiting for the worker")
        sent = _wait_delivered(ids[-1], len(ids), redis_client)
    finally:
        if worker is not None:
            _stop(worker)
        controller.stop()
    last_sent = Notification.objects.filter(pk__in=ids).aggregate(last=Max("sent_at"))["last"]
    seconds = (last_sent - started).total_seconds()
    received = len(sink.ids)
    distinct = len(set(sink.ids))
    unknown = set(sink.ids) - {str(pk) for pk in ids}
    if unknown:
        raise RuntimeError(f"the sink received {len(unknown)} messages for rows not published")
    log(f"notifications: {sent} rows sent, {received} e-mails received ({distinct} distinct) in {seconds:.1f} s")
    return {
        "emails": len(ids),
        "publishes": 2 * len(ids),
        "publish_s": round(published_s, 1),
        "delivery_s": round(seconds, 1),
        "outbox_rows_per_s": round(sent / seconds, 1),
        "emails_per_s": round(received / seconds, 1),
        "emails_received": received,
        "duplicates_sent": received - distinct,
    }


def run(db) -> dict:
    import redis
    from django.utils import timezone

    from config.celery import app

    now = timezone.now()
    log(f"notifications: seeding {USERS * SESSIONS} bookings")
    bookings = _seed(now)
    redis_url = bench_redis_url()
    redis_client = redis.Redis.from_url(redis_url)
    redis_client.flushdb()
    saved = _point_celery_at(redis_url)
    try:
        results = {"bookings": bookings, **_sweeps(now)}
        results["tasks_queued_by_sweep"] = redis_client.llen("celery")
        redis_client.flushdb()  # those tasks are not what the throughput part times
        results.update(_delivery(db, redis_url, redis_client))
    finally:
        _reset_pool(app)
        app.conf.broker_url, app.conf.task_always_eager = saved
        redis_client.flushdb()
    if results["duplicates_sent"]:
        log(f"notifications: {results['duplicates_sent']} DUPLICATE e-mails sent")
    return results
