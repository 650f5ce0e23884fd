"""A client's data export: what the ZIP holds, field by field, and who may download it."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from feedback.models import Feedback
from notifications.models import Notification
from payments import services as payment_services
from payments.models import Method
from privacy.models import DataExport, ExportState
from tests.factories import UserFactory
from tests.privacy.conftest import INTAKE_TEXT, NOTE_TEXT

pytestmark = pytest.mark.django_db


def _export(client, studio, django_capture_on_commit_callbacks) -> tuple[str, zipfile.ZipFile]:
    client.force_login(studio["client"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:request_export"))
    assert response.status_code == 302
    mail = Notification.objects.get(recipient=studio["client"], kind="data_export_ready", channel="email")
    url = mail.context["url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    download = client.get(path)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    return path, zipfile.ZipFile(io.BytesIO(download.content))


def _seed_money_and_looks(client, studio):
    owner = studio["owner"]
    payment = payment_services.record_payment(
        booking=studio["class_booking"], amount=studio["class_booking"].total, method=Method.CASH, actor=owner
    )
    payment_services.record_refund(payment=payment, amount="2.00", actor=owner, reason="late start")
    Feedback.objects.create(booking=studio["class_booking"], rating=4, comment="Calm and kind")
    client.force_login(studio["therapist"])
    client.get(reverse("bookings:therapist_session", args=[studio["therapy"].reference]), REMOTE_ADDR="198.51.100.4")


def test_it_exports_every_section_field_by_field(client, studio, django_capture_on_commit_callbacks):
    _seed_money_and_looks(client, studio)
    _path, archive = _export(client, studio, django_capture_on_commit_callbacks)
    names = sorted(archive.namelist())
    sections = ["access_log", "bookings", "feedback", "messages", "payments", "profile", "promo_codes", "refunds"]
    assert names == sorted([f"{s}.json" for s in sections] + [f"{s}.csv" for s in sections])
    data = {s: json.loads(archive.read(f"{s}.json")) for s in sections}
    who = studio["client"]

    assert data["profile"] == [
        {
            "email": "zoe.private@example.com",
            "display_name": "Zoë Privatsphere",
            "first_name": "",
            "last_name": "",
            "phone": "+34600111222",
            "time_zone": "Europe/Madrid",
            "language": who.language,
            "notify_email": True,
            "notify_sms": False,
            "notify_whatsapp": False,
            "date_joined": who.date_joined.isoformat(),
            "last_login": who.last_login.isoformat(),
        }
    ]

    therapy, lesson = studio["therapy"], studio["class_booking"]
    lesson.refresh_from_db()
    by_ref = {b["reference"]: b for b in data["bookings"]}
    assert set(by_ref) == {therapy.reference, lesson.reference}
    t = by_ref[therapy.reference]
    assert t == {
        "reference": therapy.reference,
        "kind": "therapy",
        "title": studio["kind"].title,
        "with": studio["practitioner"].public_name,
        "starts_at": therapy.starts_at.isoformat(),
        "ends_at": therapy.ends_at.isoformat(),
        "status": therapy.status,
        "quantity": 1,
        "total": "50.00",
        "currency": therapy.currency,
        "amount_paid": "0.00",
        "amount_refunded": "0.00",
        "note": "",
        "intake": {"Injuries?": INTAKE_TEXT},
        "cancel_reason": "",
        "checked_in_at": None,
        "created_at": therapy.created_at.isoformat(),
        "events": [
            {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status, "reason": e.reason, "source": e.source}
            for e in therapy.events.order_by("at", "pk")
        ],
    }
    assert t["events"] and t["events"][0]["to"] == therapy.status
    c = by_ref[lesson.reference]
    assert (c["kind"], c["title"], c["starts_at"], c["amount_paid"], c["amount_refunded"]) == (
        "class",
        studio["session"].title,
        studio["session"].starts_at.isoformat(),
        str(lesson.total),
        str(lesson.amount_refunded),  # a refund owed at the desk counts once paid back
    )
    # The therapist's private note is theirs, not part of the client's copy.
    assert NOTE_TEXT not in json.dumps(data, ensure_ascii=False)

    [payment] = data["payments"]
    assert {k: payment[k] for k in ("booking", "amount", "currency", "method", "status")} == {
        "booking": lesson.reference,
        "amount": str(lesson.total),
        "currency": lesson.currency,
        "method": "cash",
        "status": "succeeded",
    }
    [refund] = data["refunds"]
    db_refund = lesson.refunds.get()
    assert {k: refund[k] for k in ("booking", "amount", "reason", "status", "method")} == {
        "booking": lesson.reference,
        "amount": "2.00",
        "reason": "late start",
        "status": db_refund.status,
        "method": db_refund.method,
    }
    assert Decimal(refund["amount"]) == Decimal("2.00")
    [said] = data["feedback"]
    assert {k: said[k] for k in ("booking", "rating", "comment")} == {
        "booking": lesson.reference,
        "rating": 4,
        "comment": "Calm and kind",
    }
    assert data["promo_codes"] == []

    sent = Notification.objects.filter(recipient=who).exclude(kind="data_export_ready")
    assert sorted((m["message"], m["channel"]) for m in data["messages"]) == sorted((n.kind, n.channel) for n in sent)
    assert {m["message"] for m in data["messages"]} >= {"booking_confirmed"}

    assert [(a["who"], a["what"], a["from"], a["page"]) for a in data["access_log"]] == [
        (studio["therapist"].name, kind, "198.51.100.4", "bookings:therapist_session") for kind in ("intake", "note")
    ]

    rows = list(csv.DictReader(io.StringIO(archive.read("bookings.csv").decode())))
    assert {r["reference"] for r in rows} == set(by_ref)
    assert json.loads(next(r for r in rows if r["reference"] == therapy.reference)["intake"]) == t["intake"]
    [profile_row] = csv.DictReader(io.StringIO(archive.read("profile.csv").decode()))
    assert profile_row["phone"] == "+34600111222"


def test_the_link_works_for_the_client_only(client, studio, django_capture_on_commit_callbacks):
    path, _archive = _export(client, studio, django_capture_on_commit_callbacks)
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404
    client.force_login(studio["owner"])
    assert client.get(path).status_code == 404
    client.logout()
    assert client.get(path).status_code == 302  # to log in


def test_the_link_expires(client, studio, django_capture_on_commit_callbacks, settings):
    path, _archive = _export(client, studio, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS, minutes=1)):
        client.force_login(studio["client"])
        response = client.get(path)
    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_a_forged_link_is_refused(client, studio):
    client.force_login(studio["client"])
    assert client.get(reverse("privacy:download_export", args=["1:forged:sig"])).status_code == 404


def test_a_second_request_while_one_is_pending_makes_no_second_export(client, studio):
    client.force_login(studio["client"])
    client.post(reverse("privacy:request_export"))  # on_commit never runs here: it stays pending
    client.post(reverse("privacy:request_export"))
    assert DataExport.objects.filter(client=studio["client"], state=ExportState.PENDING).count() == 1


def test_building_twice_sends_one_link(studio):
    from privacy import exports

    row = DataExport.objects.create(client=studio["client"])
    assert exports.build_export(row.pk) is True
    assert exports.build_export(row.pk) is False
    assert Notification.objects.filter(kind="data_export_ready", channel="email").count() == 1


def test_the_client_asks_from_their_data_page(client, studio):
    client.force_login(studio["client"])
    html = client.get(reverse("privacy:my_data")).content.decode()
    assert 'data-testid="request-export"' in html
    assert client.get(reverse("privacy:request_export")).status_code == 405
