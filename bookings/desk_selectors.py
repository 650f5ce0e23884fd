"""Reads for the front desk's day: every class and therapy session of one local day, room by room.

The desk sees who is booked and whether they are in, never what a client told their
therapist: the therapy rows carry the client, the type, the therapist and the time, and
no intake answers or notes (issue 17: those are for the therapist and the owner only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.instructor_selectors import waiting_counts
from bookings.models import Booking
from bookings.permissions import sees_bookings
from bookings.transitions import ACTIVE_VALUES, Status
from schedules.models import ClassSession
from schedules.selectors import local_midnight

# Everyone the day expects: still active, or already closed as attended or absent.
EXPECTED = [*ACTIVE_VALUES, Status.COMPLETED.value, Status.NO_SHOW.value]


@dataclass(frozen=True)
class DeskClass:
    session: ClassSession
    booked: int  # the session's taken spots, as every other page counts them
    checked_in: int  # spots of bookings checked in
    waiting: int


@dataclass
class DeskRoom:
    """One room's day (or "online / no room"), classes and therapy sessions in time order."""

    label: str
    classes: list[DeskClass] = field(default_factory=list)
    therapy: list[Booking] = field(default_factory=list)

    @property
    def items(self) -> list[tuple[datetime, str, DeskClass | Booking]]:
        """(start, "class" or "therapy", the row), in time order."""
        rows: list[tuple[datetime, str, DeskClass | Booking]] = [
            (c.session.starts_at, "class", c) for c in self.classes
        ]
        rows += [(b.starts_at, "therapy", b) for b in self.therapy if b.starts_at]
        return sorted(rows, key=lambda row: row[0])


def desk_day(*, viewer: User, day: date, zone: ZoneInfo) -> list[DeskRoom]:
    """The day's classes (cancelled ones marked) and active therapy sessions, by room.

    Four queries whatever the size of the day: the classes, their checked-in counts, the
    waiting counts, the therapy sessions. PermissionDenied for a viewer whose role does
    not read bookings.
    """
    if not sees_bookings(viewer):
        raise PermissionDenied(_("The desk's pages are for studio staff."))
    start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    sessions = list(
        ClassSession.objects.for_listing().filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "pk")
    )
    ids = [s.pk for s in sessions]
    checked_in: dict[int, int] = dict(
        Booking.objects.filter(class_session_id__in=ids, status__in=EXPECTED, checked_in_at__isnull=False)
        .values("class_session_id")
        .annotate(spots=Sum("quantity"))
        .values_list("class_session_id", "spots")
    )
    waiting = waiting_counts(ids)
    therapy = (
        Booking.objects.filter(therapy_type__isnull=False, starts_at__gte=start, starts_at__lt=end)
        .filter(status__in=EXPECTED)
        .select_related("client", "therapy_type", "practitioner", "location", "room")
        .only(  # not intake, therapist_note or note: the desk never reads them
            "reference",
            "status",
            "starts_at",
            "ends_at",
            "checked_in_at",
            "total",  # the money counters: the balance due (payments.balance, on the page)
            "currency",
            "fee_charged",
            "amount_paid",
            "amount_refunded",
            "amount_refund_pending",
            "client__display_name",
            "client__first_name",
            "client__last_name",
            "client__email",
            "client__phone",
            "therapy_type__title",
            "practitioner__public_name",
            "location__name",
            "room__name",
        )
        .order_by("starts_at", "pk")
    )
    rooms: dict[str, DeskRoom] = {}

    def room_of(location, room, online: bool = False) -> DeskRoom:
        if room is not None:
            label = f"{location.name} · {room.name}" if location else room.name
        else:
            label = _("Online") if online else (location.name if location else _("No room"))
        return rooms.setdefault(label, DeskRoom(label))

    for s in sessions:
        room_of(s.location, s.room, s.is_online).classes.append(
            DeskClass(s, booked=s.spots_taken, checked_in=checked_in.get(s.pk, 0), waiting=waiting.get(s.pk, 0))
        )
    for b in therapy:
        room_of(b.location, b.room).therapy.append(b)
    return sorted(rooms.values(), key=lambda r: r.label)
