"""A client's note reaches their instructor or therapist but is never kept in the outbox.

The outbox is readable by any role with ``view_notification``; the note may be about the
client's health. Messages store the booking's id, the note is read from the booking
when the message is rendered, and the outbox admin shows no message data at all.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from bookings import services
from notifications.models import Notification
from tests.bookings.conftest import upcoming_class
from tests.factories import PractitionerFactory, UserFactory, staff_with

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NOTE = "Recovering from a knee operation"


def _stored_anywhere(text: str) -> list[str]:
    return [n.kind for n in Notification.objects.all() if text in json.dumps(n.context, ensure_ascii=False)]


def _text(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


def _to(inbox, address: str) -> list[str]:
    return [_text(m) for m in inbox.messages if m["To"] == address]


def test_the_instructor_reads_the_note_that_the_outbox_does_not_keep(smtp_inbox, django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    client = UserFactory(display_name="Carla")
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class(client=client, session_id=session.pk, quantity=1, note=NOTE)

    assert _stored_anywhere(NOTE) == []
    (body,) = _to(smtp_inbox, session.instructor.user.email)
    assert f"Note: {NOTE}" in body
    assert all(NOTE not in text for text in _to(smtp_inbox, client.email))


def test_an_email_reads_the_note_once_for_all_its_parts(smtp_inbox, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import services as outbox

    session = upcoming_class(days=4)
    services.book_class(client=UserFactory(), session_id=session.pk, quantity=1, note=NOTE)
    row = Notification.objects.get(recipient=session.instructor.user, channel="email")

    with CaptureQueriesContext(connection) as queries:
        outbox.deliver(row.pk)

    reads = [q["sql"] for q in queries.captured_queries if '"bookings_booking"."note"' in q["sql"]]
    assert len(reads) == 1, reads  # subject, text and HTML parts share one context
    (body,) = _to(smtp_inbox, session.instructor.user.email)
    assert f"Note: {NOTE}" in body


def test_the_therapist_reads_the_note_that_the_outbox_does_not_keep(
    osteopathy, smtp_inbox, django_capture_on_commit_callbacks
):
    kind, noor = osteopathy
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.book_therapy(
            client=UserFactory(display_name="Carla"),
            therapy_type=kind,
            minutes=60,
            practitioner=noor,
            starts_at=datetime.combine(day, time(10), tzinfo=MADRID),
            note=NOTE,
        )

    assert _stored_anywhere(NOTE) == []
    (body,) = _to(smtp_inbox, "noor@example.com")
    assert f"Note from the client: {NOTE}" in body


def test_the_days_agenda_lists_notes_read_at_send_time(smtp_inbox, django_capture_on_commit_callbacks):
    teacher = PractitionerFactory(user__time_zone="Europe/Madrid")
    today = timezone.localdate(timezone.now(), MADRID)
    start = datetime.combine(today + timedelta(days=1), time(18), tzinfo=MADRID)
    session = upcoming_class(starts_at=start, instructor=teacher)
    services.book_class(client=UserFactory(display_name="Ana"), session_id=session.pk, quantity=1, note=NOTE)
    morning = datetime.combine(today + timedelta(days=1), time(7), tzinfo=MADRID)

    with django_capture_on_commit_callbacks(execute=True):
        services.send_daily_agendas(now=morning)

    assert _stored_anywhere(NOTE) == []
    (body,) = _to(smtp_inbox, teacher.user.email)
    assert f"Ana: {NOTE}" in body


def test_the_outbox_admin_shows_no_message_data(client):
    session = upcoming_class(days=4)
    booking = services.book_class(client=UserFactory(display_name="Carla"), session_id=session.pk, quantity=1)
    row = Notification.objects.filter(kind="class_booking_news").first()
    client.force_login(staff_with("notifications.view_notification"))

    page = client.get(reverse("admin:notifications_notification_change", args=[row.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "field-context" not in html and "field-kind" in html
    assert reverse("bookings:instructor_roster", args=[booking.class_session_id]) not in html


def test_the_migration_takes_stored_notes_out_of_existing_rows(django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    booking = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1, note=NOTE)
    news = Notification.objects.filter(kind="class_booking_news")
    for row in news:  # as rows were stored before
        old = {k: v for k, v in row.context.items() if k != "booking_id"}
        Notification.objects.filter(pk=row.pk).update(context={**old, "note": NOTE})
    assert _stored_anywhere(NOTE)

    importlib.import_module("bookings.migrations.0007_notes_out_of_the_outbox").scrub(apps, None)

    assert _stored_anywhere(NOTE) == []
    assert {row.context["booking_id"] for row in news} == {booking.pk}
