"""Reads for the privacy pages: whose records exist, and who looked at a client's data."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from bookings.models import Booking
from privacy.models import AccessLogEntry


def sessions_with_records(client: User) -> QuerySet[Booking]:
    """The client's therapy sessions that hold intake answers or a note, newest first."""
    return (
        Booking.objects.filter(client=client, therapy_type__isnull=False)
        .filter(~Q(intake={}) | ~Q(therapist_note=""))
        .select_related("therapy_type", "practitioner")
        .order_by("-starts_at")
    )


def accesses_of(client: User) -> QuerySet[AccessLogEntry]:
    """Who looked at the client's data, newest first (what the client reads on their profile)."""
    return AccessLogEntry.objects.filter(client=client).select_related("viewer")
