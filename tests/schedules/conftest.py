"""Fixtures for timetable tests: a studio in Madrid with one room and one instructor."""

from datetime import date, time, timedelta

import pytest
import recurrence
from django.utils import timezone

from tests.factories import (
    ClassScheduleFactory,
    ClassTypeFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    weekly,
)


@pytest.fixture
def madrid():
    return LocationFactory(name="Centro", slug="centro", time_zone="Europe/Madrid")


@pytest.fixture
def room(madrid):
    return RoomFactory(location=madrid, name="Sala Sol", capacity=16)


@pytest.fixture
def instructor():
    return PractitionerFactory(public_name="Ana García", slug="ana")


@pytest.fixture
def flow():
    return ClassTypeFactory(title="Vinyasa Flow", slug="vinyasa", capacity=12, duration_minutes=60)


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def monday_schedule(madrid, room, instructor, flow, today):
    """Weekly on Mondays at 07:00 Madrid, valid from four weeks ago."""
    return ClassScheduleFactory(
        class_type=flow,
        location=madrid,
        room=room,
        instructor=instructor,
        recurrence=weekly(recurrence.MO),
        start_time=time(7, 0),
        valid_from=today - timedelta(days=28),
    )
