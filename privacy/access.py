"""The one way to read a client's therapy data (intake answers, session notes): it logs.

Every page that shows therapy data to anyone but the client reads it through
``read_session_record`` (one booking) or ``read_records`` (several), which decide who
may see it and write the access rows before the data is returned; if the row cannot be
written the data is not shown. tests/privacy/test_access_log_coverage.py renders every
page with a seeded note and fails on one that shows it without a row.

Who may read: the client (never logged), the therapist of the session, and staff with
``privacy.view_therapy_record`` (the owner) - who must give a reason when it is not their
own session. Nobody else, the front desk and instructors included.

This module knows bookings only as objects with ``client_id``, ``practitioner_id``,
``intake`` and ``therapist_note``, so ``bookings`` may call it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.client_ip import client_ip
from accounts.models import User
from privacy.models import AccessKind, AccessLogEntry

READ_ANY = "privacy.view_therapy_record"
REASON_MAX = 500


class ReasonRequired(PermissionDenied):
    """Staff reading outside their own sessions must say why (the page asks first)."""


@dataclass(frozen=True)
class TherapyRecord:
    """What a session holds about the client's health: shown, and logged, together."""

    booking: Any
    intake: dict[str, str]
    note: str


def may_read_any(user: User) -> bool:
    return user.is_authenticated and user.has_perm(READ_ANY)


def _is_therapist_of(user: User, booking: Any) -> bool:
    practitioner = getattr(user, "practitioner", None)
    return practitioner is not None and booking.practitioner_id == practitioner.pk


def read_session_record(*, booking: Any, viewer: User, request: HttpRequest, reason: str = "") -> TherapyRecord:
    """One session's intake answers and note, for the client, its therapist or the owner."""
    return read_records(bookings=[booking], viewer=viewer, request=request, reason=reason)[0]


def read_records(
    *, bookings: Sequence[Any], viewer: User, request: HttpRequest, reason: str = ""
) -> list[TherapyRecord]:
    """The records of ``bookings``, after checking the viewer and writing one row per item shown."""
    if not viewer.is_authenticated:
        raise PermissionDenied(_("Log in to see this."))
    reason = " ".join(reason.split())[:REASON_MAX]
    for booking in bookings:
        if booking.client_id == viewer.pk or _is_therapist_of(viewer, booking):
            continue
        if not may_read_any(viewer):
            raise PermissionDenied(_("Only the client, their therapist and the studio's owner may see this."))
        if not reason:
            raise ReasonRequired(_("Say why you are reading this client's therapy record."))
    records = [TherapyRecord(b, dict(b.intake or {}), b.therapist_note or "") for b in bookings]
    log_reads(records, viewer=viewer, request=request, reason=reason)
    return records


def log_reads(records: Iterable[TherapyRecord], *, viewer: User, request: HttpRequest, reason: str = "") -> int:
    """One access row per kind of data shown, for every record that is not the viewer's own."""
    match = getattr(request, "resolver_match", None)
    page = (match.view_name if match else request.path)[:100]
    ip = client_ip(request)
    rows = [
        AccessLogEntry(
            viewer=viewer,
            client_id=r.booking.client_id,
            kind=kind,
            object_label=r.booking._meta.label_lower,
            object_id=str(r.booking.pk),
            page=page,
            ip_address=ip,
            reason=reason,
        )
        for r in records
        if r.booking.client_id != viewer.pk
        for kind, shown in ((AccessKind.INTAKE, r.intake), (AccessKind.NOTE, r.note))
        if shown
    ]
    AccessLogEntry.objects.bulk_create(rows)
    return len(rows)
