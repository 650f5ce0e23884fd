"""Money: what the studio took and gave back, by day, week or month, product, instructor and therapist.

Pure: it sums rows the queries produced (the ledger already summed per local day, product,
person and method), so every figure here is tested with hand-made rows. Money taken is a
succeeded payment on the day it succeeded; money given back is a refund on the day it was
paid back; a refund still owed is a liability, shown apart. Pass credit is not money taken
(the pass sale was), so the queries leave it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")
PAYMENT, REFUND = "payment", "refund"
# The products the studio sells today; passes and memberships join when they exist (a
# column that could only ever show zeros is left out).
CLASS, THERAPY = "class", "therapy"
PRODUCTS = (CLASS, THERAPY)
GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class LedgerRow:
    """Payments (or refunds) of one local day, product, person and method, summed."""

    day: date
    kind: str  # PAYMENT or REFUND
    product: str  # CLASS or THERAPY
    instructor: str  # the class's instructor ("" for therapy or a class without one)
    therapist: str  # the session's therapist ("" for a class)
    method: str
    amount: Decimal
    count: int


@dataclass
class Line:
    label: str
    taken: Decimal = ZERO
    refunded: Decimal = ZERO
    payments: int = 0
    refunds: int = 0

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded

    def add(self, row: LedgerRow) -> None:
        if row.kind == PAYMENT:
            self.taken += row.amount
            self.payments += row.count
        else:
            self.refunded += row.amount
            self.refunds += row.count


@dataclass(frozen=True)
class Balances:
    """Of the bookings that took place in the period (or were cancelled with a fee)."""

    fees_charged: Decimal  # late-cancellation and no-show fees
    refunds_owed: Decimal  # refunds promised and not yet paid back
    outstanding: Decimal  # what clients still owe
    owing_bookings: int


@dataclass
class Money:
    total: Line
    grain: str
    by_period: list[Line]  # every day, week or month of the range in order, empty ones included
    by_product: list[Line]
    by_instructor: list[Line]
    by_therapist: list[Line]
    by_method: list[Line]
    balances: Balances
    period_starts: list[date] = field(default_factory=list)  # the first day of each by_period line

    @property
    def top(self) -> Decimal:
        """The largest amount taken in one line of by_period: the chart's scale."""
        return max((line.taken for line in self.by_period), default=ZERO)


def grain_for(first: date, last: date) -> str:
    """Days for up to two months, weeks for up to a year, months beyond: a readable chart."""
    days = (last - first).days + 1
    return "day" if days <= 62 else "week" if days <= 366 else "month"


def bucket(day: date, grain: str) -> date:
    """The first day of the day's bucket: itself, its ISO week's Monday, or its month's first."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def buckets(first: date, last: date, grain: str) -> list[date]:
    starts, day = [], bucket(first, grain)
    while day <= last:
        starts.append(day)
        day = (
            (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            if grain == "month"
            else day + timedelta(days=7 if grain == "week" else 1)
        )
    return starts


def summarise(
    rows: Iterable[LedgerRow],
    *,
    first: date,
    last: date,
    grain: str,
    balances: Balances,
    labels: dict[str, str],
) -> Money:
    """``labels``: the shown name of each product and method key (translated by the caller)."""
    starts = buckets(first, last, grain)
    periods = {start: Line(start.isoformat()) for start in starts}
    total = Line("")
    products = {p: Line(labels.get(p, p)) for p in PRODUCTS}
    instructors: dict[str, Line] = {}
    therapists: dict[str, Line] = {}
    methods: dict[str, Line] = {}
    for row in rows:
        total.add(row)
        periods[bucket(row.day, grain)].add(row)
        products.setdefault(row.product, Line(labels.get(row.product, row.product))).add(row)
        if row.product == CLASS:
            instructors.setdefault(row.instructor, Line(row.instructor)).add(row)
        if row.product == THERAPY:
            therapists.setdefault(row.therapist, Line(row.therapist)).add(row)
        methods.setdefault(row.method, Line(labels.get(row.method, row.method))).add(row)

    def busiest(lines: dict[str, Line]) -> list[Line]:
        return sorted(lines.values(), key=lambda line: (-line.net, line.label))

    return Money(
        total=total,
        grain=grain,
        by_period=[periods[s] for s in starts],
        by_product=list(products.values()),
        by_instructor=busiest(instructors),
        by_therapist=busiest(therapists),
        by_method=busiest(methods),
        balances=balances,
        period_starts=starts,
    )
