"""The concurrency tests' one seam into the services: a pause and a lock switch.

Why: a race test must widen the window it races in (a pause at the one point where
it matters) and prove it can see the bug it guards against (a negative control that
switches one guard off). Both are named points called from the services, and both do
nothing unless the test settings turn them on; production never sets them.

- ``pause(point)`` sleeps ``settings.SHALA_RACE_PAUSES[point]`` seconds (none by default).
- ``locking(guard)`` is True unless ``guard`` is in ``settings.SHALA_RACE_UNGUARDED``.

The points: ``booking-claim`` (before a spot claim's UPDATE), ``waitlist-offer``
(before an offer's state is claimed), ``waitlist-promote`` (after a release's
promotion holds the session, before it takes its client), ``therapy-slot`` (between
the free-slot check and the write), ``hold-answer`` (after a hold is found pending,
before confirm_hold or release_hold writes it), ``refund-allocate`` (payments: after a
refund read what the booking and payment have left, before it writes the row). The
guards: ``booking`` (the conditional spot claim), ``waitlist`` (the lock and condition
of an offer's answer), ``therapist`` (the therapist's row lock), ``lock-order`` (the
promotion takes its client's row without waiting; off, it waits, as before the one lock
order: the deadlock's negative control), ``hold`` (the row locks of a hold's answer and
of expire_holds; off, confirm and expiry both read "pending" and both write: the hold
race's negative control), ``payment`` (the ledger services lock the booking before
reading its money counters; off, they read it unlocked, so two refunds can both see the
same money left), ``early-bird`` (a class whose early bird ends after N spots is locked
before its price is set; off, two bookers of the last early-bird spot both get it).
"""

from __future__ import annotations

import time

from django.conf import settings


def pause(point: str) -> None:
    """Sleep at ``point`` if a test asked for it."""
    seconds = getattr(settings, "SHALA_RACE_PAUSES", {}).get(point, 0)
    if seconds:
        time.sleep(seconds)


def locking(guard: str) -> bool:
    """Is ``guard`` on? Only a negative-control test turns one off."""
    return guard not in getattr(settings, "SHALA_RACE_UNGUARDED", ())
