"""Section "reports": the monthly money and occupancy reports over two years of classes, and ten times that.

The timetable bench's studio and sessions (timetable.seed_studio and week_sessions: 196
sessions a week for two years, about 20,000), each with one booking holding its taken
spots, paid in cash a few days before the class (a succeeded Payment), and one in
twenty of those paid back (a Refund). The owner asks for one calendar month (the third
before the current one): the selectors the pages call (money_report, occupancy_report),
timed without the page around them (the session and message middleware make the page's
query count vary by one between identical requests); each page is fetched once first
through Django's test Client to check it answers.

A copy of the database then gets nine times as many sessions, bookings and payments in the
weeks outside that month (the 10x history), written with COPY. The month's own rows are
the same in both, so the reports should cost the same: the same queries, and time within
2x (TARGETS), each under 300 ms. Both are timed in alternating blocks
(measure.time_alternating).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from bookings.models import Booking
from bookings.reports.period import Period
from bookings.reports.selectors import occupancy_report
from payments.models import Payment, Refund
from payments.reports.selectors import money_report
from schedules.models import ClassSession
from schedules.selectors import week_start_of
from tests.bench.db import BenchDatabase
from tests.bench.measure import log, time_alternating
from tests.bench.timetable import (
    OTHER_WEEK_SESSIONS,
    SCALE,
    Studio,
    seed_studio,
    use_database,
    week_sessions,
)

WEEKS_BEFORE, WEEKS_AFTER = 78, 25  # as the timetable's: two years around this week
CLIENTS = 400
WARMUP, REPEAT = 10, 60
TARGETS = {"median_ms": 300.0, "ratio_10x": 2.0}  # from the issue; checked and logged, not enforced


def copy_rows(model: type[Model], rows: Iterable[dict]) -> None:
    """COPY rows (values by attname) into the model's table; a column they leave out gets the field's default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: f.get_db_prep_save(
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(), connection
        )
        for f in fields
    }
    attnames = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        # The rows are made while they stream: longer than a web request's statement timeout.
        cursor.execute("SET statement_timeout = 0")
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] if name in row else defaults[name] for name in attnames])
        cursor.execute("RESET statement_timeout")


