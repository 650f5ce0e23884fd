"""The reports' reads: a fixed number of grouped queries whatever the period's length."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from bookings.models import Booking, BookingEvent, RefundTier
from bookings.reports.clients import VISIT, BookingRow
from bookings.reports.occupancy import SessionRow
from bookings.reports.period import Period
from bookings.reports.therapists import AnswerRow, TherapySessionRow, merged_minutes
from bookings.transitions import ACTIVE_VALUES
from schedules.availability import open_time
from schedules.models import ClassSession, Practitioner, SessionStatus
from schedules.slots import load_calendars

HELD = [*ACTIVE_VALUES, "completed", "no_show"]  # bookings that kept a place in the class
ATTENDED = Q(status="completed") | Q(checked_in_at__isnull=False)


def occupancy_rows(period: Period) -> list[SessionRow]:
    """One row per class that took place (not cancelled) in the period: two queries."""
    sessions = ClassSession.objects.filter(
        starts_at__gte=period.start, starts_at__lt=period.end, status=SessionStatus.SCHEDULED
    )
    if period.location_id:
        sessions = sessions.filter(location_id=period.location_id)
    fields: tuple[str, ...] = ("pk", "starts_at", "capacity", "min_participants", "class_type__title")
    fields += ("class_type__min_participants", "instructor__public_name", "location__name")
    rows = list(sessions.values(*fields))
    held = {
        r["class_session_id"]: (r["booked"] or 0, r["attended"] or 0)
        for r in Booking.objects.filter(class_session_id__in=[s["pk"] for s in rows], status__in=HELD)
        .values("class_session_id")
        .annotate(booked=Sum("quantity"), attended=Sum("quantity", filter=ATTENDED))
    }
    return [
        SessionRow(
            starts_at=s["starts_at"].astimezone(period.zone),
            class_type=s["class_type__title"],
            instructor=s["instructor__public_name"] or "—",
            location=s["location__name"],
            capacity=s["capacity"],
            booked=held.get(s["pk"], (0, 0))[0],
            attended=held.get(s["pk"], (0, 0))[1],
            minimum=s["min_participants"] if s["min_participants"] is not None else s["class_type__min_participants"],
        )
        for s in rows
    ]


def _starts():
    return Coalesce("class_session__starts_at", "starts_at")


def _in_place(qs, period: Period):
    if period.location_id:
        return qs.filter(Q(class_session__location_id=period.location_id) | Q(location_id=period.location_id))
    return qs


def client_rows(period: Period) -> tuple[list[BookingRow], dict[int, datetime], dict[int, list[datetime]]]:
    """The period's bookings, every visitor's first visit, and first-timers' next 90 days: four queries."""
    free_hours = {
        t["policy_id"]: t["hours"]
        for t in RefundTier.objects.filter(refund_percent__gte=100)
        .values("policy_id")
        .annotate(hours=Min("min_hours_before"))
    }
    booked = _in_place(Booking.objects.annotate(begins=_starts()), period).filter(
        begins__gte=period.start, begins__lt=period.end
    )
    rows = [
        BookingRow(r["client_id"], r["begins"], r["status"], r["cancelled_at"], free_hours.get(r["policy_id"]))
        for r in booked.values("client_id", "begins", "status", "cancelled_at", "policy_id")
    ]
    visitors = {r.client_id for r in rows if r.status in VISIT}
    first_visit = dict(
        Booking.objects.filter(client_id__in=visitors, status__in=VISIT)
        .annotate(begins=_starts())
        .values("client_id")
        .annotate(first=Min("begins"))
        .values_list("client_id", "first")
    )
    new = [c for c, first in first_visit.items() if period.start <= first < period.end]
    later: dict[int, list[datetime]] = {}
    if new:
        horizon = period.end + timedelta(days=90)
        for client_id, begins in (
            Booking.objects.filter(client_id__in=new, status__in=VISIT)
            .annotate(begins=_starts())
            .filter(begins__gte=period.start, begins__lt=horizon)
            .values_list("client_id", "begins")
        ):
            later.setdefault(client_id, []).append(begins)
    return rows, first_visit, later


def inactive_clients(*, since: datetime, location_id: int | None = None):
    """Clients whose last visit was before ``since``: the win-back list (one query), oldest first."""
    visits = Booking.objects.filter(status__in=VISIT)
    if location_id:
        visits = visits.filter(Q(class_session__location_id=location_id) | Q(location_id=location_id))
    return (
        visits.annotate(begins=_starts())
        .values("client_id", "client__email", "client__display_name", "client__phone")
        .annotate(last_visit=Max("begins"), visits=Count("pk"))
        .filter(last_visit__lt=since, client__is_active=True)
        .order_by("last_visit")
    )


KEPT = ["confirmed", "completed", "no_show"]  # a therapy session that kept its time to the end
ANSWERS = ["confirmed", "declined", "expired"]


def therapist_rows(period: Period) -> tuple[dict[int, str], list[TherapySessionRow], dict[int, int], list[AnswerRow]]:
    """The therapists, their sessions, working minutes and answered requests: nine queries.

    Three of ours (therapists, sessions, answers) and the calendar loader's six (settings,
    weekly hours, exceptions, occupied time, imported busy time, closures), whatever the range.
    """
    names = dict(
        Practitioner.objects.filter(is_therapist=True).order_by("public_name").values_list("pk", "public_name")
    )
    sessions = Booking.objects.filter(
        therapy_type__isnull=False, status__in=KEPT, starts_at__gte=period.start, starts_at__lt=period.end
    )
    answers = BookingEvent.objects.filter(
        from_status="requested", to_status__in=ANSWERS, at__gte=period.start, at__lt=period.end
    ).filter(booking__therapy_type__isnull=False)
    if period.location_id:
        sessions = sessions.filter(location_id=period.location_id)
        answers = answers.filter(booking__location_id=period.location_id)
    session_rows = [
        TherapySessionRow(pid, int((end - start).total_seconds() // 60), paid - refunded)
        for pid, start, end, paid, refunded in sessions.values_list(
            "practitioner_id", "starts_at", "ends_at", "amount_paid", "amount_refunded"
        )
        if start and end
    ]
    answer_rows = [
        AnswerRow(pid, outcome, at - asked)
        for pid, outcome, at, asked in answers.values_list(
            "booking__practitioner_id", "to_status", "at", "booking__created_at"
        )
    ]
    return names, session_rows, _offered_minutes(list(names), period), answer_rows


def _offered_minutes(ids: list[int], period: Period) -> dict[int, int]:
    """Each therapist's working minutes in the period (weekly hours and extra hours, less time off and closures)."""
    if not ids:
        return {}
    calendars, _rooms = load_calendars(
        ids, first_day=period.first - timedelta(days=1), last_day=period.last + timedelta(days=1)
    )
    offered = {}
    for pid, cal in calendars.items():
        spans = []
        day = period.first - timedelta(days=1)
        while day <= period.last + timedelta(days=1):
            for start, end, location_id in open_time(cal, day):
                if period.location_id and location_id != period.location_id:
                    continue
                start, end = max(start, period.start), min(end, period.end)
                if start < end:
                    spans.append((start, end))
            day += timedelta(days=1)
        offered[pid] = merged_minutes(spans)
    return offered
