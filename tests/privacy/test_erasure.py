"""Erasure: the account is anonymised, its books stay right, and no table keeps the client's name."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from payments import services as payment_services
from payments.models import Method, Payment
from privacy import erasure, scrub
from privacy.models import AccessLogEntry, ErasureRequest, ErasureState
from schedules.models import ClassSession
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IDENTIFIERS = ("zoe.private@example.com", "+34600111222", "600111222", "Zoë Privatsphere", "Privatsphere")


def _seed_everything(client, studio):
    """Money, a look at the notes, a message naming her to the therapist, a login attempt by e-mail."""
    owner = studio["owner"]
    payment_services.record_payment(
        booking=studio["class_booking"], amount=studio["class_booking"].total, method=Method.CASH, actor=owner
    )
    client.force_login(studio["therapist"])
    client.get(reverse("bookings:therapist_session", args=[studio["therapy"].reference]))
    client.logout()
    client.post(reverse("account_login"), {"login": "zoe.private@example.com", "password": "wrong"})
    Booking.objects.filter(pk=studio["class_booking"].pk).update(note="Call me on +34600111222, Zoë Privatsphere")


def _leftovers() -> dict[str, list]:
    return {value: scrub.rows_mentioning(value) for value in IDENTIFIERS if scrub.rows_mentioning(value)}


def test_erasure_leaves_no_trace_in_any_text_column(client, studio):
    _seed_everything(client, studio)
    assert _leftovers()  # the seeded data is there to find: the scan can fail
    row = erasure.request_erasure(client=studio["client"], actor=studio["owner"], reason="The client asked by phone")
    assert erasure.erase_due() == 1
    assert _leftovers() == {}
    row.refresh_from_db()
    assert (row.state, row.requested_by, row.reason) == (
        ErasureState.DONE,
        studio["owner"],
        "The client asked by phone",
    )


def test_erasure_cancels_future_bookings_by_policy_and_keeps_the_books(client, studio):
    _seed_everything(client, studio)
    erasure.request_erasure(client=studio["client"], actor=studio["owner"], reason="Written request")
    erasure.erase_due()
    who = studio["client"]
    who.refresh_from_db()
    assert (who.email, who.display_name, str(who.phone), who.is_active, who.has_usable_password()) == (
        f"erased-{who.pk}@erased.invalid",
        erasure.ERASED_NAME,
        "",
        False,
        False,
    )
    lesson = Booking.objects.get(pk=studio["class_booking"].pk)
    therapy = Booking.objects.get(pk=studio["therapy"].pk)
    assert lesson.status == therapy.status == BookingStatus.CANCELLED
    assert lesson.client_id == therapy.client_id == who.pk  # kept, with the anonymised client
    assert (therapy.intake, therapy.therapist_note, lesson.note) == ({}, "", "")
    assert lesson.events.filter(to_status=BookingStatus.CANCELLED).exists()
    # The class spot is free again, the payment row is still there, and the counters agree.
    assert ClassSession.objects.get(pk=studio["session"].pk).spots_taken == 0
    assert Payment.objects.filter(booking=lesson).count() == 1
    assert lesson.amount_paid == lesson.total
    out = StringIO()
    call_command("check_integrity", stdout=out)
    assert "All booking money counters match their payments and refunds." in out.getvalue()
    # The access log keeps its rows (append-only), about the same person.
    assert AccessLogEntry.objects.filter(client=who).count() == 2


def test_the_client_asks_and_the_cooling_off_period_runs_first(client, studio, settings):
    client.force_login(studio["client"])
    assert client.post(reverse("privacy:request_erasure")).status_code == 302  # no confirmation: nothing
    assert not ErasureRequest.objects.exists()
    client.post(reverse("privacy:request_erasure"), {"confirm": "yes"})
    row = ErasureRequest.objects.get()
    assert row.due_at == row.requested_at + timedelta(days=settings.PRIVACY_ERASURE_COOLING_OFF_DAYS)
    assert 'data-testid="erasure-pending"' in client.get(reverse("privacy:my_data")).content.decode()
    with time_machine.travel(row.due_at - timedelta(minutes=1)):
        assert erasure.erase_due() == 0
    with time_machine.travel(row.due_at + timedelta(minutes=1)):
        assert erasure.erase_due(now=timezone.now()) == 1
    studio["client"].refresh_from_db()
    assert studio["client"].display_name == erasure.ERASED_NAME


def test_the_client_can_cancel_during_the_cooling_off(client, studio):
    client.force_login(studio["client"])
    client.post(reverse("privacy:request_erasure"), {"confirm": "yes"})
    client.post(reverse("privacy:cancel_erasure"))
    row = ErasureRequest.objects.get()
    assert row.state == ErasureState.CANCELLED
    with time_machine.travel(row.due_at + timedelta(days=1)):
        assert erasure.erase_due(now=timezone.now()) == 0
    studio["client"].refresh_from_db()
    assert studio["client"].email == "zoe.private@example.com"


def test_nobody_else_erases_an_account_and_staff_must_say_why(studio):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        erasure.request_erasure(client=studio["client"], actor=studio["desk"], reason="because")
    with pytest.raises(PermissionDenied):
        erasure.request_erasure(client=studio["client"], actor=UserFactory(), reason="because")
    with pytest.raises(erasure.ErasureError):
        erasure.request_erasure(client=studio["client"], actor=studio["owner"], reason="  ")
    assert not ErasureRequest.objects.exists()


def test_the_owner_erases_from_admin_with_a_reason(client, studio):
    client.force_login(studio["owner"])
    add = reverse("admin:privacy_erasurerequest_add")
    response = client.post(add, {"client": studio["client"].pk, "reason": ""})
    assert response.status_code == 200 and not ErasureRequest.objects.exists()
    client.post(add, {"client": studio["client"].pk, "reason": "Written request, 3 Dec"})
    row = ErasureRequest.objects.get()
    assert (row.requested_by, row.due_at <= timezone.now()) == (studio["owner"], True)
    changelist = reverse("admin:privacy_erasurerequest_changelist")
    client.post(changelist, {"action": "erase_now", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.state == ErasureState.DONE
    client.force_login(studio["desk"])
    assert client.get(add).status_code == 403


def test_a_short_name_is_not_cut_out_of_other_peoples_rows(studio):
    other = UserFactory(display_name="Ana")
    studio["client"].display_name = "Ana"
    studio["client"].save()
    erasure.request_erasure(client=studio["client"], actor=studio["owner"], reason="Asked in person")
    erasure.erase_due()
    other.refresh_from_db()
    assert other.display_name == "Ana"
