"""The money reports' reads: a fixed number of grouped queries whatever the period's length.

Each reads through an index on its time column (the ledger's ``succeeded_at``, the class
session's ``starts_at``), so a month costs the same with two years of history or twenty.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from bookings.models import Booking
from bookings.reports.period import Period
from bookings.reports.queries import ATTENDED, HELD
from bookings.transitions import Status
from payments.models import Method, Payment, PaymentStatus, Refund, RefundStatus
from payments.pay_rules import InstructorPayRule
from payments.reports import pay
from payments.reports.money import CLASS, PAYMENT, REFUND, THERAPY, ZERO, Balances, LedgerRow
from payments.selectors import with_balance
from schedules.models import ClassSession, SessionStatus

# Bookings that owe (or owed) something: those that kept their place, and ended ones with a fee.
OWING = [Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED]


def _ledger(rows: QuerySet, kind: str, period: Period) -> list[LedgerRow]:
    rows = rows.filter(
        status=PaymentStatus.SUCCEEDED if kind == PAYMENT else RefundStatus.SUCCEEDED,
        succeeded_at__gte=period.start,
        succeeded_at__lt=period.end,
        currency=settings.DEFAULT_CURRENCY,
    )
    if period.location_id:
        rows = rows.filter(
            Q(booking__class_session__location_id=period.location_id) | Q(booking__location_id=period.location_id)
        )
    grouped = (
        rows.annotate(
            day=TruncDate("succeeded_at", tzinfo=period.zone),
            product=Case(
                When(booking__class_session__isnull=False, then=Value(CLASS)),
                default=Value(THERAPY),
                output_field=CharField(),
            ),
            instructor=Coalesce("booking__class_session__instructor__public_name", Value("")),
            therapist=Coalesce("booking__practitioner__public_name", Value("")),
            way=F("method"),
        )
        .values("day", "product", "instructor", "therapist", "way")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    return [
        LedgerRow(r["day"], kind, r["product"], r["instructor"], r["therapist"], r["way"], r["total"], r["n"])
        for r in grouped
    ]


def ledger_rows(period: Period) -> list[LedgerRow]:
    """Payments taken and refunds paid back in the period, summed per day, product, person, method: two queries."""
    payments = Payment.objects.exclude(method=Method.PASS_CREDIT)
    return _ledger(payments, PAYMENT, period) + _ledger(Refund.objects.all(), REFUND, period)


def balances(period: Period) -> Balances:
    """Fees, refunds owed and balances due of the period's bookings: two queries (classes, therapy)."""
    classes = Booking.objects.filter(
        class_session__starts_at__gte=period.start, class_session__starts_at__lt=period.end
    )
    therapy = Booking.objects.filter(class_session__isnull=True, starts_at__gte=period.start, starts_at__lt=period.end)
    if period.location_id:
        classes = classes.filter(class_session__location_id=period.location_id)
        therapy = therapy.filter(location_id=period.location_id)
    sums: dict[str, Decimal] = {"fees": ZERO, "owed": ZERO, "due": ZERO}
    owing = 0
    for bookings in (classes, therapy):
        found = (
            with_balance(bookings.filter(status__in=OWING, currency=settings.DEFAULT_CURRENCY))
            .order_by()
            .aggregate(
                fees=Sum("fee_charged"),
                owed=Sum("amount_refund_pending"),
                due=Sum("balance_due", filter=Q(balance_due__gt=0)),
                owing=Count("pk", filter=Q(balance_due__gt=0)),
            )
        )
        owing += found.pop("owing") or 0
        for key, value in found.items():
            sums[key] += value or ZERO
    return Balances(fees_charged=sums["fees"], refunds_owed=sums["owed"], outstanding=sums["due"], owing_bookings=owing)


def classes_taught(period: Period, *, until: datetime, instructor_id: int | None = None):
    """Classes held in the period that ended by ``until``, with heads and revenue: three queries.

    Returns (rows, instructors' names, their rules).
    """
    sessions = ClassSession.objects.filter(
        starts_at__gte=period.start,
        starts_at__lt=period.end,
        ends_at__lte=until,
        status=SessionStatus.SCHEDULED,
        instructor__isnull=False,
    )
    if period.location_id:
        sessions = sessions.filter(location_id=period.location_id)
    if instructor_id:
        sessions = sessions.filter(instructor_id=instructor_id)
    found = list(sessions.values("pk", "starts_at", "class_type__title", "instructor_id", "instructor__public_name"))
    sums: dict[int, Any] = {
        r["class_session_id"]: r
        for r in Booking.objects.filter(class_session_id__in=[s["pk"] for s in found])
        .values("class_session_id")
        .annotate(
            heads=Sum("quantity", filter=Q(status__in=HELD) & ATTENDED),
            revenue=Sum(F("amount_paid") - F("amount_refunded")),
        )
        .order_by()
    }
    rows = [
        pay.ClassTaught(
            s["instructor_id"],
            s["starts_at"].astimezone(period.zone),
            s["class_type__title"],
            (sums.get(s["pk"]) or {}).get("heads") or 0,
            (sums.get(s["pk"]) or {}).get("revenue") or ZERO,
        )
        for s in found
    ]
    names = {s["instructor_id"]: s["instructor__public_name"] for s in found}
    rules = {
        r.instructor_id: pay.Rule(r.basis, r.amount, r.share_percent)
        for r in InstructorPayRule.objects.filter(instructor_id__in=list(names))
    }
    return rows, names, rules
