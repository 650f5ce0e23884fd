"""A session's private note is written by that session's therapist, and by nobody else.

Checked in the service (bookings.notes), whoever calls it: another therapist, the client
and staff who manage bookings are refused and the note stays as it was.
"""

from __future__ import annotations

import pytest

from bookings.models import Booking
from bookings.notes import save_therapist_note
from bookings.services import NotPermitted, book_therapy
from tests.bookings.conftest import at
from tests.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(massage, therapist, client_user) -> Booking:
    booking = book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    Booking.objects.filter(pk=booking.pk).update(therapist_note="First visit.")
    return Booking.objects.get(pk=booking.pk)


def _note(booking: Booking) -> str:
    return Booking.objects.get(pk=booking.pk).therapist_note


def test_the_sessions_therapist_writes_the_note(session, therapist):
    save_therapist_note(booking=session, actor=therapist.user, text="Tight shoulders, go gently")
    assert _note(session) == "Tight shoulders, go gently"


def test_another_therapist_cannot_write_it(session, other_therapist):
    with pytest.raises(NotPermitted):
        save_therapist_note(booking=session, actor=other_therapist.user, text="Not mine to write")
    assert _note(session) == "First visit."


def test_a_booking_that_names_another_therapist_in_memory_proves_nothing(session, other_therapist):
    session.practitioner = other_therapist  # a stale or tampered object: the row decides
    with pytest.raises(NotPermitted):
        save_therapist_note(booking=session, actor=other_therapist.user, text="Not mine to write")
    assert _note(session) == "First visit."


@pytest.mark.parametrize("who", ["client", "booking staff", "superuser"])
def test_the_client_and_staff_cannot_write_it(session, client_user, who):
    actor = {
        "client": lambda: client_user,
        "booking staff": lambda: staff_with("bookings.change_booking"),
        "superuser": lambda: staff_with(is_superuser=True),
    }[who]()
    with pytest.raises(NotPermitted):
        save_therapist_note(booking=session, actor=actor, text="Not theirs to write")
    assert _note(session) == "First visit."
