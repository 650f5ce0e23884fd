"""The loader around the free-slot engine (schedules.slots): what it reads, and in how many queries."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from schedules.models import Occupancy, OccupancyKind, TherapistSettings
from schedules.recurrence import wall_time_to_utc
from schedules.slots import find_slot, next_free, settings_for, slots_for
from schedules.therapist_settings import save_therapist_setup
from tests.factories import (
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BlackoutFactory,
    ClassSessionFactory,
    LocationFactory,
    RoomFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
QUERIES = 7  # settings, weekly hours, overrides, occupied time, imported busy times, blackouts, the type's rooms


def monday() -> date:
    """The Monday three weeks from the (pinned) clock's today: read when a test runs, not at import."""
    today = timezone.localdate()
    return today + timedelta(days=21 - today.weekday())


def at(hh: int, mm: int = 0, day: date | None = None):
    return wall_time_to_utc(day or monday(), time(hh, mm), MADRID)


@pytest.fixture
def studio():
    return LocationFactory(name="Centro", slug="centro")


@pytest.fixture
def room(studio):
    return RoomFactory(location=studio, name="Sala Luna")


def therapist_at(location, *, days=range(5), start=time(9), end=time(13), **settings):
    """A therapist working ``start``-``end`` on ``days`` at ``location`` (Madrid, no notice, no buffers)."""
    settings_row = TherapistSettingsFactory(**settings)
    for weekday in days:
        AvailabilityRuleFactory(
            practitioner=settings_row.practitioner, weekday=weekday, start_time=start, end_time=end, location=location
        )
    return settings_row.practitioner


@pytest.fixture
def ana(studio):
    return therapist_at(studio)


@pytest.fixture
def massage(ana, room):
    return TherapyTypeFactory(therapists=[ana], rooms=[room])


def monday_starts(therapy_type, therapist, **kw) -> list[str]:
    (found,) = slots_for(
        therapy_type,
        minutes=60,
        practitioner_ids=[therapist.pk],
        first_day=monday(),
        last_day=monday(),
        now=timezone.now(),
        **kw,
    )
    return [s.start.astimezone(MADRID).strftime("%H:%M") for s in found.slots]


def occupy(*, practitioner=None, room=None, start, minutes=60, tentative=False, kind=OccupancyKind.APPOINTMENT, **kw):
    return Occupancy.objects.create(
        kind=kind,
        practitioner=practitioner,
        room=room,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        is_tentative=tentative,
        **kw,
    )


ALL_MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]


# --- what it reads ------------------------------------------------------------------------------


def test_it_offers_the_weekly_hours(massage, ana):
    assert monday_starts(massage, ana) == ALL_MORNING


def test_it_counts_a_tentative_hold_as_busy(massage, ana, room):
    occupy(practitioner=ana, room=room, start=at(10), tentative=True)
    assert monday_starts(massage, ana) == ["09:00", "11:00", "11:30", "12:00"]


def test_it_counts_a_firm_appointment_as_busy(massage, ana, room):
    occupy(practitioner=ana, room=room, start=at(10))
    assert monday_starts(massage, ana) == ["09:00", "11:00", "11:30", "12:00"]


def test_it_ignores_the_occupancies_it_is_told_to_ignore(massage, ana, room):
    own = occupy(practitioner=ana, room=room, start=at(10))
    assert monday_starts(massage, ana, ignore_occupancy_ids=[own.pk]) == ALL_MORNING


def test_it_blocks_the_time_of_a_class_the_therapist_teaches(massage, ana, studio):
    session = ClassSessionFactory(
        instructor=ana, location=studio, room=RoomFactory(location=studio), starts_at=at(11), ends_at=at(12)
    )
    occupy(practitioner=ana, room=session.room, start=at(11), kind=OccupancyKind.CLASS, class_session=session)
    assert monday_starts(massage, ana) == ["09:00", "09:30", "10:00", "12:00"]


