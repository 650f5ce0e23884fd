"""generate_sessions: the rolling horizon of class sessions from a schedule."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurrence
from django.utils import timezone

from schedules import services
from schedules.models import ClassSession, Occupancy, SessionStatus
from tests.factories import BlackoutFactory, ClassScheduleFactory, PractitionerFactory, weekly

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def _mondays_between(start: date, end: date) -> list[date]:
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return [first + timedelta(weeks=i) for i in range(((end - first).days // 7) + 1)]


def test_it_creates_a_session_for_every_future_occurrence_in_the_horizon(monday_schedule, today):
    until = today + timedelta(days=27)
    report = services.generate_sessions(schedule=monday_schedule, until=until)

    sessions = list(ClassSession.objects.filter(schedule=monday_schedule).order_by("starts_at"))
    expected = [d for d in _mondays_between(today, until) if datetime.combine(d, time(7), MADRID) > timezone.now()]
    assert [s.occurrence_date for s in sessions] == expected
    assert report.created == len(expected)
    for s in sessions:
        assert s.starts_at.astimezone(MADRID).time() == time(7, 0)
        assert s.ends_at - s.starts_at == timedelta(minutes=60)
        assert (s.capacity, s.price, s.instructor, s.room) == (
            12,
            monday_schedule.class_type.price,
            monday_schedule.instructor,
            monday_schedule.room,
        )


def test_it_writes_an_occupancy_row_per_session(monday_schedule, today):
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=27))
    for s in ClassSession.objects.filter(schedule=monday_schedule):
        occ = Occupancy.objects.get(class_session=s)
        assert (occ.practitioner_id, occ.room_id, occ.starts_at, occ.ends_at) == (
            s.instructor_id,
            s.room_id,
            s.starts_at,
            s.ends_at,
        )


def test_running_it_twice_changes_nothing(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    before = list(ClassSession.objects.values_list("pk", "starts_at", "updated_at").order_by("pk"))

    report = services.generate_sessions(schedule=monday_schedule, until=until)

    assert (report.created, report.updated, report.removed, report.conflicts) == (0, 0, 0, [])
    assert list(ClassSession.objects.values_list("pk", "starts_at", "updated_at").order_by("pk")) == before


def test_extending_the_horizon_adds_only_the_new_weeks(monday_schedule, today):
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=14))
    count = ClassSession.objects.count()
    report = services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=28))
    assert report.created == ClassSession.objects.count() - count == 2


def test_capacity_and_price_overrides_apply_and_capacity_is_capped_by_the_room(monday_schedule, today):
    monday_schedule.capacity = 40  # the room holds 16
    monday_schedule.price = "9.50"
    monday_schedule.save()
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=13))
    s = ClassSession.objects.filter(schedule=monday_schedule).first()
    assert (s.capacity, str(s.price)) == (16, "9.50")


def test_it_keeps_wall_time_across_dst_for_sessions(madrid, room, instructor, flow):
    schedule = ClassScheduleFactory(
        class_type=flow,
        location=madrid,
        room=room,
        instructor=instructor,
        recurrence=weekly(recurrence.SU),
        start_time=time(7, 0),
        valid_from=date(2030, 3, 1),
    )
    services.generate_sessions(schedule=schedule, until=date(2030, 4, 8), today=date(2030, 3, 20))
    sessions = list(ClassSession.objects.filter(schedule=schedule).order_by("starts_at"))
    assert [s.occurrence_date for s in sessions] == [date(2030, 3, 24), date(2030, 3, 31), date(2030, 4, 7)]
    assert {s.starts_at.astimezone(MADRID).time() for s in sessions} == {time(7, 0)}
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [6, 5, 5]  # DST began 31 March 2030


def test_excluded_dates_survive_a_round_trip_through_the_database(monday_schedule, today):
    skip = _mondays_between(today + timedelta(days=1), today + timedelta(days=8))[0]
    monday_schedule.recurrence = weekly(recurrence.MO, exdates=[datetime.combine(skip, time.min)])
    with timezone.override(ZoneInfo("Pacific/Kiritimati")):  # UTC+14: a naive midnight would slip a day
        monday_schedule.save()
    monday_schedule.refresh_from_db()

    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=27))

    dates = set(ClassSession.objects.filter(schedule=monday_schedule).values_list("occurrence_date", flat=True))
    assert skip not in dates
    assert skip + timedelta(days=7) in dates
    assert [d.date() for d in monday_schedule.recurrence.exdates] == [skip]


def test_one_off_dates_survive_a_round_trip_through_the_database(monday_schedule, today):
    extra = today + timedelta(days=10 + (5 - (today + timedelta(days=10)).weekday()) % 7)  # a Saturday
    monday_schedule.recurrence = weekly(recurrence.MO, rdates=[datetime.combine(extra, time.min)])
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        monday_schedule.save()
    monday_schedule.refresh_from_db()
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=27))
    assert ClassSession.objects.filter(schedule=monday_schedule, occurrence_date=extra).exists()


def test_a_schedule_change_moves_unbooked_sessions(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    monday_schedule.start_time = time(8, 30)
    monday_schedule.save()

    report = services.generate_sessions(schedule=monday_schedule, until=until)

    assert report.updated == ClassSession.objects.filter(schedule=monday_schedule).count() > 0
    for s in ClassSession.objects.filter(schedule=monday_schedule):
        assert s.starts_at.astimezone(MADRID).time() == time(8, 30)
        assert Occupancy.objects.get(class_session=s).starts_at == s.starts_at


def test_a_schedule_change_never_moves_a_booked_session_but_flags_it(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    booked = ClassSession.objects.filter(schedule=monday_schedule).order_by("starts_at").first()
    ClassSession.objects.filter(pk=booked.pk).update(spots_taken=3)
    old_start = booked.starts_at
    monday_schedule.start_time = time(9, 0)
    monday_schedule.save()

    report = services.generate_sessions(schedule=monday_schedule, until=until)

    booked.refresh_from_db()
    assert booked.starts_at == old_start
    assert "has bookings" in booked.conflict_note
    assert len(report.conflicts) == 1


def test_dropping_a_day_removes_unbooked_sessions_and_flags_booked_ones(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    first, *rest = ClassSession.objects.filter(schedule=monday_schedule).order_by("starts_at")
    ClassSession.objects.filter(pk=first.pk).update(spots_taken=1)
    monday_schedule.recurrence = weekly(recurrence.TU)
    monday_schedule.save()

    report = services.generate_sessions(schedule=monday_schedule, until=until)

    assert report.removed == len(rest)
    assert not ClassSession.objects.filter(pk__in=[s.pk for s in rest]).exists()
    first.refresh_from_db()
    assert first.status == SessionStatus.SCHEDULED and first.conflict_note
    assert all(s.occurrence_date.weekday() == 1 for s in ClassSession.objects.exclude(pk=first.pk))


def test_a_session_edited_by_hand_is_left_alone(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    session = ClassSession.objects.filter(schedule=monday_schedule).first()
    substitute = PractitionerFactory(public_name="Leo Martín")
    session.instructor = substitute
    services.save_class_session(session=session, changed_fields=["instructor"])

    services.generate_sessions(schedule=monday_schedule, until=until)

    session.refresh_from_db()
    assert session.is_customised and session.instructor == substitute
    assert Occupancy.objects.get(class_session=session).practitioner == substitute


@pytest.mark.parametrize("scope", ["studio", "location", "room", "practitioner"])
def test_no_session_is_generated_inside_a_blackout(monday_schedule, today, scope):
    monday = _mondays_between(today + timedelta(days=1), today + timedelta(days=8))[0]
    target = {
        "studio": {},
        "location": {"location": monday_schedule.location},
        "room": {"room": monday_schedule.room},
        "practitioner": {"practitioner": monday_schedule.instructor},
    }[scope]
    BlackoutFactory(
        scope=scope,
        **target,
        starts_at=datetime.combine(monday, time.min, MADRID),
        ends_at=datetime.combine(monday, time.max, MADRID),
    )

    report = services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=27))

    dates = set(ClassSession.objects.values_list("occurrence_date", flat=True))
    assert monday not in dates and monday + timedelta(days=7) in dates
    assert any("blackout" in line for line in report.skipped)


def test_a_blackout_elsewhere_does_not_block(monday_schedule, today, instructor):
    monday = _mondays_between(today + timedelta(days=1), today + timedelta(days=8))[0]
    other = PractitionerFactory()
    BlackoutFactory(
        scope="practitioner",
        practitioner=other,
        starts_at=datetime.combine(monday, time.min, MADRID),
        ends_at=datetime.combine(monday, time.max, MADRID),
    )
    services.generate_sessions(schedule=monday_schedule, until=today + timedelta(days=27))
    assert ClassSession.objects.filter(occurrence_date=monday).exists()


def test_an_existing_session_inside_a_new_blackout_is_flagged_for_staff_not_deleted(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    session = ClassSession.objects.filter(schedule=monday_schedule).order_by("starts_at").first()
    BlackoutFactory(starts_at=session.starts_at - timedelta(hours=3), ends_at=session.ends_at + timedelta(hours=3))

    services.generate_sessions(schedule=monday_schedule, until=until)

    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert "blackout" in session.conflict_note


def test_an_occurrence_whose_instructor_is_busy_is_skipped_with_the_reason(monday_schedule, today, madrid, flow):
    other_room_schedule = ClassScheduleFactory(
        class_type=flow,
        location=madrid,
        instructor=monday_schedule.instructor,
        recurrence=weekly(recurrence.MO),
        start_time=time(7, 30),
        valid_from=monday_schedule.valid_from,
    )
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)

    report = services.generate_sessions(schedule=other_room_schedule, until=until)

    assert report.created == 0
    assert report.skipped and all("already taken" in line for line in report.skipped)
    assert not ClassSession.objects.filter(schedule=other_room_schedule).exists()


def test_an_inactive_schedule_removes_its_unbooked_future_sessions(monday_schedule, today):
    until = today + timedelta(days=27)
    services.generate_sessions(schedule=monday_schedule, until=until)
    monday_schedule.is_active = False
    monday_schedule.save()
    services.generate_sessions(schedule=monday_schedule, until=until)
    assert not ClassSession.objects.filter(schedule=monday_schedule).exists()


def test_the_beat_task_extends_every_active_schedule(monday_schedule, settings):
    from schedules.tasks import extend_class_sessions

    settings.SCHEDULE_HORIZON_DAYS = 21
    extend_class_sessions.delay()
    first = ClassSession.objects.count()
    extend_class_sessions.delay()
    assert first >= 2 and ClassSession.objects.count() == first
