"""Editing and cancelling a single class session."""

from datetime import timedelta

import pytest

from schedules import services
from schedules.models import ClassSession, Occupancy, SessionStatus
from schedules.signals import class_session_cancelled
from tests.factories import ClassSessionFactory, PractitionerFactory, RoomFactory, staff_with

pytestmark = pytest.mark.django_db


def _saved_session(**kw) -> ClassSession:
    session = ClassSessionFactory.build(**kw)
    for related in ("class_type", "location", "room", "instructor"):
        obj = getattr(session, related)
        if obj is not None and obj.pk is None:
            obj.save()
            setattr(session, related, obj)
    return services.save_class_session(session=session)


def test_saving_a_session_writes_its_occupancy(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    occ = Occupancy.objects.get(class_session=s)
    assert (occ.practitioner, occ.room, occ.starts_at, occ.ends_at) == (instructor, room, s.starts_at, s.ends_at)


def test_it_refuses_an_instructor_who_is_teaching_elsewhere_then(madrid, room, instructor):
    first = _saved_session(location=madrid, room=room, instructor=instructor)
    other_room = RoomFactory(location=madrid)
    with pytest.raises(services.OccupancyConflict, match="already taken"):
        _saved_session(
            location=madrid,
            room=other_room,
            instructor=instructor,
            starts_at=first.starts_at + timedelta(minutes=30),
            ends_at=first.ends_at + timedelta(minutes=30),
        )
    assert ClassSession.objects.count() == 1


def test_it_refuses_a_room_that_is_taken_then(madrid, room, instructor):
    first = _saved_session(location=madrid, room=room, instructor=instructor)
    with pytest.raises(services.OccupancyConflict):
        _saved_session(
            location=madrid,
            room=room,
            instructor=PractitionerFactory(),
            starts_at=first.starts_at,
            ends_at=first.ends_at,
        )


def test_a_substitute_instructor_moves_the_occupancy(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    sub = PractitionerFactory()
    s.instructor = sub
    services.save_class_session(session=s, changed_fields=["instructor"])
    assert Occupancy.objects.get(class_session=s).practitioner == sub


def test_capacity_cannot_drop_below_spots_taken(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    ClassSession.objects.filter(pk=s.pk).update(spots_taken=5)
    s.refresh_from_db()
    s.capacity = 4
    with pytest.raises(services.ScheduleError, match="5 spots"):
        services.save_class_session(session=s, changed_fields=["capacity"])


def test_a_staff_edit_keeps_bookings_made_after_the_form_was_loaded(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    loaded = ClassSession.objects.get(pk=s.pk)  # the admin form's copy: 0 spots taken
    ClassSession.objects.filter(pk=s.pk).update(spots_taken=3)  # three bookings land meanwhile
    loaded.video_link = "https://video.example/new"
    services.save_class_session(session=loaded, changed_fields=["video_link"])
    assert ClassSession.objects.get(pk=s.pk).spots_taken == 3


def test_a_capacity_below_bookings_made_after_the_form_was_loaded_is_refused(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    loaded = ClassSession.objects.get(pk=s.pk)
    ClassSession.objects.filter(pk=s.pk).update(spots_taken=5)
    loaded.capacity = 4
    with pytest.raises(services.ScheduleError, match="5 spots"):
        services.save_class_session(session=loaded, changed_fields=["capacity"])


def test_cancelling_frees_the_time_keeps_the_session_and_tells_listeners(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    staff = staff_with("schedules.change_classsession")
    heard = []

    def listener(sender, session, reason, actor, **kw):
        heard.append((session.pk, reason, actor))

    class_session_cancelled.connect(listener)
    try:
        services.cancel_class_session(session=s, reason="Teacher ill", actor=staff)
    finally:
        class_session_cancelled.disconnect(listener)

    s.refresh_from_db()
    assert (s.status, s.cancel_reason) == (SessionStatus.CANCELLED, "Teacher ill")
    assert not Occupancy.objects.filter(class_session=s).exists()
    assert heard == [(s.pk, "Teacher ill", staff)]
    # the freed slot can be used again
    _saved_session(location=madrid, room=room, instructor=instructor, starts_at=s.starts_at, ends_at=s.ends_at)


def test_cancelling_needs_a_reason(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    with pytest.raises(services.ScheduleError, match="reason"):
        services.cancel_class_session(session=s, reason="  ")
    s.refresh_from_db()
    assert s.status == SessionStatus.SCHEDULED


def test_cancelling_twice_is_harmless(madrid, room, instructor):
    s = _saved_session(location=madrid, room=room, instructor=instructor)
    services.cancel_class_session(session=s, reason="Holiday")
    services.cancel_class_session(session=s, reason="Other")
    s.refresh_from_db()
    assert s.cancel_reason == "Holiday"


def test_the_database_refuses_more_spots_than_capacity(madrid, room, instructor):
    from django.db import IntegrityError, transaction

    s = _saved_session(location=madrid, room=room, instructor=instructor, capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassSession.objects.filter(pk=s.pk).update(spots_taken=3)
