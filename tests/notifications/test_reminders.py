"""Booking reminders: exactly once per booking and offset."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from notifications.models import Notification
from schedules.slots import slots_for
from tests.bookings.conftest import upcoming_class
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    PractitionerFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _booked(hours_ahead: float, *, booked_hours_before: float = 72):
    session = upcoming_class(days=hours_ahead / 24)
    booking = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    Booking.objects.filter(pk=booking.pk).update(created_at=session.starts_at - timedelta(hours=booked_hours_before))
    return booking


def _reminders(booking) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=booking.client, kind="booking_reminder", channel="email").values_list(
            "dedupe_key", flat=True
        )
    )


def test_a_class_within_24_hours_gets_the_24h_reminder_once_however_often_the_task_runs():
    booking = _booked(20)
    far = _booked(30)
    for _ in range(3):
        services.send_due_reminders()
    assert _reminders(booking) == [f"booking:{booking.pk}:reminder:24h:email"]
    assert _reminders(far) == []


def test_within_2_hours_both_reminders_exist_once():
    booking = _booked(1.5)
    services.send_due_reminders()
    services.send_due_reminders(now=timezone.now() + timedelta(minutes=10))  # late and overlapping
    assert _reminders(booking) == [
        f"booking:{booking.pk}:reminder:24h:email",
        f"booking:{booking.pk}:reminder:2h:email",
    ]


def test_a_booking_made_after_the_reminder_time_gets_no_reminder():
    booking = _booked(10, booked_hours_before=5)  # booked 5 h ahead: no 24 h reminder
    services.send_due_reminders()
    assert _reminders(booking) == []


def test_cancelled_bookings_get_no_reminder():
    cancelled = _booked(5)
    services.cancel_booking(booking=cancelled, actor=None)
    services.send_due_reminders()
    assert _reminders(cancelled) == []


def test_reminder_offsets_come_from_settings(settings):
    settings.BOOKING_REMINDER_HOURS = [48]
    booking = _booked(40, booked_hours_before=100)
    services.send_due_reminders()
    assert _reminders(booking) == [f"booking:{booking.pk}:reminder:48h:email"]


def test_the_reminder_email_renders(smtp_inbox, django_capture_on_commit_callbacks):
    booking = _booked(20)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_due_reminders()
    (message,) = smtp_inbox.messages
    assert message["Subject"].startswith("[") and "Reminder:" in message["Subject"]
    assert message["To"] == booking.client.email


def test_practitioners_get_their_days_agenda_once_with_counts_and_notes(smtp_inbox, django_capture_on_commit_callbacks):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import PractitionerFactory

    madrid = ZoneInfo("Europe/Madrid")
    teacher = PractitionerFactory(user__time_zone="Europe/Madrid")
    today = timezone.localdate(timezone.now(), madrid)
    session = upcoming_class(
        starts_at=datetime.combine(today + timedelta(days=1), datetime.min.time(), madrid) + timedelta(hours=18),
        instructor=teacher,
    )
    services.book_class(client=UserFactory(display_name="Ana"), session_id=session.pk, quantity=2, note="Knee")
    morning = datetime.combine(today + timedelta(days=1), datetime.min.time(), madrid) + timedelta(hours=7)
    assert services.send_daily_agendas(now=morning - timedelta(hours=3)) == 0  # 04:00 local: not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_daily_agendas(now=morning) == 2  # in-app + e-mail
    assert services.send_daily_agendas(now=morning + timedelta(hours=1)) == 0
    (message,) = smtp_inbox.messages
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "18:00" in body and "2 of 10 spots booked" in body and "Ana: Knee" in body


def test_a_repeat_sweep_does_not_even_load_reminded_bookings(django_assert_max_num_queries):
    for _ in range(5):
        _booked(20)
    assert services.send_due_reminders() == 10
    with django_assert_max_num_queries(2):  # one empty read per offset, nothing to build or insert
        assert services.send_due_reminders() == 0


def test_therapy_sessions_get_their_reminders_too(smtp_inbox, django_capture_on_commit_callbacks):
    cfg = TherapistSettingsFactory(min_notice_hours=0)
    location = LocationFactory(time_zone="Europe/Madrid")
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=cfg.practitioner, weekday=weekday, start_time=time(0), end_time=time(23), location=location
        )
    kind = TherapyTypeFactory(title="Shiatsu", therapists=[cfg.practitioner])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    # A whole day two days ahead, asked three days before it: free times whatever the hour now.
    day = timezone.localdate(timezone.now(), location.zone) + timedelta(days=2)
    asked = datetime.combine(day, time(0), location.zone) - timedelta(days=3)
    (found,) = slots_for(
        kind, minutes=60, practitioner_ids=[cfg.practitioner.pk], first_day=day, last_day=day, now=asked
    )
    start = found.slots[0].start
    booking = services.book_therapy(
        client=UserFactory(),
        therapy_type=kind,
        minutes=60,
        practitioner=cfg.practitioner,
        starts_at=start,
        now=start - timedelta(days=3),
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=start - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_due_reminders(now=start - timedelta(hours=20))
    assert _reminders(booking) == [f"booking:{booking.pk}:reminder:24h:email"]
    (message,) = [m for m in smtp_inbox.messages if "Reminder:" in m["Subject"]]
    assert "Shiatsu" in message["Subject"]


def test_a_therapists_agenda_lists_their_sessions_and_open_requests(smtp_inbox, django_capture_on_commit_callbacks):
    madrid = ZoneInfo("Europe/Madrid")
    cfg = TherapistSettingsFactory(min_notice_hours=0, practitioner__user__time_zone="Europe/Madrid")
    location = LocationFactory(time_zone="Europe/Madrid")
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=cfg.practitioner, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    kind = TherapyTypeFactory(title="Shiatsu", therapists=[cfg.practitioner])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    tomorrow = timezone.localdate(timezone.now(), madrid) + timedelta(days=1)
    services.book_therapy(
        client=UserFactory(display_name="Carla"),
        therapy_type=kind,
        minutes=60,
        practitioner=cfg.practitioner,
        starts_at=datetime.combine(tomorrow, time(10), madrid),
    )
    morning = datetime.combine(tomorrow, time(7), madrid)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_daily_agendas(now=morning) == 2
    (message,) = [m for m in smtp_inbox.messages if "Your day" in m["Subject"]]
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "10:00" in body and "Shiatsu: Carla" in body and "1 class or session" in message["Subject"]


def test_the_agenda_sweep_reads_the_same_number_of_queries_for_one_or_many_practitioners():
    morning = timezone.now().replace(hour=12)
    upcoming_class(starts_at=morning + timedelta(hours=2), instructor=PractitionerFactory(user__time_zone="UTC"))
    with CaptureQueriesContext(connection) as one:
        services.send_daily_agendas(now=morning)
    for hour in (3, 4, 5, 6):
        upcoming_class(starts_at=morning + timedelta(hours=hour), instructor=PractitionerFactory(user__time_zone="UTC"))
    with CaptureQueriesContext(connection) as five:
        services.send_daily_agendas(now=morning + timedelta(minutes=1))
    assert len(five) == len(one)
