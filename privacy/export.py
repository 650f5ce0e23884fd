"""What a client's data export holds: every table about them, as JSON and as CSV, in one ZIP.

One section per kind of data; each is a list of flat-ish dicts, written as
``<section>.json`` and ``<section>.csv`` (the CSV flattens nested values to JSON text).
The therapist's private note is the therapist's working record, not something the client
is shown (bookings.notes), so it is not in the copy; the client's own intake answers are.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from accounts.models import User
from bookings.models import Booking, PromoRedemption
from feedback.models import Feedback
from notifications.models import Notification
from payments.models import Payment, Refund
from privacy.models import AccessLogEntry

Rows = list[dict[str, Any]]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def profile(client: User) -> Rows:
    return [
        {
            "email": client.email,
            "display_name": client.display_name,
            "first_name": client.first_name,
            "last_name": client.last_name,
            "phone": str(client.phone or ""),
            "time_zone": str(client.time_zone),
            "language": client.language,
            "notify_email": client.notify_email,
            "notify_sms": client.notify_sms,
            "notify_whatsapp": client.notify_whatsapp,
            "date_joined": _when(client.date_joined),
            "last_login": _when(client.last_login),
        }
    ]


def bookings(client: User) -> Rows:
    rows = []
    found = (
        Booking.objects.filter(client=client)
        .select_related("class_session__class_type", "therapy_type", "practitioner")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )
    for b in found:
        starts = b.starts_at if b.is_therapy else b.session.starts_at
        ends = b.ends_at if b.is_therapy else b.session.ends_at
        rows.append(
            {
                "reference": b.reference,
                "kind": "therapy" if b.is_therapy else "class",
                "title": b.title,
                "with": b.practitioner.public_name if b.practitioner else "",
                "starts_at": _when(starts),
                "ends_at": _when(ends),
                "status": b.status,
                "quantity": b.quantity,
                "total": str(b.total),
                "currency": b.currency,
                "amount_paid": str(b.amount_paid),
                "amount_refunded": str(b.amount_refunded),
                "note": b.note,
                "intake": dict(b.intake or {}),
                "cancel_reason": b.cancel_reason,
                "checked_in_at": _when(b.checked_in_at),
                "created_at": _when(b.created_at),
                "events": [
                    {
                        "at": _when(e.at),
                        "from": e.from_status,
                        "to": e.to_status,
                        "reason": e.reason,
                        "source": e.source,
                    }
                    for e in sorted(b.events.all(), key=lambda e: (e.at, e.pk))
                ],
            }
        )
    return rows


def payments(client: User) -> Rows:
    found = Payment.objects.filter(booking__client=client).select_related("booking").order_by("created_at", "pk")
    return [
        {
            "booking": p.booking.reference,
            "amount": str(p.amount),
            "currency": p.currency,
            "method": p.method,
            "status": p.status,
            "recorded_at": _when(p.created_at),
            "succeeded_at": _when(p.succeeded_at),
        }
        for p in found
    ]


def refunds(client: User) -> Rows:
    found = Refund.objects.filter(booking__client=client).select_related("booking").order_by("created_at", "pk")
    return [
        {
            "booking": r.booking.reference,
            "amount": str(r.amount),
            "currency": r.currency,
            "method": r.method,
            "status": r.status,
            "reason": r.reason,
            "recorded_at": _when(r.created_at),
            "paid_back_at": _when(r.succeeded_at),
        }
        for r in found
    ]


def messages(client: User) -> Rows:
    found = Notification.objects.filter(recipient=client).order_by("created_at", "pk")
    return [
        {
            "message": n.kind,
            "channel": n.channel,
            "status": n.status,
            "created_at": _when(n.created_at),
            "sent_at": _when(n.sent_at),
            "read_at": _when(n.read_at),
        }
        for n in found
    ]


def access_log(client: User) -> Rows:
    found = AccessLogEntry.objects.filter(client=client).select_related("viewer").order_by("at", "pk")
    return [
        {
            "at": _when(a.at),
            "who": a.viewer.name,
            "what": a.kind,
            "record": f"{a.object_label}:{a.object_id}",
            "page": a.page,
            "from": a.ip_address,
            "reason": a.reason,
        }
        for a in found
    ]


def feedback(client: User) -> Rows:
    found = Feedback.objects.filter(booking__client=client).select_related("booking").order_by("created_at", "pk")
    return [
        {"booking": f.booking.reference, "rating": f.rating, "comment": f.comment, "given_at": _when(f.created_at)}
        for f in found
    ]


def promo_codes(client: User) -> Rows:
    found = PromoRedemption.objects.filter(client=client).select_related("promo", "booking").order_by("at", "pk")
    return [
        {"code": r.promo.code, "booking": r.booking.reference, "discount": str(r.discount), "used_at": _when(r.at)}
        for r in found
    ]


SECTIONS: dict[str, Callable[[User], Rows]] = {
    "profile": profile,
    "bookings": bookings,
    "payments": payments,
    "refunds": refunds,
    "promo_codes": promo_codes,
    "feedback": feedback,
    "messages": messages,
    "access_log": access_log,
}


def collect(client: User) -> dict[str, Rows]:
    return {name: build(client) for name, build in SECTIONS.items()}


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return ""
    return str(value)


def to_csv(rows: Rows) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def zip_bytes(data: dict[str, Rows]) -> bytes:
    """The ZIP: ``<section>.json`` and ``<section>.csv`` for each section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data.items():
            archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2, default=_json_default))
            archive.writestr(f"{name}.csv", to_csv(rows))
    return buffer.getvalue()
