"""Money tells the client once: a receipt, a failed payment, a refund paid back, a balance still due.

The ledger's services send ``payments.signals`` at each real transition, inside their
transaction; ``payments.messages`` writes the outbox rows, keyed by the ledger row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings import services as booking_services
from notifications.models import Notification
from payments import messages, services, signals
from payments.models import Method, PaymentStatus, Provider
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday morning, no DST change near


def _kinds(booking, kind: str) -> list[str]:
    return sorted(Notification.objects.filter(recipient=booking.client, kind=kind).values_list("dedupe_key", flat=True))


def _online(booking):
    """A pending online payment, as the Stripe helper's checkout records it."""
    return services.record_payment(
        booking=booking,
        amount=booking.total,
        method=Method.ONLINE_CARD,
        provider=Provider.STRIPE,
        payment_intent_id=f"pi_{booking.pk}",
        actor=None,
    )


def test_a_desk_payment_queues_one_receipt_on_the_clients_channels(booking, desk):
    payment = pay(booking, actor=desk)
    assert _kinds(booking, "payment_received") == [
        f"payment:{payment.pk}:received:email",
        f"payment:{payment.pk}:received:inapp",
    ]


def test_a_pending_payment_sends_nothing_until_it_succeeds_and_then_once(booking):
    payment = _online(booking)
    assert _kinds(booking, "payment_received") == []
    services.mark_payment_succeeded(payment=payment, actor=None)
    services.mark_payment_succeeded(payment=payment, actor=None)  # the webhook delivered twice
    assert len(_kinds(booking, "payment_received")) == 2  # e-mail and in-app, once each
    assert Notification.objects.filter(kind="payment_received").count() == 2


def test_a_failed_payment_tells_the_client_once(booking):
    payment = _online(booking)
    services.mark_payment_failed(payment=payment, actor=None, reason="card_declined")
    services.mark_payment_failed(payment=payment, actor=None, reason="card_declined")
    assert _kinds(booking, "payment_failed") == [
        f"payment:{payment.pk}:failed:email",
        f"payment:{payment.pk}:failed:inapp",
    ]
    assert _kinds(booking, "payment_received") == []


def test_a_refund_is_announced_when_paid_back_not_when_owed(paid, desk):
    payment = paid.payments.get()
    refund = services.record_refund(payment=payment, amount="5.00", actor=desk, reason="goodwill")
    assert _kinds(paid, "refund_issued") == []
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    assert _kinds(paid, "refund_issued") == [f"refund:{refund.pk}:paid:email", f"refund:{refund.pk}:paid:inapp"]
    context = Notification.objects.get(kind="refund_issued", channel="inapp").context
    assert (context["amount"], context["method"]) == ("5.00", "Cash")


def test_a_failed_refund_is_not_announced(paid, desk):
    refund = services.record_refund(payment=paid.payments.get(), amount="5.00", actor=desk, reason="goodwill")
    services.mark_refund_failed(refund=refund, actor=desk)
    assert _kinds(paid, "refund_issued") == []


def test_a_refused_payment_queues_nothing(booking, desk):
    with pytest.raises(services.PaymentError):
        pay(booking, "99.00", actor=desk)  # more than is due: the transaction rolls back
    assert not Notification.objects.filter(kind="payment_received").exists()


def test_the_signals_carry_the_locked_booking_with_its_counters_moved(booking, desk):
    seen = []

    def listener(sender, *, payment, booking, actor, **kwargs):
        seen.append((payment.status, booking.amount_paid, actor))

    signals.payment_succeeded.connect(listener)
    try:
        pay(booking, "5.00", actor=desk)
    finally:
        signals.payment_succeeded.disconnect(listener)
    assert [(str(s), str(p), a) for s, p, a in seen] == [(PaymentStatus.SUCCEEDED, "5.00", desk)]


def test_the_receipt_keeps_its_words_in_the_clients_language(booking, desk, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    pay(booking, actor=desk, method=Method.BANK_TRANSFER)
    context = Notification.objects.get(kind="payment_received", channel="inapp").context
    assert context["method"] == "Transferencia bancaria"


# --- the balance due before the session --------------------------------------------------------


@pytest.fixture
def soon(client_user):
    """A booking of a class 30 hours ahead (inside the default 48 h), nothing paid."""
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        session = upcoming_class(starts_at=NOW + timedelta(hours=30))
        return booking_services.book_class(client=client_user, session_id=session.pk, quantity=1)


def test_a_client_who_owes_is_told_once_before_the_session(soon):
    with time_machine.travel(NOW, tick=False):
        assert messages.send_balance_due_reminders() == 2  # e-mail and in-app
        assert messages.send_balance_due_reminders() == 0
    context = Notification.objects.get(kind="balance_due", channel="inapp").context
    assert (context["balance_due"], context["reference"]) == ("12.00", soon.reference)


def test_a_paid_booking_or_one_further_away_is_not_told(soon, other_client):
    pay(soon)
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        later = upcoming_class(starts_at=NOW + timedelta(hours=49))
        booking_services.book_class(client=other_client, session_id=later.pk, quantity=1)
    with time_machine.travel(NOW, tick=False):
        assert messages.send_balance_due_reminders() == 0
    assert not Notification.objects.filter(kind="balance_due").exists()


def test_a_part_payment_leaves_the_rest_to_be_reminded_of(soon):
    pay(soon, "4.00")
    with time_machine.travel(NOW, tick=False):
        messages.send_balance_due_reminders()
    assert Notification.objects.get(kind="balance_due", channel="inapp").context["balance_due"] == "8.00"


def test_the_reminder_can_be_turned_off(soon, settings):
    settings.BALANCE_DUE_REMINDER_HOURS = 0
    with time_machine.travel(NOW, tick=False):
        assert messages.send_balance_due_reminders() == 0


def test_the_admins_mark_received_action_reaches_the_same_receipt(client, booking, desk):
    """Every path to a succeeded payment is the service's: the admin action queues the receipt too."""
    owner = UserFactory(is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.OWNER))
    payment = _online(booking)
    client.force_login(owner)
    changelist = reverse("admin:payments_payment_changelist")
    for _ in range(2):
        client.post(changelist, {"action": "mark_succeeded", "_selected_action": [payment.pk]})
    assert _kinds(booking, "payment_received") == [
        f"payment:{payment.pk}:received:email",
        f"payment:{payment.pk}:received:inapp",
    ]