def vacuum_analyze() -> None:
    """Fresh statistics (as the timetable bench), without the web's statement timeout."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")


def the_month(today: date) -> tuple[date, date]:
    """The calendar month three months before this one: well inside the history."""
    first = today.replace(day=1)
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def weeks(shown: date, *, skip: tuple[date, date] | None = None) -> list[date]:
    """The Mondays of two years around ``shown``, without those whose week touches ``skip``."""
    found = [shown + timedelta(weeks=w) for w in range(-WEEKS_BEFORE, WEEKS_AFTER + 1)]
    if skip:
        found = [m for m in found if m + timedelta(days=6) < skip[0] or m > skip[1]]
    return found


def sessions_for(studio: Studio, rng: random.Random, mondays: list[date], per_week: list[int]) -> Iterator[dict]:
    for monday, count in zip(mondays, per_week, strict=True):
        yield from week_sessions(studio, rng, monday, count)


def money_for(session_rows: Iterable[tuple], clients: list[int], rng: random.Random, start_ref: int):
    """One booking per session holding its taken spots (a party), its payment, and a refund in twenty."""
    bookings, payments, refunds = [], [], []
    for i, (pk, starts_at, taken, price, currency) in enumerate(session_rows):
        if not taken:
            continue
        total = price * taken
        paid_at = starts_at - timedelta(days=rng.randrange(1, 6), minutes=rng.randrange(600))
        refunded = total if rng.random() < 0.05 else Decimal("0.00")
        bookings.append(
            {
                "reference": f"B{start_ref + i:011d}",
                "client_id": rng.choice(clients),
                "class_session_id": pk,
                "status": "completed" if starts_at < timezone.now() else "confirmed",
                "quantity": taken,
                "unit_price": price,
                "total": total,
                "currency": currency,
                "amount_paid": total,
                "amount_refunded": refunded,
            }
        )
        payments.append(
            {"amount": total, "currency": currency, "method": "cash", "status": "succeeded", "succeeded_at": paid_at}
        )
        refunds.append(refunded)
    return bookings, payments, refunds


def add_money(session_ids_after: int, clients: list[int], rng: random.Random) -> None:
    """Bookings, payments and refunds for every session with an id above ``session_ids_after``."""
    rows = ClassSession.objects.filter(pk__gt=session_ids_after).order_by("pk")
    rows = rows.values_list("pk", "starts_at", "spots_taken", "price", "currency")
    last_booking = Booking.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    bookings, payments, refunds = money_for(list(rows), clients, rng, start_ref=session_ids_after)
    copy_rows(Booking, bookings)
    booking_ids = list(Booking.objects.filter(pk__gt=last_booking).order_by("pk").values_list("pk", flat=True))
    last_payment = Payment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    copy_rows(Payment, ({**p, "booking_id": b} for p, b in zip(payments, booking_ids, strict=True)))
    # Read before the COPY starts: the connection cannot run a query while it copies.
    paid = list(
        Payment.objects.filter(pk__gt=last_payment).order_by("pk").values_list("pk", "booking_id", "succeeded_at")
    )
    copy_rows(
        Refund,
        (
            {
                "payment_id": pk,
                "booking_id": booking,
                "amount": amount,
                "currency": "EUR",
                "status": "succeeded",
                "method": "cash",
                "succeeded_at": at + timedelta(days=1),
            }
            for (pk, booking, at), amount in zip(paid, refunds, strict=True)
            if amount
        ),
    )


def run(db: BenchDatabase) -> dict:
    rng = random.Random(20261203)
    studio = seed_studio()
    today = timezone.localdate(timezone.now(), studio.zone)
    shown = week_start_of(today)
    first, last = the_month(today)
    clients = [
        u.pk
        for u in User.objects.bulk_create(
            [
                User(email=f"client{i}@bench.example.com", display_name=f"Client {i}", password="!")
                for i in range(CLIENTS)
            ]
        )
    ]
    owner = User.objects.create(email="owner@bench.example.com", display_name="Owner", password="!", is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.OWNER))

    mondays = weeks(shown)
    log(f"reports: seeding {OTHER_WEEK_SESSIONS} sessions a week over {len(mondays)} weeks, with bookings and payments")
    copy_rows(ClassSession, sessions_for(studio, rng, mondays, [OTHER_WEEK_SESSIONS] * len(mondays)))
    add_money(0, clients, rng)
    vacuum_analyze()
    totals = {"sessions": ClassSession.objects.count(), "payments": Payment.objects.count()}

    client = Client()
    client.force_login(owner)
    query = f"?first={first.isoformat()}&last={last.isoformat()}"
    urls = {
        "money": reverse("payments:report_money") + query,
        "occupancy": reverse("bookings:report_occupancy") + query,
    }
    for url in urls.values():
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")

    connection.close()
    big_db = db.copy("10x")
    try:
        use_database(big_db)
        history = weeks(shown, skip=(first, last))
        extra = (SCALE - 1) * totals["sessions"]
        per_week = [extra // len(history) + (i < extra % len(history)) for i in range(len(history))]
        log(f"reports: adding {extra:,} sessions (and their money) outside {first}..{last} (in {big_db})")
        before = ClassSession.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        copy_rows(ClassSession, sessions_for(studio, rng, history, per_week))
        add_money(before, clients, rng)
        vacuum_analyze()
        totals_10x = {"sessions": ClassSession.objects.count(), "payments": Payment.objects.count()}
        results = {}
        period = Period(first, last, studio.zone)
        reports = {
            "money": lambda: money_report(viewer=owner, period=period),
            "occupancy": lambda: occupancy_report(viewer=owner, period=period),
        }
        for name, report in reports.items():
            log(f"reports: {name} of {first}..{last}, {WARMUP} warm-up + {REPEAT} timed calls, 1x and 10x")
            results[name] = time_alternating(
                report,
                {"1x": lambda: use_database(db.name), "10x": lambda: use_database(big_db)},
                warmup=WARMUP,
                repeat=REPEAT,
            )
    finally:
        use_database(db.name)

    figures: dict = {"month": f"{first}..{last}", **{f"{k}_total": v for k, v in totals.items()}}
    figures |= {f"{k}_total_10x": v for k, v in totals_10x.items()}
    for name, timings in results.items():
        base, big = timings["1x"], timings["10x"]
        ratio = big.median_ms / base.median_ms
        log(
            f"reports {name}: median {base.median_ms} ms ({base.queries} queries), 10x {big.median_ms} ms "
            f"({big.queries} queries); under {TARGETS['median_ms']} ms: "
            f"{'met' if max(base.median_ms, big.median_ms) < TARGETS['median_ms'] else 'NOT MET'}; "
            f"10x/1x {ratio:.2f} <= {TARGETS['ratio_10x']}: {'met' if ratio <= TARGETS['ratio_10x'] else 'NOT MET'}"
        )
        figures |= {
            f"{name}_median_ms": base.median_ms,
            f"{name}_queries": base.queries,
            f"{name}_p95_ms": base.p95_ms,
            f"{name}_median_ms_10x": big.median_ms,
            f"{name}_queries_10x": big.queries,
            f"{name}_p95_ms_10x": big.p95_ms,
        }
    return figures
