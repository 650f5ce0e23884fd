"""Therapy series: plan and book a run of weekly sessions, cancel the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import (
    Booking,
    BookingSeries,
)
from bookings.services.core import PAGE, BookingError, RequestMeta, SlotTaken
from bookings.services.lifecycle import cancel_booking
from bookings.services.therapy import book_therapy, refusal_message
from bookings.transitions import ACTIVE_VALUES
from schedules.availability import Slot
from schedules.models import (
    Practitioner,
    TherapyType,
)
from schedules.recurrence import wall_time_to_utc
from schedules.slots import settings_for, slots_for, why_not_offered_each


@dataclass
class SeriesItem:
    """One occurrence of a planned series: free as asked, or the nearby free times instead."""

    index: int
    wanted: datetime
    free: bool
    alternatives: list[Slot] = field(default_factory=list)
    reason: str = ""  # why the asked time is not free (refusal_message), shown beside it


def series_starts(first: datetime, *, interval_weeks: int, count: int, zone) -> list[datetime]:
    """The same wall-clock time every ``interval_weeks`` (07:00 stays 07:00 across DST)."""
    local = timezone.localtime(first, zone)
    return [
        wall_time_to_utc(local.date() + timedelta(weeks=interval_weeks * i), local.time().replace(tzinfo=None), zone)
        for i in range(count)
    ]


def plan_series(
    *,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    first: datetime,
    interval_weeks: int,
    count: int,
    now: datetime | None = None,
) -> list[SeriesItem]:
    """Check every occurrence at once (one slot computation for the whole span)."""
    now = now or timezone.now()
    if interval_weeks not in (1, 2) or not 2 <= count <= 52:
        raise BookingError(_("A series is every week or every two weeks, for 2 to 52 sessions."))
    zone = settings_for(practitioner.pk).zone
    wanted = series_starts(first, interval_weeks=interval_weeks, count=count, zone=zone)
    found = slots_for(
        therapy_type,
        minutes=minutes,
        practitioner_ids=[practitioner.pk],
        first_day=timezone.localtime(wanted[0], zone).date(),
        last_day=timezone.localtime(wanted[-1], zone).date(),
        now=now,
    )[0]
    free = {s.start: s for s in found.slots}
    by_day: dict = {}
    for slot in found.slots:
        by_day.setdefault(timezone.localtime(slot.start, zone).date(), []).append(slot)
    items = []
    for i, start in enumerate(wanted):
        if start in free:
            items.append(SeriesItem(i, start, True))
            continue
        same_day = by_day.get(timezone.localtime(start, zone).date(), [])
        nearest = sorted(same_day, key=lambda s: abs(s.start - start))[:3]
        items.append(SeriesItem(i, start, False, sorted(nearest)))
    missed = [item for item in items if not item.free]
    whys = why_not_offered_each(practitioner_id=practitioner.pk, starts=[m.wanted for m in missed], minutes=minutes)
    for item, why in zip(missed, whys, strict=True):
        item.reason = refusal_message(why, practitioner.public_name)
    return items


@transaction.atomic
def book_series(
    *,
    client: User,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    starts: list[datetime],
    interval_weeks: int,
    note: str = "",
    intake: dict | None = None,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> BookingSeries:
    """Book every chosen time, all or nothing; each session is its own booking linked to the series."""
    if not 2 <= len(starts) <= 52 or len(set(starts)) != len(starts):
        raise BookingError(_("A series needs 2 to 52 different times."))
    series = BookingSeries.objects.create(
        client=client,
        practitioner=practitioner,
        therapy_type=therapy_type,
        interval_weeks=interval_weeks,
        count=len(starts),
    )
    for start in sorted(starts):
        try:
            book_therapy(
                client=client,
                therapy_type=therapy_type,
                minutes=minutes,
                practitioner=practitioner,
                starts_at=start,
                note=note,
                intake=intake,
                meta=meta,
                now=now,
                series=series,
            )
        except SlotTaken as exc:
            # book_therapy already said why (outside the hours, off the grid, taken): keep it.
            raise SlotTaken(
                _("%(when)s: %(why)s Nothing was booked. Please choose again.")
                % {
                    "when": timezone.localtime(start, settings_for(practitioner.pk).zone).strftime("%a %d %b %H:%M"),
                    "why": exc,
                },
                exc.alternatives,
            ) from None
    return series


def cancel_rest_of_series(*, booking: Booking, actor: User, reason: str = "", meta: RequestMeta = PAGE) -> int:
    """Cancel this session and every later active one of its series (each by the policy)."""
    if not booking.series_id:
        raise BookingError(_("This session is not part of a series."))
    rest = Booking.objects.filter(
        series_id=booking.series_id, starts_at__gte=booking.starts_at, status__in=ACTIVE_VALUES
    ).order_by("starts_at")
    count = 0
    with transaction.atomic():
        for item in rest:
            cancel_booking(booking=item, actor=actor, reason=reason, meta=meta)
            count += 1
    return count