def test_it_needs_the_therapy_room_free(massage, ana, room):
    occupy(practitioner=TherapistFactory(), room=room, start=at(10))  # someone else's session in the only room
    assert monday_starts(massage, ana) == ["09:00", "11:00", "11:30", "12:00"]


def test_it_uses_a_second_suitable_room_when_the_first_is_taken(massage, ana, room, studio):
    second = RoomFactory(location=studio, name="Sala Sol")
    massage.rooms.add(second)
    occupy(practitioner=TherapistFactory(), room=room, start=at(10))
    assert monday_starts(massage, ana) == ALL_MORNING


def test_it_keeps_time_off_closed(massage, ana):
    AvailabilityOverrideFactory(practitioner=ana, kind="blocked", starts_at=at(0), ends_at=at(0) + timedelta(days=7))
    assert monday_starts(massage, ana) == []


def test_it_opens_extra_hours_inside_time_off(massage, ana, studio):
    AvailabilityOverrideFactory(practitioner=ana, kind="blocked", starts_at=at(0), ends_at=at(0) + timedelta(days=7))
    AvailabilityOverrideFactory(practitioner=ana, kind="extra", starts_at=at(10), ends_at=at(11), location=studio)
    assert monday_starts(massage, ana) == ["10:00"]


def test_it_closes_the_studio_for_a_studio_blackout(massage, ana):
    BlackoutFactory(scope="studio", starts_at=at(0), ends_at=at(23))
    assert monday_starts(massage, ana) == []


def test_it_closes_a_location_for_its_blackout_only(massage, ana, studio):
    BlackoutFactory(scope="location", location=LocationFactory(), starts_at=at(0), ends_at=at(23))
    assert monday_starts(massage, ana) == ALL_MORNING
    BlackoutFactory(scope="location", location=studio, starts_at=at(9), ends_at=at(11))
    assert monday_starts(massage, ana) == ["11:00", "11:30", "12:00"]


def test_it_closes_only_the_therapist_named_by_a_blackout(massage, ana, studio):
    bea = therapist_at(studio)
    massage.therapists.add(bea)
    BlackoutFactory(scope="practitioner", practitioner=ana, starts_at=at(0), ends_at=at(23))
    assert monday_starts(massage, ana) == []
    assert monday_starts(massage, bea) == ALL_MORNING


def test_it_treats_a_room_blackout_as_the_room_being_taken(massage, ana, room):
    BlackoutFactory(scope="room", room=room, starts_at=at(9), ends_at=at(12))
    assert monday_starts(massage, ana) == ["12:00"]


def test_it_reads_the_limits_from_booked_appointments(studio, room):
    ana = therapist_at(studio, max_per_day=1)
    massage = TherapyTypeFactory(therapists=[ana], rooms=[room])
    occupy(practitioner=ana, room=room, start=at(9))
    assert monday_starts(massage, ana) == []


def test_it_does_not_count_a_class_toward_the_session_limits(studio, room):
    ana = therapist_at(studio, max_per_day=1)
    massage = TherapyTypeFactory(therapists=[ana], rooms=[room])
    session = ClassSessionFactory(instructor=ana, location=studio, room=None, starts_at=at(18), ends_at=at(19))
    occupy(practitioner=ana, start=at(18), kind=OccupancyKind.CLASS, class_session=session)
    assert monday_starts(massage, ana) == ALL_MORNING


def test_it_uses_studio_defaults_for_a_therapist_without_settings(studio, room):
    bea = TherapistFactory()
    AvailabilityRuleFactory(practitioner=bea, weekday=0, start_time=time(9), end_time=time(11), location=studio)
    massage = TherapyTypeFactory(therapists=[bea], rooms=[room])
    # Defaults: 30-minute steps and 15 minutes' buffer after a session.
    assert monday_starts(massage, bea) == ["09:00", "09:30", "10:00"]
    assert not TherapistSettings.objects.filter(practitioner=bea).exists()


