"""DESIGN invariant 2 in PostgreSQL: nobody and no room is in two places at once."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from schedules.models import Occupancy, OccupancyKind
from tests.factories import PractitionerFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

T0 = timezone.now().replace(microsecond=0) + timedelta(days=3)


def _occ(*, practitioner=None, room=None, start=T0, minutes=60):
    return Occupancy.objects.create(
        kind=OccupancyKind.APPOINTMENT,
        practitioner=practitioner,
        room=room,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
    )


def test_a_raw_overlapping_insert_for_the_same_practitioner_raises():
    ana = PractitionerFactory()
    _occ(practitioner=ana)
    with pytest.raises(IntegrityError, match="occupancy_practitioner_no_overlap"), transaction.atomic():
        _occ(practitioner=ana, start=T0 + timedelta(minutes=30))


def test_a_raw_overlapping_insert_for_the_same_room_raises():
    room = RoomFactory()
    _occ(room=room)
    with pytest.raises(IntegrityError, match="occupancy_room_no_overlap"), transaction.atomic():
        _occ(room=room, start=T0 - timedelta(minutes=59))


def test_an_update_that_creates_an_overlap_raises():
    ana = PractitionerFactory()
    _occ(practitioner=ana)
    later = _occ(practitioner=ana, start=T0 + timedelta(hours=2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.filter(pk=later.pk).update(starts_at=T0 + timedelta(minutes=45))


def test_back_to_back_spans_do_not_overlap():
    ana, room = PractitionerFactory(), RoomFactory()
    _occ(practitioner=ana, room=room)
    _occ(practitioner=ana, room=room, start=T0 + timedelta(minutes=60))
    assert Occupancy.objects.count() == 2


def test_different_people_in_different_rooms_may_overlap():
    _occ(practitioner=PractitionerFactory(), room=RoomFactory())
    _occ(practitioner=PractitionerFactory(), room=RoomFactory())
    assert Occupancy.objects.count() == 2


def test_an_online_class_still_blocks_its_instructor():
    ana = PractitionerFactory()
    _occ(practitioner=ana, room=None)  # online: no room
    with pytest.raises(IntegrityError), transaction.atomic():
        _occ(practitioner=ana, room=RoomFactory(), start=T0 + timedelta(minutes=10))
