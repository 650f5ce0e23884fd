"""Signals the ledger sends when money moves, so messages (and anything else) follow every path.

Each is sent **inside** the ledger service's transaction, with the booking row locked,
once per real transition: a second ``mark_payment_succeeded`` of a succeeded payment
returns before it, so the desk, the admin actions and the provider's webhook all reach
the receivers the same way and exactly once. Receivers write in that transaction (the
outbox rows of ``payments.messages``: DESIGN invariant 4, a message commits or rolls
back with the money) and must do nothing slow; delivery happens after the commit.

kwargs of every signal: ``booking`` (the locked Booking, counters already moved),
``actor`` (User | None: None is the system, a webhook or a task).
"""

from django.dispatch import Signal

# A payment counts from now: a desk payment when recorded, an online one when confirmed.
# kwargs: payment (Payment, succeeded), booking, actor.
payment_succeeded = Signal()

# A pending payment did not go through. kwargs: payment (Payment, failed), booking, actor, reason (str).
payment_failed = Signal()

# Money owed back reached the client (paid out at the desk, or the provider confirmed it).
# kwargs: refund (Refund, succeeded), booking, actor.
refund_succeeded = Signal()

# A payment came after its hold ended and the spot or time was gone: it is being given
# back in full. kwargs: payment, booking, refund (Refund, pending until the provider confirms).
late_payment_refunded = Signal()
