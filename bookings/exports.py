"""Bookings as spreadsheet rows: one row shape for class and therapy bookings.

Times are written as wall times of the place the booking happens ("2026-12-03 18:00")
with a column naming that zone, which is what a studio's bookkeeping expects; a
spreadsheet cannot do anything useful with "2026-12-03T17:00:00+00:00".
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.permissions import may_export

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HEADER = [
    "reference",
    "kind",
    "what",
    "practitioner",
    "location",
    "room",
    "start",
    "end",
    "time_zone",
    "client",
    "email",
    "phone",
    "party_size",
    "status",
    "price",
    "currency",
    "created_at",
]
TIME_FORMAT = "%Y-%m-%d %H:%M"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def for_export(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Everything a row needs, in one query whatever the number of rows."""
    return bookings.with_what_and_where().select_related("client").order_by("pk")


def zone_of(booking: Booking) -> zoneinfo.ZoneInfo:
    """The zone of where it happens: the class's or the therapy's location, else the studio's default."""
    location = booking.class_session.location if booking.class_session else booking.location
    return location.zone if location is not None else zoneinfo.ZoneInfo(settings.DEFAULT_VIEWER_TIME_ZONE)


def _text(value: str) -> str:
    """Client-typed text that a spreadsheet would take for a formula is kept as text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def row(booking: Booking) -> list[str]:
    """One booking as the cells of HEADER."""
    zone = zone_of(booking)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime(TIME_FORMAT)

    if booking.is_therapy:
        kind = "therapy"
        what = f"{booking.kind.title} · {booking.duration_minutes} min"
        practitioner, location, room = booking.practitioner, booking.location, booking.room
    else:
        session = booking.session
        kind, what = "class", session.class_type.title
        practitioner, location, room = session.instructor, session.location, session.room
    client = booking.client
    return [
        booking.reference,
        kind,
        what,
        practitioner.public_name if practitioner else "",
        location.name if location else "",
        room.name if room else "",
        local(booking.start),
        local(booking.end),
        zone.key,
        _text(client.name),
        _text(client.email),
        str(client.phone) if client.phone else "",
        str(booking.quantity),
        str(booking.get_status_display()),
        str(booking.total),
        booking.currency,
        local(booking.created_at),
    ]


def export_csv(*, actor: User, bookings: QuerySet[Booking], out: SupportsWrite[str]) -> None:
    """Write ``bookings`` as CSV for ``actor``, who must hold the export permission.

    Checked here, not only in the admin action, so any future caller (a report page, a
    command) cannot hand out the clients' contact details to a view-only role.
    """
    if not may_export(actor):
        raise PermissionDenied(_("Exporting bookings needs the “Can export bookings” permission."))
    write_csv(for_export(bookings), out)


def write_csv(bookings: Iterable[Booking], out: SupportsWrite[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(row(b) for b in bookings)
