"""A small studio with one client whose therapy session holds intake answers and a private note."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from bookings import services as booking_services
from bookings.models import Booking
from schedules.models import Practitioner
from tests.bookings.conftest import at, default_policy, make_therapist, upcoming_class
from tests.factories import LocationFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory

__all__ = ["default_policy"]  # the studio default policy, for every test here

INTAKE_TEXT = "Old knee injury SEEDED-INTAKE-7f3a"
NOTE_TEXT = "Client anxious about surgery SEEDED-NOTE-91bc"


def _staff(role_name: str, **kw):
    user = UserFactory(is_staff=True, **kw)
    user.groups.add(Group.objects.get(name=role_name))
    return user


@pytest.fixture
def studio(db):
    """People in every role, a therapy session with intake and note, and a class booking."""
    location = LocationFactory()
    therapist = make_therapist(location)
    therapist.user.groups.add(Group.objects.get(name=roles.THERAPIST))
    instructor = Practitioner.objects.create(
        user=UserFactory(), public_name="Ina Structor", slug="ina", is_instructor=True
    )
    instructor.user.groups.add(Group.objects.get(name=roles.INSTRUCTOR))
    client = UserFactory(display_name="Zoë Privatsphere", email="zoe.private@example.com", phone="+34600111222")
    kind = TherapyTypeFactory(therapists=[therapist], intake_questions="Injuries?")
    TherapyDurationFactory(therapy_type=kind, minutes=60, price=Decimal("50.00"))
    therapy = booking_services.book_therapy(
        client=client,
        therapy_type=kind,
        minutes=60,
        practitioner=therapist,
        starts_at=at(10),
        intake={"Injuries?": INTAKE_TEXT},
    )
    Booking.objects.filter(pk=therapy.pk).update(therapist_note=NOTE_TEXT)
    therapy.refresh_from_db()
    session = upcoming_class(instructor=instructor)
    class_booking = booking_services.book_class(client=client, session_id=session.pk, quantity=1)
    return {
        "owner": _staff(roles.OWNER),
        "desk": _staff(roles.FRONT_DESK),
        "instructor": instructor.user,
        "therapist": therapist.user,
        "client": client,
        "therapy": therapy,
        "session": session,
        "class_booking": class_booking,
        "practitioner": therapist,
        "kind": kind,
    }
