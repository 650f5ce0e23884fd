"""A schedule whose sessions were booked is archived, never deleted: no booked session
loses its origin, and staff get a clear message instead of a server error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Booking
from schedules import services
from schedules.models import ClassSchedule, ClassSession, SessionStatus
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(monday_schedule, today) -> list[ClassSession]:
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=21))
    found = list(ClassSession.objects.filter(schedule=monday_schedule).order_by("starts_at"))
    assert len(found) >= 2
    return found


def _book(session: ClassSession) -> Booking:
    return booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)


def _change_url(schedule: ClassSchedule, view: str = "change") -> str:
    return reverse(f"admin:schedules_classschedule_{view}", args=[schedule.pk])


@pytest.fixture
def owner(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


# --- the model and the service ------------------------------------------------------------------


def test_the_database_refuses_to_orphan_a_schedules_sessions(monday_schedule, sessions):
    with pytest.raises(ProtectedError):
        monday_schedule.delete()
    assert ClassSession.objects.filter(schedule=monday_schedule).count() == len(sessions)


def test_deleting_a_schedule_with_a_booked_session_is_refused_and_keeps_everything(monday_schedule, sessions):
    booking = _book(sessions[-1])

    with pytest.raises(services.ScheduleInUse, match="Archive it instead"):
        services.delete_schedule(schedule=monday_schedule, actor=None)

    assert ClassSchedule.objects.filter(pk=monday_schedule.pk).exists()
    assert ClassSession.objects.filter(schedule=monday_schedule).count() == len(sessions)
    assert Booking.objects.get(pk=booking.pk).class_session.schedule_id == monday_schedule.pk


def test_a_session_with_only_cancelled_bookings_still_protects_it(monday_schedule, sessions):
    booking = _book(sessions[-1])
    booking_services.cancel_booking(booking=booking, actor=None)

    with pytest.raises(services.ScheduleInUse, match="history"):
        services.delete_schedule(schedule=monday_schedule, actor=None)
    assert ClassSession.objects.get(pk=sessions[-1].pk).schedule_id == monday_schedule.pk


def test_a_schedule_nobody_booked_is_deleted_with_its_sessions(monday_schedule, sessions):
    assert services.delete_schedule(schedule=monday_schedule, actor=staff_with("schedules.delete_classschedule"))
    assert not ClassSchedule.objects.filter(pk=monday_schedule.pk).exists()
    assert not ClassSession.objects.filter(pk__in=[s.pk for s in sessions]).exists()


def test_archiving_stops_the_schedule_and_keeps_only_the_booked_sessions(monday_schedule, sessions, today):
    booked = sessions[-1]
    _book(booked)

    report = services.archive_schedule(schedule=monday_schedule, actor=staff_with("schedules.change_classschedule"))

    monday_schedule.refresh_from_db()
    assert not monday_schedule.is_active
    left = ClassSession.objects.filter(schedule=monday_schedule)
    assert list(left.values_list("pk", flat=True)) == [booked.pk]
    assert left.get().status == SessionStatus.SCHEDULED and left.get().conflict_note  # staff decide
    assert report.removed == len(sessions) - 1
    services.extend_all_schedules(today=today)  # the beat task makes nothing for it any more
    assert list(ClassSession.objects.filter(schedule=monday_schedule).values_list("pk", flat=True)) == [booked.pk]


def test_regeneration_cancels_a_dropped_session_that_keeps_a_cancelled_booking(monday_schedule, sessions):
    """It cannot be deleted (the booking's history holds it): it leaves the timetable cancelled."""
    booking = _book(sessions[-1])
    booking_services.cancel_booking(booking=booking, actor=None)

    services.archive_schedule(schedule=monday_schedule, actor=None)

    assert ClassSession.objects.get(pk=sessions[-1].pk).status == SessionStatus.CANCELLED


@pytest.mark.parametrize("perms", [(), ("schedules.view_classschedule",)], ids=["no-role", "view-only"])
def test_staff_without_the_role_cannot_generate_archive_or_delete(monday_schedule, sessions, today, perms):
    actor = staff_with(*perms)
    count = ClassSession.objects.count()
    with pytest.raises(services.NotPermitted):
        services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=60), actor=actor)
    with pytest.raises(services.NotPermitted):
        services.archive_schedule(schedule=monday_schedule, actor=actor)
    with pytest.raises(services.NotPermitted):
        services.delete_schedule(schedule=monday_schedule, actor=actor)
    monday_schedule.refresh_from_db()
    assert monday_schedule.is_active and ClassSession.objects.count() == count


def test_view_only_staff_cannot_cancel_a_class(sessions):
    session = sessions[-1]
    _book(session)
    with pytest.raises(services.NotPermitted):
        services.cancel_class_session(
            session=session, reason="Teacher ill", actor=staff_with("schedules.view_classsession")
        )
    assert ClassSession.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED
    assert Booking.objects.get(class_session=session).is_active


# --- the admin ----------------------------------------------------------------------------------


def test_the_delete_page_of_a_booked_schedule_says_archive_instead(client, owner, monday_schedule, sessions):
    booking = _book(sessions[-1])

    page = client.get(_change_url(monday_schedule, "delete"))
    confirm = client.post(_change_url(monday_schedule, "delete"), {"post": "yes"})

    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="archive-instead"' in text and booking.reference in text
    assert "Yes, I’m sure" not in text
    assert confirm.status_code == 200 and 'id="archive-instead"' in confirm.content.decode()
    assert ClassSchedule.objects.filter(pk=monday_schedule.pk).exists()
    assert ClassSession.objects.filter(schedule=monday_schedule).count() == len(sessions)


def test_the_delete_page_of_an_unbooked_schedule_lists_its_sessions_and_deletes(
    client, owner, monday_schedule, sessions
):
    page = client.get(_change_url(monday_schedule, "delete"))
    assert page.status_code == 200 and "Yes, I’m sure" in page.content.decode()

    response = client.post(_change_url(monday_schedule, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not ClassSchedule.objects.filter(pk=monday_schedule.pk).exists()
    assert not ClassSession.objects.filter(pk__in=[s.pk for s in sessions]).exists()


def test_delete_selected_refuses_a_booked_schedule_with_the_message(client, owner, monday_schedule, sessions):
    _book(sessions[-1])
    url = reverse("admin:schedules_classschedule_changelist")
    data = {"action": "delete_selected", "_selected_action": [monday_schedule.pk]}

    page = client.post(url, data)
    client.post(url, {**data, "post": "yes"})

    assert page.status_code == 200 and 'id="archive-instead"' in page.content.decode()
    assert ClassSchedule.objects.filter(pk=monday_schedule.pk).exists()


def test_the_archive_action(client, owner, monday_schedule, sessions):
    url = reverse("admin:schedules_classschedule_changelist")
    response = client.post(url, {"action": "archive", "_selected_action": [monday_schedule.pk]}, follow=True)

    assert response.status_code == 200
    assert not ClassSchedule.objects.get(pk=monday_schedule.pk).is_active
    assert not ClassSession.objects.filter(schedule=monday_schedule).exists()
