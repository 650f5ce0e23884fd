"""Delivery through a real broker and a real Celery worker, and with the broker down."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from bookings import services
from config.celery import app
from notifications.models import Notification, OutboxStatus
from notifications.tasks import sweep_outbox
from tests.bookings.conftest import upcoming_class
from tests.celery_broker import broker_at
from tests.factories import UserFactory


@pytest.fixture
def not_eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_booking_email_goes_through_redis_and_a_real_worker_exactly_once(not_eager, smtp_inbox):
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must name the Redis this suite runs against")
    client = UserFactory()
    session = upcoming_class(days=3)
    with (
        broker_at(settings.REDIS_URL),
        start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"),
    ):
        booking = services.book_class(client=client, session_id=session.pk, quantity=1)
        # The client's confirmation and the instructor's notice.
        assert _wait_for(lambda: len(smtp_inbox.messages) == 2), [m["To"] for m in smtp_inbox.messages]
        # The same task queued again (a redelivery) and a sweep racing it send nothing more.
        row = Notification.objects.get(kind="booking_confirmed", channel="email")
        from notifications.tasks import deliver_notification

        deliver_notification.delay(row.pk)
        sweep_outbox.delay()
        time.sleep(1.5)
    assert len(smtp_inbox.messages) == 2
    (message,) = [m for m in smtp_inbox.messages if m["To"] == client.email]
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert booking.reference in text
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_booking_succeeds_with_the_broker_down_and_the_message_goes_out_later(
    not_eager, smtp_inbox, django_capture_on_commit_callbacks
):
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry = False
    try:
        with broker_at("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):  # nobody there
            booking = services.book_class(client=UserFactory(), session_id=upcoming_class(days=3).pk, quantity=1)
    finally:
        app.conf.task_publish_retry = True
    assert booking.pk and smtp_inbox.messages == []
    # The client's confirmation and the instructor's notice wait in the outbox.
    assert Notification.objects.filter(status=OutboxStatus.PENDING, channel="email").count() == 2
    # The broker is back; the beat sweep delivers what was left behind.
    sweep_outbox()
    assert sorted(m["To"] for m in smtp_inbox.messages) == sorted(
        [booking.client.email, booking.class_session.instructor.user.email]
    )
