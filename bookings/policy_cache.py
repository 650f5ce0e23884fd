"""Which booking policy applies to each class and therapy type, cached.

Every booking, and every class page's booking panel, asks which rules apply: the
type's own policy, else the studio default. Studios change their policies a few
times a year, so one cache entry (Redis in production, shared by every process)
holds the whole answer and saves a query per request.

The entry is keyed by a version token (schedules.cache.VersionToken), as the
timetable's grids are. Saves and deletes of BookingPolicy, ClassTypePolicy and
TherapyTypePolicy renew it, through the receivers connected in
``BookingsConfig.ready()``: at once, and again when the transaction commits, so an
entry loaded from the old rows in between is left behind under a token nobody asks for. A write that sends no signal
(``QuerySet.update()``) must call ``forget_policies()`` itself. Refund tiers are not
cached: they load when a cancellation needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

from bookings.models import BookingPolicy, ClassTypePolicy, TherapyTypePolicy
from schedules.cache import VersionToken

POLICIES_VERSION = VersionToken("bookings:policies:version")
# At most this long, whatever else happens: a safety net for a write that sends no
# signal (a manual database edit).
TIMEOUT = 600


@dataclass(frozen=True)
class Policies:
    default: BookingPolicy | None
    by_class_type: dict[int, BookingPolicy] = field(default_factory=dict)
    by_therapy_type: dict[int, BookingPolicy] = field(default_factory=dict)


def _load() -> Policies:
    default = BookingPolicy.objects.filter(is_default=True).first()
    return Policies(
        default=default,
        by_class_type={link.class_type_id: link.policy for link in ClassTypePolicy.objects.select_related("policy")},
        by_therapy_type={
            link.therapy_type_id: link.policy for link in TherapyTypePolicy.objects.select_related("policy")
        },
    )


def policies() -> Policies:
    """The studio's policy choices, from the cache, loaded on a miss (three queries)."""
    key = f"bookings:policies:{POLICIES_VERSION.current()}"
    found = cache.get(key)
    if found is None:
        found = _load()
        cache.set(key, found, timeout=TIMEOUT)
    return found


def forget_policies() -> None:
    """Make the cached policies stale now and, inside a transaction, again on commit."""
    POLICIES_VERSION.renew()


def forget_on_change(sender, **kwargs) -> None:
    """Receiver for post_save/post_delete of the policy models."""
    forget_policies()