def test_settings_read_before_any_write_are_in_the_therapists_own_zone_and_the_first_write_keeps_it():
    bea = TherapistFactory(user=UserFactory(time_zone="America/New_York"))
    assert str(settings_for(bea).time_zone) == "America/New_York"
    assert not TherapistSettings.objects.filter(practitioner=bea).exists()  # a read writes nothing
    save_therapist_setup(practitioner=bea, hours=[], actor=bea.user)
    assert str(TherapistSettings.objects.get(practitioner=bea).time_zone) == "America/New_York"


def test_it_finds_an_exact_free_start(massage, ana, room):
    slot = find_slot(massage, minutes=60, practitioner_id=ana.pk, starts_at=at(10), now=timezone.now())
    assert (slot.start, slot.end, slot.room_id) == (at(10), at(11), room.pk)


def test_it_finds_no_slot_at_a_taken_start(massage, ana, room):
    occupy(practitioner=ana, room=room, start=at(10))
    assert find_slot(massage, minutes=60, practitioner_id=ana.pk, starts_at=at(10), now=timezone.now()) is None


def test_it_offers_the_next_free_times_after_a_taken_one(massage, ana, room):
    occupy(practitioner=ana, room=room, start=at(10), minutes=120)
    found = next_free(massage, minutes=60, practitioner_id=ana.pk, after=at(10), now=timezone.now())
    assert [s.start for s in found] == [
        at(12),
        at(9, day=monday() + timedelta(days=1)),
        at(9, 30, monday() + timedelta(days=1)),
    ]


# --- how many queries ---------------------------------------------------------------------------


def _month(therapy_type, therapists) -> list:
    return slots_for(
        therapy_type,
        minutes=60,
        practitioner_ids=[t.pk for t in therapists],
        first_day=monday(),
        last_day=monday() + timedelta(days=30),
        now=timezone.now(),
    )


def _book_mornings(therapist, room, days: int) -> None:
    Occupancy.objects.bulk_create(
        Occupancy(
            kind=OccupancyKind.APPOINTMENT,
            practitioner=therapist,
            room=room if n % 2 else None,
            starts_at=at(9, day=monday() + timedelta(days=n)),
            ends_at=at(10, day=monday() + timedelta(days=n)),
        )
        for n in range(days)
    )


def test_it_loads_one_therapists_month_in_a_fixed_number_of_queries(massage, ana, django_assert_num_queries):
    with django_assert_num_queries(QUERIES):
        (found,) = _month(massage, [ana])
    assert found.slots


def test_it_loads_ten_therapists_in_the_same_number_of_queries(massage, ana, studio, django_assert_num_queries):
    team = [ana] + [therapist_at(studio, max_per_week=3) for _ in range(9)]
    for other in team[1:]:
        AvailabilityOverrideFactory(practitioner=other, starts_at=at(9), ends_at=at(10))
    with django_assert_num_queries(QUERIES):
        found = _month(massage, team)
    assert len(found) == 10 and all(f.slots for f in found)


def test_it_loads_many_bookings_in_the_same_number_of_queries(massage, ana, room, studio, django_assert_num_queries):
    _book_mornings(ana, room, days=30)
    for other in [therapist_at(studio) for _ in range(3)]:
        _book_mornings(other, None, days=30)
    with django_assert_num_queries(QUERIES):
        (found,) = _month(massage, [ana])
    assert at(9) not in {s.start for s in found.slots}


def test_it_needs_a_room_free_at_a_studio_open_only_by_extra_hours(massage, ana):
    park = LocationFactory(name="Parque", slug="parque")
    cabin = RoomFactory(location=park, name="Cabina")
    massage.rooms.add(cabin)
    AvailabilityOverrideFactory(practitioner=ana, kind="extra", starts_at=at(18), ends_at=at(20), location=park)
    occupy(practitioner=TherapistFactory(), room=cabin, start=at(18))
    assert [s for s in monday_starts(massage, ana) if s >= "18:00"] == ["19:00"]
